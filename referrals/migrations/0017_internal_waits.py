# Internal waits and the EIP and urgent care hub clocks (issue 14, items 4-5): the offer of an
# intervention and its wait clock, the wait targets (a default per intervention kind), and the
# EIP treatment stop rule. docs/internal-waits.md.

import datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PSYCHOLOGICAL_THERAPIES = ("talking_therapy", "dbt_skills", "scm")
KINDS = (
    "talking_therapy",
    "peer_support",
    "dbt_skills",
    "scm",
    "medication_review",
    "debt_advice",
    "housing_support",
    "employment_support",
    "social_activities",
    "other",
)


def default_wait_targets(apps, schema_editor):
    """Every kind gets a target for every team: 18 weeks for a psychological therapy, 4 weeks
    for anything else (referrals.models.intervention_wait); a trust edits them in the admin."""
    target = apps.get_model("referrals", "InterventionWaitTarget")
    for kind in KINDS:
        weeks = 18 if kind in PSYCHOLOGICAL_THERAPIES else 4
        target.objects.get_or_create(team=None, kind=kind, defaults={"target": datetime.timedelta(weeks=weeks)})


class Migration(migrations.Migration):
    dependencies = [
        ("localities", "0003_team_mhsds_type"),
        ("referrals", "0016_self_referral"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="InterventionOffer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("talking_therapy", "Talking therapy"),
                            ("peer_support", "Peer support"),
                            ("dbt_skills", "DBT skills group"),
                            ("scm", "Structured clinical management"),
                            ("medication_review", "Medication review"),
                            ("debt_advice", "Debt and money advice"),
                            ("housing_support", "Housing support"),
                            ("employment_support", "Employment support"),
                            ("social_activities", "Social and community activities"),
                            ("other", "Other"),
                        ],
                        max_length=32,
                    ),
                ),
                ("code", models.CharField(blank=True, max_length=18, verbose_name="SNOMED CT code")),
                ("description", models.CharField(max_length=200)),
                ("decided_at", models.DateTimeField()),
                ("withdrawn_at", models.DateTimeField(blank=True, null=True)),
                ("withdrawn_reason", models.TextField(blank=True)),
            ],
            options={
                "ordering": ["decided_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="InterventionWaitTarget",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("talking_therapy", "Talking therapy"),
                            ("peer_support", "Peer support"),
                            ("dbt_skills", "DBT skills group"),
                            ("scm", "Structured clinical management"),
                            ("medication_review", "Medication review"),
                            ("debt_advice", "Debt and money advice"),
                            ("housing_support", "Housing support"),
                            ("employment_support", "Employment support"),
                            ("social_activities", "Social and community activities"),
                            ("other", "Other"),
                        ],
                        max_length=32,
                    ),
                ),
                ("target", models.DurationField(default=datetime.timedelta(days=126))),
                (
                    "escalation_after",
                    models.DurationField(
                        default=datetime.timedelta(days=7), help_text="After a breach, escalate to the team manager."
                    ),
                ),
                (
                    "second_escalation_after",
                    models.DurationField(
                        default=datetime.timedelta(days=14),
                        help_text="After a breach, escalate to the service manager.",
                    ),
                ),
            ],
            options={
                "ordering": ["team_id", "kind"],
            },
        ),
        migrations.AlterModelOptions(
            name="clock",
            options={"default_manager_name": "objects", "ordering": ["referral_id", "kind", "started_at"]},
        ),
        migrations.RemoveConstraint(
            model_name="clock",
            name="one_current_clock_per_kind",
        ),
        migrations.AlterField(
            model_name="clock",
            name="kind",
            field=models.CharField(
                choices=[
                    ("first_response", "First response"),
                    ("treatment", "Treatment (4-week wait)"),
                    ("intervention", "Intervention wait"),
                ],
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="clock",
            name="stop_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("first_completed_contact", "First attended contact"),
                    ("second_completed_contact", "Second attended contact"),
                    (
                        "referral_spell_complete",
                        "Referral spell clock stop: contact, assessment, care plan or intervention, baseline measure",
                    ),
                    ("treatment_started", "Treatment started"),
                    ("intervention_started", "The intervention started"),
                    ("offer_withdrawn", "The intervention is no longer offered"),
                    ("restarted", "Superseded by a restarted clock"),
                    ("referral_ended", "Referral discharged or closed"),
                    ("manual", "Stopped by hand with a reason"),
                ],
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="clockpolicy",
            name="treatment_stop_rule",
            field=models.CharField(
                choices=[
                    (
                        "national",
                        "As NHS England counts it for the team's type: the referral spell clock stop for community team types, else the second attended contact",
                    ),
                    ("second_contact", "Second attended direct contact (NHS England CMH dashboard)"),
                    (
                        "referral_spell",
                        "Referral spell clock stop: first attended contact, coded assessment, care plan or intervention, and a baseline outcome measure",
                    ),
                    ("treatment_started", "An attended contact explicitly recorded as starting treatment"),
                    (
                        "eip",
                        "Early intervention in psychosis (NHS England EIP23a): the later of the first attended direct contact and the allocation of a care coordinator (link worker)",
                    ),
                ],
                default="national",
                max_length=32,
            ),
        ),
        migrations.AddConstraint(
            model_name="clock",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_current", True), models.Q(("kind", "intervention"), _negated=True)),
                fields=("referral", "kind"),
                name="one_current_clock_per_kind",
            ),
        ),
        migrations.AddField(
            model_name="interventionoffer",
            name="clock",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT, related_name="intervention_offer", to="referrals.clock"
            ),
        ),
        migrations.AddField(
            model_name="interventionoffer",
            name="decided_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="interventionoffer",
            name="intervention",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="offer",
                to="referrals.intervention",
            ),
        ),
        migrations.AddField(
            model_name="interventionoffer",
            name="referral",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="intervention_offers", to="referrals.referral"
            ),
        ),
        migrations.AddField(
            model_name="interventionoffer",
            name="team",
            field=models.ForeignKey(
                help_text="The team that will deliver it, whose waiting list it joins.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="intervention_offers",
                to="localities.team",
            ),
        ),
        migrations.AddField(
            model_name="interventionoffer",
            name="withdrawn_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="interventionwaittarget",
            name="team",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: every team without a target of its own for this kind.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="intervention_wait_targets",
                to="localities.team",
            ),
        ),
        migrations.AddIndex(
            model_name="interventionoffer",
            index=models.Index(
                condition=models.Q(("intervention__isnull", True), ("withdrawn_at__isnull", True)),
                fields=["team", "kind", "decided_at"],
                name="offer_waiting_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="interventionoffer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("withdrawn_at__isnull", True), ("withdrawn_by__isnull", True), ("withdrawn_reason", "")),
                    models.Q(
                        ("withdrawn_at__isnull", False),
                        ("withdrawn_by__isnull", False),
                        models.Q(("withdrawn_reason", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="offer_withdrawn_with_who_and_why",
            ),
        ),
        migrations.AddConstraint(
            model_name="interventionoffer",
            constraint=models.CheckConstraint(
                condition=models.Q(("intervention__isnull", True), ("withdrawn_at__isnull", True), _connector="OR"),
                name="offer_started_or_withdrawn_not_both",
            ),
        ),
        migrations.AddConstraint(
            model_name="interventionwaittarget",
            constraint=models.UniqueConstraint(
                condition=models.Q(("team__isnull", False)),
                fields=("team", "kind"),
                name="one_wait_target_per_team_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="interventionwaittarget",
            constraint=models.UniqueConstraint(
                condition=models.Q(("team__isnull", True)), fields=("kind",), name="one_default_wait_target_per_kind"
            ),
        ),
        migrations.AddConstraint(
            model_name="interventionwaittarget",
            constraint=models.CheckConstraint(
                condition=models.Q(("target__gt", datetime.timedelta(0))), name="wait_target_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="interventionwaittarget",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("escalation_after__gt", datetime.timedelta(0)),
                    ("second_escalation_after__gt", models.F("escalation_after")),
                ),
                name="wait_escalations_in_order",
            ),
        ),
        migrations.RunPython(default_wait_targets, migrations.RunPython.noop),
    ]
