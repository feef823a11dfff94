# Placeholder: scored person matching and merges (issue 15, item 3)

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0018_group_contacts"),
    ]

    operations = []
