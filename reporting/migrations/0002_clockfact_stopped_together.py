"""A clock's reporting copy keeps its stop, reason and week together, and its wait with whether it met the target."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0009_clock_stopped_by_only_when_stopped'),
        ('reporting', '0001_initial'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='clockfact',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('stop_reason', ''), ('stopped_at__isnull', True), ('stopped_week__isnull', True)), models.Q(('stopped_at__isnull', False), ('stopped_week__isnull', False), models.Q(('stop_reason', ''), _negated=True)), _connector='OR'), name='clockfact_stopped_together'),
        ),
        migrations.AddConstraint(
            model_name='clockfact',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('met__isnull', True), ('wait_seconds__isnull', True)), models.Q(('met__isnull', False), ('stopped_at__isnull', False), ('wait_seconds__isnull', False)), _connector='OR'), name='clockfact_wait_with_met'),
        ),
    ]
