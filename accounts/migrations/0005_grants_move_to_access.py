"""Break-glass, cover and share grants move to the access app; their tables stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('access', '0001_initial'),
        ('accounts', '0004_access_grants'),
    ]

    operations = [
        # The tables stay where they are, with their rows: only Django's idea of which app
        # owns the models changes (docs/adr/0007).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterUniqueTogether(
                    name='persongrant',
                    unique_together=None,
                ),
                migrations.RemoveField(
                    model_name='persongrant',
                    name='content_object',
                ),
                migrations.RemoveField(
                    model_name='persongrant',
                    name='granted_by',
                ),
                migrations.RemoveField(
                    model_name='persongrant',
                    name='permission',
                ),
                migrations.RemoveField(
                    model_name='persongrant',
                    name='user',
                ),
                migrations.AlterUniqueTogether(
                    name='personshare',
                    unique_together=None,
                ),
                migrations.RemoveField(
                    model_name='personshare',
                    name='consent',
                ),
                migrations.RemoveField(
                    model_name='personshare',
                    name='content_object',
                ),
                migrations.RemoveField(
                    model_name='personshare',
                    name='granted_by',
                ),
                migrations.RemoveField(
                    model_name='personshare',
                    name='group',
                ),
                migrations.RemoveField(
                    model_name='personshare',
                    name='organisation',
                ),
                migrations.RemoveField(
                    model_name='personshare',
                    name='permission',
                ),
                migrations.DeleteModel(
                    name='BreakGlassReview',
                ),
                migrations.DeleteModel(
                    name='PersonGrant',
                ),
                migrations.DeleteModel(
                    name='PersonShare',
                ),
            ],
            database_operations=[],
        ),
    ]
