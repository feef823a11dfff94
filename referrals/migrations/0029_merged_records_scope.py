"""Referrals of records merged before merges kept what the measures read (the ages of the
person's referrals, and whether each has another of the same person): worked out again for
every record a merge, or its undoing, touched. Self-contained: a migration must not import code
that may change (referrals.services.measure_scope holds the same rules)."""

from datetime import date
from zoneinfo import ZoneInfo

from django.db import migrations

LONDON = ZoneInfo("Europe/London")


def _adult(birth_date: date | None, day: date) -> bool | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day)) >= 18


def refresh_merged(apps, schema_editor):
    PersonMerge = apps.get_model("referrals", "PersonMerge")
    Person = apps.get_model("referrals", "Person")
    Referral = apps.get_model("referrals", "Referral")
    touched = set()
    for kept_id, duplicate_id in PersonMerge.objects.values_list("kept_id", "duplicate_id"):
        touched.update((kept_id, duplicate_id))
    for person in Person.objects.filter(pk__in=touched).only("pk", "birth_date"):
        referrals = list(Referral.objects.filter(person_id=person.pk).only("pk", "received_at", "received_on"))
        several = len(referrals) > 1
        for referral in referrals:
            received_on = referral.received_on or referral.received_at.astimezone(LONDON).date()
            Referral.objects.filter(pk=referral.pk).update(
                adult_when_received=_adult(person.birth_date, received_on), person_has_other_referrals=several
            )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0028_referral_second_contact_idx")]

    operations = [migrations.RunPython(refresh_merged, migrations.RunPython.noop)]
