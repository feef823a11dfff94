"""The reporting tables' models, moved from the referrals app with their tables and rows."""

import django.db.models.deletion
from django.db import migrations, models



def _move_content_types(apps, schema_editor):
    """Existing databases: the moved models' content types (and so their permissions and admin
    history) follow them to the new app. A new database has none yet: nothing to do."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ['referralfact', 'clockfact', 'weeklyrollup', 'weeklypercentile', 'dailyequalityrollup', 'reportingstate']:
        if not ContentType.objects.filter(app_label="reporting", model=model).exists():
            ContentType.objects.filter(app_label="referrals", model=model).update(app_label="reporting")

class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('referrals', '0008_allocation_from_caseload_rollups_to_reporting'),
    ]

    operations = [
        # The tables stay where they are, with their rows: only Django's idea of which app
        # owns the models changes (docs/adr/0007).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ReportingState',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('last_audit_id', models.BigIntegerField(default=0)),
                        ('pending_ids', models.JSONField(blank=True, default=dict)),
                        ('refreshed_at', models.DateTimeField(blank=True, null=True)),
                        ('rebuilt_at', models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        'db_table': 'referrals_reportingstate',
                    },
                ),
                migrations.CreateModel(
                    name='ClockFact',
                    fields=[
                        ('clock', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='referrals.clock')),
                        ('referral_id', models.BigIntegerField(db_index=True)),
                        ('kind', models.CharField(max_length=16)),
                        ('is_current', models.BooleanField()),
                        ('started_at', models.DateTimeField()),
                        ('warn_at', models.DateTimeField()),
                        ('due_at', models.DateTimeField()),
                        ('paused_at', models.DateTimeField(blank=True, null=True)),
                        ('stopped_at', models.DateTimeField(blank=True, null=True)),
                        ('stop_reason', models.CharField(blank=True, max_length=32)),
                        ('stopped_week', models.DateField(blank=True, null=True)),
                        ('wait_seconds', models.BigIntegerField(blank=True, help_text='Whole seconds from start to stop, for a clock stopped by its rule.', null=True)),
                        ('met', models.BooleanField(help_text='Stopped by its rule on or before its due time; NULL otherwise.', null=True)),
                        ('locality_id', models.BigIntegerField(default=0)),
                        ('team_id', models.BigIntegerField(default=0)),
                        ('service', models.CharField(blank=True, max_length=32)),
                        ('source', models.CharField(max_length=32)),
                        ('urgency', models.CharField(max_length=16)),
                        ('ethnicity', models.CharField(max_length=1)),
                        ('gender', models.CharField(max_length=16)),
                        ('sexual_orientation', models.CharField(max_length=16)),
                        ('disability', models.CharField(max_length=16)),
                        ('age_band', models.CharField(max_length=12)),
                        ('deprivation_decile', models.PositiveSmallIntegerField(blank=True, null=True)),
                    ],
                    options={
                        'db_table': 'referrals_clockfact',
                        'indexes': [models.Index(fields=['kind', 'stopped_at', 'wait_seconds', 'met', 'stopped_week', 'locality_id', 'team_id', 'service', 'source', 'urgency', 'ethnicity', 'gender', 'sexual_orientation', 'disability', 'age_band', 'deprivation_decile'], name='clockfact_stopped_idx'), models.Index(condition=models.Q(('stopped_at__isnull', False), ('wait_seconds__isnull', True)), fields=['stopped_at', 'kind', 'stop_reason', 'locality_id', 'team_id', 'service', 'source', 'urgency'], name='clockfact_other_stop_idx'), models.Index(fields=['due_at', 'kind', 'stopped_at', 'paused_at', 'locality_id', 'team_id', 'service', 'source', 'urgency', 'ethnicity', 'gender', 'sexual_orientation', 'disability', 'age_band', 'deprivation_decile'], name='clockfact_due_idx'), models.Index(condition=models.Q(('is_current', True), ('stopped_at__isnull', True)), fields=['kind', 'started_at', 'warn_at', 'due_at', 'paused_at', 'locality_id', 'team_id', 'service', 'source', 'urgency'], name='clockfact_open_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='DailyEqualityRollup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField(help_text='London date of the event counted.')),
                        ('kind', models.CharField(help_text="A clock kind, or 'referral' for referrals received.", max_length=16)),
                        ('dimension', models.CharField(help_text='The equality column: ethnicity, age_band, ...', max_length=20)),
                        ('value', models.CharField(help_text="Its value as text ('None': no deprivation decile).", max_length=32)),
                        ('received', models.IntegerField(default=0, help_text='Referrals received on the day.')),
                        ('due', models.IntegerField(default=0, help_text='Clocks whose due time fell on the day.')),
                        ('breached', models.IntegerField(default=0, help_text='...of which stopped late, still running, or paused late.')),
                        ('completed', models.IntegerField(default=0, help_text='Clocks stopped by their rule on the day.')),
                        ('met', models.IntegerField(default=0, help_text='...of which on or before their due time.')),
                        ('waits', models.BinaryField(default=b'', help_text='The completed waits in seconds, sorted, 8 bytes each.')),
                    ],
                    options={
                        'db_table': 'referrals_dailyequalityrollup',
                        'constraints': [models.UniqueConstraint(fields=('dimension', 'day', 'kind', 'value'), name='one_equality_row_per_cell')],
                    },
                ),
                migrations.CreateModel(
                    name='ReferralFact',
                    fields=[
                        ('referral', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='referrals.referral')),
                        ('person_id', models.BigIntegerField(db_index=True)),
                        ('received_at', models.DateTimeField()),
                        ('received_week', models.DateField(help_text='Monday (Europe/London) of the week it was received.')),
                        ('locality_id', models.BigIntegerField(default=0, help_text='0: not routed to a locality.')),
                        ('team_id', models.BigIntegerField(default=0, help_text='0: not routed to a team.')),
                        ('service', models.CharField(blank=True, help_text="The team's kind; blank with no team.", max_length=32)),
                        ('source', models.CharField(max_length=32)),
                        ('urgency', models.CharField(max_length=16)),
                        ('ethnicity', models.CharField(max_length=1)),
                        ('gender', models.CharField(max_length=16)),
                        ('sexual_orientation', models.CharField(max_length=16)),
                        ('disability', models.CharField(max_length=16)),
                        ('age_band', models.CharField(max_length=12)),
                        ('deprivation_decile', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('status', models.CharField(max_length=16)),
                        ('ended_at', models.DateTimeField(blank=True, null=True)),
                        ('previous_discharge_at', models.DateTimeField(blank=True, help_text="The person's latest discharge from another referral before this one.", null=True)),
                        ('outcome_instrument', models.CharField(blank=True, max_length=32)),
                        ('outcome_start', models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True)),
                        ('outcome_end', models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True)),
                    ],
                    options={
                        'db_table': 'referrals_referralfact',
                        'indexes': [models.Index(fields=['received_at', 'locality_id', 'team_id', 'service', 'source', 'urgency', 'ethnicity', 'gender', 'sexual_orientation', 'disability', 'age_band', 'deprivation_decile'], name='referralfact_received_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='WeeklyPercentile',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('week', models.DateField()),
                        ('kind', models.CharField(max_length=16)),
                        ('dimension', models.CharField(blank=True, help_text='Blank: the whole service.', max_length=16)),
                        ('value', models.CharField(blank=True, max_length=32)),
                        ('n', models.IntegerField()),
                        ('p50', models.FloatField()),
                        ('p90', models.FloatField()),
                    ],
                    options={
                        'db_table': 'referrals_weeklypercentile',
                        'constraints': [models.UniqueConstraint(fields=('week', 'kind', 'dimension', 'value'), name='one_percentile_per_cell')],
                    },
                ),
                migrations.CreateModel(
                    name='WeeklyRollup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('week', models.DateField()),
                        ('kind', models.CharField(max_length=16)),
                        ('locality_id', models.BigIntegerField(default=0)),
                        ('team_id', models.BigIntegerField(default=0)),
                        ('service', models.CharField(blank=True, max_length=32)),
                        ('source', models.CharField(max_length=32)),
                        ('urgency', models.CharField(max_length=16)),
                        ('received', models.IntegerField(default=0)),
                        ('started', models.IntegerField(default=0)),
                        ('stopped', models.IntegerField(default=0)),
                        ('warned', models.IntegerField(default=0, help_text='Clocks whose warning time fell in the week.')),
                        ('due', models.IntegerField(default=0, help_text='Clocks whose due time fell in the week.')),
                        ('warned_or_stopped', models.IntegerField(default=0, help_text='...whose later of warning and stop fell in it.')),
                        ('due_or_stopped', models.IntegerField(default=0, help_text='...whose later of due time and stop fell in it.')),
                        ('counted', models.IntegerField(default=0, help_text='Clocks stopped by their rule in the week.')),
                        ('met', models.IntegerField(default=0, help_text='...of which on or before their due time.')),
                    ],
                    options={
                        'db_table': 'referrals_weeklyrollup',
                        'constraints': [models.UniqueConstraint(fields=('week', 'kind', 'locality_id', 'team_id', 'service', 'source', 'urgency'), name='one_rollup_row_per_cell')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_move_content_types, migrations.RunPython.noop),
    ]
