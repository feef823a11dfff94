"""Allocation moves to the referrals app (caseload depends on referrals, never the other way); its table stays."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0008_allocation_from_caseload_rollups_to_reporting'),
        ('caseload', '0003_access_indexes'),
    ]

    operations = [
        # The tables stay where they are, with their rows: only Django's idea of which app
        # owns the models changes (docs/adr/0007).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='Allocation',
                ),
            ],
            database_operations=[],
        ),
    ]
