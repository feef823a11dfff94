"""Seed the default clock policy (see referrals/defaults.py)."""

from django.db import migrations

from referrals.defaults import ensure_default_policy


def forward(apps, schema_editor):
    ensure_default_policy(apps.get_model("referrals", "ClockPolicy"), apps.get_model("referrals", "ResponseTarget"))


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
