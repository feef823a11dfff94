# Placeholder: group contacts (issue 14, item 3)

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0017_internal_waits"),
    ]

    operations = []
