from django.db import migrations, models


def rebuild_reporting_next(apps, schema_editor):
    """The daily rollup gains the re-referrals among the referrals received, which the flow page
    now reads: mark the reporting tables as never built, so the worker rebuilds them as it starts
    (facts_warm), or the next dashboard page on a small database."""
    apps.get_model("reporting", "ReportingState").objects.update(rebuilt_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0005_rollup_within_locality"),
    ]

    operations = [
        migrations.AddField(
            model_name="dailyequalityrollup",
            name="re_referred",
            field=models.IntegerField(
                default=0, help_text="...of which within 12 months of the person's discharge from another referral."
            ),
        ),
        migrations.RunPython(rebuild_reporting_next, migrations.RunPython.noop),
    ]
