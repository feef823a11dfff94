"""Allocation arrives from the caseload app; the reporting tables' models leave for the reporting app. No table changes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models



def _move_content_types(apps, schema_editor):
    """Existing databases: the moved models' content types (and so their permissions and admin
    history) follow them to the new app. A new database has none yet: nothing to do."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ['allocation']:
        if not ContentType.objects.filter(app_label="referrals", model=model).exists():
            ContentType.objects.filter(app_label="caseload", model=model).update(app_label="referrals")

class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('caseload', '0003_access_indexes'),
        ('localities', '0002_access_grants'),
        ('referrals', '0007_access_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables stay where they are, with their rows: only Django's idea of which app
        # owns the models changes (docs/adr/0007).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Allocation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('started_at', models.DateTimeField()),
                        ('handover_note', models.TextField(blank=True)),
                        ('ended_at', models.DateTimeField(blank=True, null=True)),
                        ('link_worker', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allocations', to=settings.AUTH_USER_MODEL)),
                        ('referral', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allocations', to='referrals.referral')),
                        ('started_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('team', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allocations', to='localities.team')),
                    ],
                    options={
                        'db_table': 'caseload_allocation',
                        'ordering': ['started_at', 'id'],
                    },
                ),
                migrations.RemoveField(
                    model_name='clockfact',
                    name='clock',
                ),
                migrations.DeleteModel(
                    name='DailyEqualityRollup',
                ),
                migrations.RemoveField(
                    model_name='referralfact',
                    name='referral',
                ),
                migrations.DeleteModel(
                    name='ReportingState',
                ),
                migrations.DeleteModel(
                    name='WeeklyPercentile',
                ),
                migrations.DeleteModel(
                    name='WeeklyRollup',
                ),
                migrations.DeleteModel(
                    name='ClockFact',
                ),
                migrations.DeleteModel(
                    name='ReferralFact',
                ),
                migrations.AddIndex(
                    model_name='allocation',
                    index=models.Index(condition=models.Q(('ended_at__isnull', True)), fields=['link_worker'], name='open_allocation_idx'),
                ),
                migrations.AddIndex(
                    model_name='allocation',
                    index=models.Index(condition=models.Q(('ended_at__isnull', True)), fields=['team', 'referral'], include=('link_worker',), name='open_allocation_team_idx'),
                ),
                migrations.AddConstraint(
                    model_name='allocation',
                    constraint=models.UniqueConstraint(condition=models.Q(('ended_at__isnull', True)), fields=('referral',), name='one_open_allocation'),
                ),
                migrations.AddConstraint(
                    model_name='allocation',
                    constraint=models.CheckConstraint(condition=models.Q(('ended_at__isnull', True), ('ended_at__gte', models.F('started_at')), _connector='OR'), name='allocation_ends_after_start'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_move_content_types, migrations.RunPython.noop),
    ]
