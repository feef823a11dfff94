"""Migration referrals.0031: each referral keeps when it was last handed on, filled from its
hand-offs (the community measures set aside the referrals moved since a period by it). Run on
real PostgreSQL, from 0030 to 0031."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.referrals.test_migration_0010_mhsds_coding import back_to_the_latest, migrate  # noqa: F401

BEFORE = ("referrals", "0030_referral_others_idx")
AFTER = ("referrals", "0031_last_handoff")
T0 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_a_referral_handed_on_twice_keeps_the_later_and_one_never_handed_on_keeps_none():
    old = migrate(BEFORE)
    User = old.get_model("accounts", "User")
    Organisation = old.get_model("localities", "Organisation")
    Team = old.get_model("localities", "Team")
    Person = old.get_model("referrals", "Person")
    Referral = old.get_model("referrals", "Referral")
    Handoff = old.get_model("referrals", "Handoff")
    trust = Organisation.objects.create(name="Synthetic Trust", kind="nhs_trust")
    staff = User.objects.create(username="mig", organisation=trust)
    north, crisis = (Team.objects.create(name=name, kind="crisis", organisation=trust) for name in ("North", "Crisis"))
    person = Person.objects.create(given_name="Jo", family_name="Smith", created_at=T0)

    def referral():
        return Referral.objects.create(
            person=person,
            team=north,
            source="gp",
            received_at=T0,
            urgency="routine",
            presenting_need="Low mood",
            status="received",
            status_changed_at=T0,
            created_at=T0,
            created_by=staff,
        )

    moved, stayed = referral(), referral()
    for days, from_team, to_team in ((2, north, crisis), (9, crisis, north)):
        Handoff.objects.create(
            referral=moved, from_team=from_team, to_team=to_team, note="On.", at=T0 + timedelta(days=days), by=staff
        )

    new = migrate(AFTER)

    rows = new.get_model("referrals", "Referral").objects.in_bulk([moved.pk, stayed.pk])
    assert rows[moved.pk].last_handoff_at == T0 + timedelta(days=9)
    assert rows[stayed.pk].last_handoff_at is None
