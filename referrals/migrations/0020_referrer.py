# Placeholder: who referred, and keeping them informed (issue 15, item 2)

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0019_person_matching"),
    ]

    operations = []
