# Each referral keeps its second counting contact (the community wait to a second contact reads
# it from referral_community_idx; docs/measures.md "Performance"), filled here from the contacts.

from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    # The service's own statement (set-based on PostgreSQL): the values are what it keeps.
    from referrals.services.milestones import referral_second_contacts_rebuild

    referral_second_contacts_rebuild()


class Migration(migrations.Migration):

    dependencies = [
        ('localities', '0003_team_mhsds_type'),
        ('referrals', '0026_received_idx'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='referral',
            name='referral_community_idx',
        ),
        migrations.AddField(
            model_name='referral',
            name='second_counting_contact_at',
            field=models.DateTimeField(editable=False, help_text='Its second attended direct contact, by date, time and id (the community wait to a second contact).', null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='referral',
            index=models.Index(condition=models.Q(('community_since__isnull', False)), fields=['ended_at'], include=('id', 'person', 'team', 'received_at', 'received_on', 'adult_when_received', 'person_has_other_referrals', 'community_since', 'community_left_at', 'own_spell_stop_at', 'second_counting_contact_at'), name='referral_community_idx'),
        ),
    ]
