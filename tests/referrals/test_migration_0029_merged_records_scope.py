"""Migration referrals.0029: referrals of records merged before merges kept what the measures read
get their ages and ``person_has_other_referrals`` worked out again. Run on real PostgreSQL, from
0028 to 0029."""

from datetime import UTC, date, datetime

import pytest

from tests.referrals.test_migration_0010_mhsds_coding import back_to_the_latest, migrate  # noqa: F401

BEFORE = ("referrals", "0028_referral_second_contact_idx")
AFTER = ("referrals", "0029_merged_records_scope")
T0 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_a_record_merged_before_the_fix_has_its_referrals_joined_and_aged_and_others_are_left_alone():
    old = migrate(BEFORE)
    User = old.get_model("accounts", "User")
    Organisation = old.get_model("localities", "Organisation")
    Person = old.get_model("referrals", "Person")
    Referral = old.get_model("referrals", "Referral")
    PersonMerge = old.get_model("referrals", "PersonMerge")
    trust = Organisation.objects.create(name="Synthetic Trust", kind="nhs_trust")
    staff = User.objects.create(username="mig", organisation=trust)
    kept = Person.objects.create(given_name="Jo", family_name="Smith", birth_date=date(1980, 5, 1), created_at=T0)
    duplicate = Person.objects.create(given_name="Jo", family_name="Smyth", created_at=T0)
    bystander = Person.objects.create(given_name="Al", family_name="Other", created_at=T0)

    def referral(person, *, adult, others):
        return Referral.objects.create(
            person=person,
            source="gp",
            received_at=T0,
            received_on=date(2026, 1, 12),
            adult_when_received=adult,
            person_has_other_referrals=others,
            urgency="routine",
            presenting_need="Low mood",
            status="received",
            status_changed_at=T0,
            created_at=T0,
            created_by=staff,
        )

    # As a merge left them: the duplicate's referral moved onto the kept record, flags untouched.
    own, moved = referral(kept, adult=True, others=False), referral(kept, adult=None, others=False)
    untouched = referral(bystander, adult=None, others=False)
    PersonMerge.objects.create(kept=kept, duplicate=duplicate, by=staff, at=T0, reason="Same woman.", moved={})

    new = migrate(AFTER)

    rows = new.get_model("referrals", "Referral").objects.in_bulk([own.pk, moved.pk, untouched.pk])
    assert (rows[own.pk].adult_when_received, rows[own.pk].person_has_other_referrals) == (True, True)
    assert (rows[moved.pk].adult_when_received, rows[moved.pk].person_has_other_referrals) == (True, True)
    assert (rows[untouched.pk].adult_when_received, rows[untouched.pk].person_has_other_referrals) == (None, False)
