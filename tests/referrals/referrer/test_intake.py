"""Taking a referral records who referred: practice ODS code and mailbox, VCSE organisation,
police reference (the intake page)."""

import pytest

from accounts.models import AuditEvent
from referrals.models import Referral
from tests.factories import valid_nhs_number
from tests.referrals.web.conftest import login
from tests.referrals.web.test_intake import URL, new_person, referral_data

pytestmark = pytest.mark.django_db


def test_the_intake_page_records_who_referred(client, alice, north_practice):
    data = referral_data(
        **new_person(nhs_number=valid_nhs_number(), practice_ods="L81001"),
        source="police",
        referrer_email="control.room@police.invalid",
        referrer_organisation="Avon and Somerset Police (synthetic)",
        referrer_police_reference="PR-2026-0042",
        idempotency_key="rc1",
    )

    response = login(client, alice).post(URL, data)

    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.referrer_email == "control.room@police.invalid"
    assert referral.referrer_organisation == "Avon and Somerset Police (synthetic)"
    assert referral.referrer_police_reference == "PR-2026-0042"
    assert AuditEvent.objects.filter(action="referral.referrer", object_id=str(referral.pk)).exists()


def test_a_bad_mailbox_is_shown_on_the_form_and_nothing_is_written(client, alice, north_practice):
    data = referral_data(**new_person(nhs_number=valid_nhs_number(), practice_ods="L81001"), referrer_email="nope")

    response = login(client, alice).post(URL, data)

    assert response.status_code == 200
    assert "Enter a mailbox like name@nhs.net" in response.content.decode()
    assert not Referral.objects.exists()


def test_the_page_asks_who_referred(client, alice):
    page = login(client, alice).post(URL, {"action": "new", "family_name": "Harbour"}).content.decode()

    assert "Who referred" in page and 'name="referrer_email"' in page
