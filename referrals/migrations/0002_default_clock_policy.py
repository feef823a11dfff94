"""The default clock policy: national ClinRespPriorityType response targets and
the local promise of a response within a day for everyone; a 28-day treatment
clock stopped at the second completed contact. Edit it in the admin."""

from datetime import timedelta

from django.db import migrations

TARGETS = {
    # urgency: (target, escalate to team manager after breach, then to service manager)
    "emergency": (timedelta(hours=1), timedelta(minutes=30), timedelta(hours=1)),
    "very_urgent": (timedelta(hours=4), timedelta(hours=1), timedelta(hours=2)),
    "urgent": (timedelta(hours=24), timedelta(hours=4), timedelta(hours=8)),
    "routine": (timedelta(hours=24), timedelta(hours=4), timedelta(hours=24)),
}


def forward(apps, schema_editor):
    ClockPolicy = apps.get_model("referrals", "ClockPolicy")
    ResponseTarget = apps.get_model("referrals", "ResponseTarget")
    policy, _ = ClockPolicy.objects.get_or_create(is_default=True, defaults={"name": "Default (national measures)"})
    for urgency, (target, first, second) in TARGETS.items():
        ResponseTarget.objects.get_or_create(
            policy=policy, urgency=urgency,
            defaults={"target": target, "escalation_after": first, "second_escalation_after": second},
        )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
