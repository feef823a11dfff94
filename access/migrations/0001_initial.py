"""Grants (break-glass, cover, consent-based shares) and break-glass reviews, moved from the accounts app with their tables and rows."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models



def _move_content_types(apps, schema_editor):
    """Existing databases: the moved models' content types (and so their permissions and admin
    history) follow them to the new app. A new database has none yet: nothing to do."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ['persongrant', 'personshare', 'breakglassreview']:
        if not ContentType.objects.filter(app_label="access", model=model).exists():
            ContentType.objects.filter(app_label="accounts", model=model).update(app_label="access")

class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('accounts', '0004_access_grants'),
        ('auth', '0012_alter_user_first_name_max_length'),
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
                    name='BreakGlassReview',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reason', models.TextField()),
                        ('opened_at', models.DateTimeField()),
                        ('expires_at', models.DateTimeField()),
                        ('source_ip', models.GenericIPAddressField(blank=True, null=True)),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                        ('outcome', models.CharField(blank=True, choices=[('appropriate', 'Appropriate'), ('inappropriate', 'Not appropriate: follow up')], max_length=16)),
                        ('review_note', models.TextField(blank=True)),
                        ('opened_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='referrals.person')),
                        ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'accounts_breakglassreview',
                        'ordering': ['-opened_at', '-id'],
                        'indexes': [models.Index(condition=models.Q(('reviewed_at__isnull', True)), fields=['opened_at'], name='unreviewed_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('outcome', ''), ('reviewed_at__isnull', True), ('reviewed_by__isnull', True)), models.Q(('reviewed_at__isnull', False), ('reviewed_by__isnull', False), models.Q(('outcome', ''), _negated=True)), _connector='OR'), name='break_glass_reviewed_together')],
                    },
                ),
                migrations.CreateModel(
                    name='PersonGrant',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('break_glass', 'Break-glass (emergency)'), ('cover', 'Covering for a colleague')], max_length=16)),
                        ('reason', models.TextField()),
                        ('granted_at', models.DateTimeField()),
                        ('expires_at', models.DateTimeField()),
                        ('content_object', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='user_grants', to='referrals.person')),
                        ('granted_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('permission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.permission')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'person access grant',
                        'db_table': 'accounts_persongrant',
                        'abstract': False,
                        'indexes': [models.Index(fields=['user', 'content_object', 'expires_at'], name='person_grant_user_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('expires_at__gt', models.F('granted_at'))), name='grant_ends_later'), models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='grant_has_reason')],
                        'unique_together': {('user', 'permission', 'content_object')},
                    },
                ),
                migrations.CreateModel(
                    name='PersonShare',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reason', models.TextField()),
                        ('granted_at', models.DateTimeField()),
                        ('consent', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='shares', to='referrals.sharingconsent')),
                        ('content_object', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='shares', to='referrals.person')),
                        ('granted_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.group')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='localities.organisation')),
                        ('permission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.permission')),
                    ],
                    options={
                        'verbose_name': 'consent-based share',
                        'db_table': 'accounts_personshare',
                        'abstract': False,
                        'indexes': [models.Index(fields=['organisation', 'content_object'], name='person_share_org_idx')],
                        'unique_together': {('group', 'permission', 'content_object')},
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_move_content_types, migrations.RunPython.noop),
    ]
