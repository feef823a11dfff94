"""What each role's pages offer, and the places identifiable data could leak from."""

import csv
import io

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role
from referrals.models import Alert, Notification, Referral
from tests.factories import UserFactory, make_referral
from tests.referrals.web.test_intake import new_person, referral_data

pytestmark = pytest.mark.django_db


def test_a_referral_routed_to_another_locality_gives_the_referrer_a_receipt_not_the_record(
    client, charlie, north_practice, north_team
):
    client.force_login(charlie)  # a South clinician taking a call about someone registered in North
    response = client.post(
        reverse("referrals:intake"), referral_data(**new_person(), practice_ods=north_practice.ods_code)
    )
    assert response.status_code == 200
    body = response.content.decode()
    referral = Referral.objects.get()
    assert "Referral recorded" in body and referral.reference in body and "North IPCT" in body
    assert client.get(reverse("referrals:person", args=[referral.person_id])).status_code == 404


def test_the_intake_search_is_recorded_with_the_people_it_found(client, alice, held_by_bob):
    client.force_login(alice)
    client.post(reverse("referrals:intake"), {"action": "search", "nhs_number": "9434765919"})
    event = AuditEvent.objects.get(action="record.search")
    assert (event.actor, event.person_id) == (alice, held_by_bob.person_id)


def test_a_service_managers_escalation_names_the_referral_not_the_person(client, sam, held_by_bob):
    clock = held_by_bob.clocks.first()
    now = timezone.now()
    alert = Alert.objects.create(
        clock=clock,
        referral=held_by_bob,
        clock_kind=clock.kind,
        level="escalation",
        tier=2,
        threshold_at=now,
        created_at=now,
    )
    Notification.objects.create(alert=alert, recipient=sam, created_at=now)
    client.force_login(sam)
    body = client.get(reverse("referrals:alerts")).content.decode()
    assert held_by_bob.reference in body
    assert held_by_bob.person.family_name not in body
    assert f"/people/{held_by_bob.person_id}/" not in body


@pytest.mark.parametrize(
    ("who", "present", "absent"),
    [
        ("alice", ["/triage/", "/caseload/", "/team/", "/break-glass/"], ["/audit/", "/admin/"]),
        ("bob", ["/caseload/", "/team/"], ["/triage/", "/break-glass/", "/audit/"]),
        ("sam", ["/dashboard/"], ["/triage/", "/caseload/", "/team/", "/break-glass/", "/audit/"]),
        ("ig", ["/audit/", "/audit/break-glass/"], ["/triage/", "/caseload/", "/break-glass/"]),
        ("intake", ["/referrals/new/", "/triage/"], ["/admin/", "/caseload/", "/team/", "/break-glass/", "/audit/"]),
    ],
)
def test_home_offers_each_role_its_own_pages(client, request, who, present, absent):
    client.force_login(request.getfixturevalue(who))
    body = client.get(reverse("referrals:home")).content.decode()
    for path in present:
        assert f'href="{path}"' in body, path
    for path in absent:
        assert f'href="{path}"' not in body, path


def test_a_service_manager_who_also_works_clinically_gets_a_clinicians_pages_and_records(
    client, trust, north_team, held_by_bob
):
    manager = UserFactory(
        username="mo", role=Role.SERVICE_MANAGER, organisation=trust, teams=[north_team], also_clinician=True
    )
    client.force_login(manager)
    assert 'href="/triage/"' in client.get(reverse("referrals:home")).content.decode()
    assert client.get(reverse("referrals:person", args=[held_by_bob.person_id])).status_code == 200


def test_the_admin_holds_reference_data_and_no_clinical_records():
    registered = {model._meta.label for model in admin.site._registry}
    assert {"localities.Organisation", "localities.Team", "referrals.ClockPolicy", "accounts.User"} <= registered
    clinical = {
        "referrals.Person",
        "referrals.Referral",
        "referrals.Contact",
        "referrals.Alert",
        "referrals.Allocation",
    }
    assert not registered & clinical
    assert "accounts.AuditEvent" not in registered


def rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))  # every download starts with a BOM


def test_my_caseload_download_lists_exactly_my_people_and_is_recorded(client, bob, held_by_bob):
    client.force_login(bob)
    response = client.get(reverse("caseload:mine_csv"))
    assert response["Content-Type"].startswith("text/csv")
    header, *body = rows(response)
    assert header[0] == "Reference" and len(body) == 1
    assert body[0][0] == held_by_bob.reference and body[0][3] == "9434765919"
    event = AuditEvent.objects.get(action="record.export")
    assert (event.actor, event.person_id) == (bob, held_by_bob.person_id)


def test_the_team_download_follows_the_same_rules_as_the_page(client, alice, bob, charlie, held_by_bob, north_team):
    waiting = make_referral(by=alice, practice=held_by_bob.person.gp_practice, given_name="Wren")
    client.force_login(alice)
    everyone = rows(client.get(reverse("caseload:team_csv"), {"team": north_team.pk}))[1:]
    assert {r[0] for r in everyone} == {held_by_bob.reference, waiting.reference}
    client.force_login(charlie)  # another team's clinician: 404, as for the page
    assert client.get(reverse("caseload:team_csv"), {"team": north_team.pk}).status_code == 404
    # bob is in the team but sees only the people he holds, on the page and in the download
    client.force_login(bob)
    mine = rows(client.get(reverse("caseload:team_csv"), {"team": north_team.pk}))[1:]
    assert [r[0] for r in mine] == [held_by_bob.reference]
