# Disability codes (MHS007) and who agreed a care plan (MHS009), docs/adr/0010; and the index the
# FHIR Task search by owner pages through (a team's clocks, soonest deadline first: ADR 11).

import django.db.models.deletion
from django.db import migrations, models

DISABILITY_CODES = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "XX", "NN", "ZZ"]


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0013_referral_milestones'),
    ]

    operations = [
        migrations.AddField(
            model_name='careplan',
            name='agreed_by',
            field=models.CharField(
                blank=True,
                choices=[
                    ('10', '10 Patient'),
                    ('11', '11 Patient and carer'),
                    ('12', '12 Carer'),
                    ('13', '13 Patient, carer and care professional'),
                    ('14', '14 Patient and care professional'),
                    ('15', '15 Carer and care professional'),
                    ('16', '16 Care professional'),
                    ('98', '98 Not applicable'),
                ],
                default='',
                max_length=2,
                verbose_name='content agreed by',
            ),
        ),
        migrations.CreateModel(
            name='PersonDisability',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                (
                    'code',
                    models.CharField(
                        choices=[
                            ('01', '01 Behaviour and emotional'),
                            ('02', '02 Hearing'),
                            ('03', '03 Manual dexterity'),
                            ('04', '04 Memory or ability to concentrate, learn or understand (learning disability)'),
                            ('05', '05 Mobility and gross motor'),
                            ('06', '06 Perception of physical danger'),
                            ('07', '07 Personal, self care and continence'),
                            (
                                '08',
                                '08 Progressive conditions and physical health (such as HIV, cancer, multiple sclerosis, fits)',
                            ),
                            ('09', '09 Sight'),
                            ('10', '10 Speech'),
                            ('XX', 'XX Other (not listed)'),
                            ('NN', 'NN No disability'),
                            ('ZZ', 'ZZ Not stated (asked but declined to answer)'),
                        ],
                        max_length=2,
                    ),
                ),
                (
                    'person',
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name='disabilities', to='referrals.person'
                    ),
                ),
            ],
            options={
                'ordering': ['person', 'code'],
                'constraints': [
                    models.UniqueConstraint(fields=('person', 'code'), name='one_row_per_person_disability'),
                    models.CheckConstraint(
                        condition=models.Q(('code__in', DISABILITY_CODES)), name='disability_code_known'
                    ),
                ],
            },
        ),
        migrations.AddIndex(
            model_name='clock',
            index=models.Index(fields=['due_at', 'id'], name='clock_due_at_idx'),
        ),
    ]
