# Online self-referral from the public (issue 15, item 1): what the person told us about reaching
# them safely, one row per self-referral (docs/adr/0012-public-self-referral.md).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0015_measure_scope'),
    ]

    operations = [
        migrations.CreateModel(
            name='SelfReferral',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('in_immediate_danger', models.BooleanField(help_text='They said they were in danger now (they were shown 999).')),
                ('contact_by_phone', models.BooleanField(default=False)),
                ('contact_by_email', models.BooleanField(default=False)),
                ('contact_by_post', models.BooleanField(default=False)),
                ('phone', models.CharField(blank=True, max_length=32)),
                ('email', models.EmailField(blank=True, max_length=254)),
                ('address', models.TextField(blank=True, help_text="For letters; the postcode is the person's.", max_length=300)),
                ('safe_to_leave_message', models.BooleanField(default=False)),
                ('contact_times', models.CharField(blank=True, help_text='When it is safe to contact them.', max_length=200)),
                ('others_involved', models.TextField(blank=True, help_text='Who else is involved, in their words.', max_length=1000)),
                ('referral', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='self_referral', to='referrals.referral')),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(('contact_by_phone', True), ('contact_by_email', True), ('contact_by_post', True), _connector='OR'), name='self_referral_has_a_contact_method'), models.CheckConstraint(condition=models.Q(('contact_by_phone', True), ('phone', ''), _negated=True), name='self_referral_phone_has_number'), models.CheckConstraint(condition=models.Q(('contact_by_email', True), ('email', ''), _negated=True), name='self_referral_email_has_address'), models.CheckConstraint(condition=models.Q(('address', ''), ('contact_by_post', True), _negated=True), name='self_referral_post_has_address')],
            },
        ),
    ]
