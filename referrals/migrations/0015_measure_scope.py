# What the national measures read of each referral, kept on the referral by the services
# (referrals.services.measure_scope; docs/measures.md "Performance"), filled here from the
# records, set-based; and each referral's milestones again, now that they count the SNOMED CT
# members a trust loaded as well as the shipped ones.

from django.db import migrations, models


def fill(apps, schema_editor):
    # The services' own statements: the rows are what they would write.
    from referrals.services.measure_scope import referral_measure_scope_rebuild
    from referrals.services.milestones import referral_milestones_rebuild

    referral_measure_scope_rebuild(last_handoff=False)  # not yet a column: 0031 adds and fills it
    referral_milestones_rebuild()


class Migration(migrations.Migration):

    dependencies = [
        ('codes', '0001_initial'),  # the loaded reference set members the milestones read
        ('referrals', '0014_person_disability_care_plan_agreement'),
    ]

    operations = [
        migrations.AddField(
            model_name='referral',
            name='received_on',
            field=models.DateField(editable=False, help_text='The UK date of received_at.', null=True),
        ),
        migrations.AddField(
            model_name='referral',
            name='adult_when_received',
            field=models.BooleanField(editable=False, help_text='18 or over on received_on; empty while the date of birth is unknown.', null=True),
        ),
        migrations.AddField(
            model_name='referral',
            name='person_has_other_referrals',
            field=models.BooleanField(default=False, editable=False, help_text="The person has another referral: it may join this one's spell."),
        ),
        migrations.AddField(
            model_name='referral',
            name='community_since',
            field=models.DateTimeField(editable=False, help_text='When it was first with a core community team (MHSDS team type).', null=True),
        ),
        migrations.AddField(
            model_name='referral',
            name='community_left_at',
            field=models.DateTimeField(editable=False, help_text='When it last left a core community team for a team of another type.', null=True),
        ),
        migrations.AddField(
            model_name='referral',
            name='own_spell_stop_at',
            field=models.DateTimeField(editable=False, help_text='The referral-spell clock stop of a spell of this referral alone (its milestones).', null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name='referral',
            name='referral_person_spell_idx',
        ),
        migrations.AddIndex(
            model_name='referral',
            index=models.Index(fields=['person', 'received_at'], include=('id', 'ended_at', 'team', 'received_on', 'adult_when_received', 'person_has_other_referrals', 'community_since', 'community_left_at', 'own_spell_stop_at'), name='referral_person_spell_idx'),
        ),
        migrations.AddIndex(
            model_name='referral',
            index=models.Index(condition=models.Q(('community_since__isnull', False)), fields=['ended_at'], include=('id', 'person', 'team', 'received_at', 'received_on', 'adult_when_received', 'person_has_other_referrals', 'community_since', 'community_left_at', 'own_spell_stop_at'), name='referral_community_idx'),
        ),
    ]
