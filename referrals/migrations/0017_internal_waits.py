# Placeholder: internal waits and the EIP and urgent care hub clocks (issue 14, items 4-5)

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0016_self_referral"),
    ]

    operations = []
