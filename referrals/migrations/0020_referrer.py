# Who referred, and keeping them informed (issue 15, item 2)

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("localities", "0003_team_mhsds_type"),
        ("referrals", "0019_person_matching"),
    ]

    operations = [
        migrations.AddField(
            model_name="allocation",
            name="release_note",
            field=models.TextField(
                blank=True, help_text="Left when the person went back to the team's unallocated list at its end."
            ),
        ),
        migrations.CreateModel(
            name="ReferrerUpdateRule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("gp", "GP or primary care"),
                            ("self", "Self-referral"),
                            ("mental_health_line", "24/7 mental health line"),
                            ("vcse", "VCSE partner"),
                            ("police", "Police"),
                            ("ambulance", "Ambulance"),
                            ("emergency_department", "Emergency department (liaison)"),
                            ("social_care", "Social care"),
                            ("talking_therapies", "Talking therapies"),
                            ("other", "Other"),
                        ],
                        max_length=32,
                        unique=True,
                    ),
                ),
                ("on_triaged", models.BooleanField(default=True, verbose_name="when triaged")),
                ("on_redirected", models.BooleanField(default=True, verbose_name="when redirected")),
                ("on_first_seen", models.BooleanField(default=True, verbose_name="when first seen")),
                ("on_discharged", models.BooleanField(default=True, verbose_name="when discharged")),
                (
                    "include_outcome",
                    models.BooleanField(
                        default=True,
                        help_text="Say why a referral was redirected and the reason for discharge. Off: only what happened, where and when.",
                    ),
                ),
            ],
            options={
                "verbose_name": "referrer update rule",
                "ordering": ["source"],
            },
        ),
        migrations.AddField(
            model_name="referral",
            name="referrer_email",
            field=models.EmailField(
                blank=True,
                help_text="A shared mailbox the short status updates go to.",
                max_length=254,
                verbose_name="referrer's contact mailbox",
            ),
        ),
        migrations.AddField(
            model_name="referral",
            name="referrer_ods_code",
            field=models.CharField(
                blank=True,
                help_text="The referring GP practice or organisation.",
                max_length=12,
                verbose_name="referrer's ODS code",
            ),
        ),
        migrations.AddField(
            model_name="referral",
            name="referrer_organisation",
            field=models.CharField(
                blank=True,
                help_text="For example the VCSE partner.",
                max_length=200,
                verbose_name="referring organisation",
            ),
        ),
        migrations.AddField(
            model_name="referral",
            name="referrer_police_reference",
            field=models.CharField(blank=True, max_length=40, verbose_name="police reference"),
        ),
        migrations.CreateModel(
            name="ReferrerUpdate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "event",
                    models.CharField(
                        choices=[
                            ("triaged", "Triaged"),
                            ("redirected", "Redirected to another team"),
                            ("first_seen", "First seen"),
                            ("discharged", "Discharged"),
                        ],
                        max_length=16,
                    ),
                ),
                ("at", models.DateTimeField(help_text="When the event happened.")),
                ("to_send", models.BooleanField(default=True)),
                ("address", models.EmailField(blank=True, max_length=254)),
                ("subject", models.CharField(max_length=200)),
                ("body", models.TextField()),
                ("created_at", models.DateTimeField()),
                ("claimed_until", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("last_error", models.TextField(blank=True)),
                (
                    "referral",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="referrer_updates",
                        to="referrals.referral",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        help_text="After it.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="localities.team",
                    ),
                ),
            ],
            options={
                "ordering": ["at", "id"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("sent_at__isnull", True), ("to_send", True)),
                        fields=["created_at"],
                        name="referrer_update_unsent_idx",
                    ),
                    models.Index(fields=["referral", "at"], name="referrer_update_referral_idx"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("event__in", ["first_seen", "discharged"])),
                        fields=("referral", "event"),
                        name="one_referrer_update_per_once_event",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("to_send", False), models.Q(("address", ""), _negated=True), _connector="OR"
                        ),
                        name="referrer_update_sent_somewhere",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("sent_at__isnull", True), ("to_send", True), _connector="OR"),
                        name="referrer_update_sent_if_due",
                    ),
                ],
            },
        ),
    ]
