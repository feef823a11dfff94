"""Only a stopped clock names who stopped it (tests/test_paired_fields.py finds the pair)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0008_allocation_from_caseload_rollups_to_reporting'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='clock',
            constraint=models.CheckConstraint(condition=models.Q(('stopped_by__isnull', True), ('stopped_at__isnull', False), _connector='OR'), name='stopped_by_only_when_stopped'),
        ),
    ]
