# Placeholder: staff absence and cover (issue 15, item 4)

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_enrolment_code_api_token"),
    ]

    operations = []
