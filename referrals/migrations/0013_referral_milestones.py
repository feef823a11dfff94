# Each referral's earliest event of each component of the referral-spell clock stop, kept as
# the events are recorded (referrals.models.milestones; docs/measures.md "Performance"), and
# filled here from the records, set-based.

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    # The service's own statement: the rows are what referral_milestones_refresh would write.
    from referrals.services.milestones import referral_milestones_rebuild

    referral_milestones_rebuild(own_spell_stops=False)  # own_spell_stop_at comes in 0015


class Migration(migrations.Migration):

    dependencies = [
        ('codes', '0001_initial'),  # the loaded reference set members the rebuild reads
        ('referrals', '0012_measure_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReferralMilestones',
            fields=[
                ('referral', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='milestones', serialize=False, to='referrals.referral')),
                ('first_counting_contact_at', models.DateTimeField(blank=True, null=True)),
                ('first_coded_outcome_at', models.DateTimeField(blank=True, null=True)),
                ('first_coded_assessment_at', models.DateTimeField(blank=True, null=True)),
                ('first_care_plan_at', models.DateTimeField(blank=True, null=True)),
                ('first_coded_intervention_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'verbose_name_plural': 'referral milestones',
                'indexes': [models.Index(fields=['referral'], include=('first_counting_contact_at', 'first_coded_outcome_at', 'first_coded_assessment_at', 'first_care_plan_at', 'first_coded_intervention_at'), name='milestones_covering_idx')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
