"""Taking a referral is never a way into a record (issue 10, items 1 to 3; docs/adr/0006).

The relation the permission matrix lacked: "took a referral for someone outside my access".
A person held by South (their assessment written there) moves to a North GP; a North clinician
who finds them by NHS number and takes a referral, routed to their own team, gets a receipt:
their colleagues see the new referral in their queue, the taker does not open the record.
"""

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from access.selectors import people_visible_to, referral_receipt, referrals_visible_to
from accounts.models import AuditEvent, Role
from accounts.throttles import ApiThrottle, PersonSearchThrottle
from referrals.models import Person, Referral
from referrals.services.trusted_assessment import trusted_assessment_write
from referrals.web.intake.views import pick_token
from tests.factories import UserFactory, make_referral, valid_nhs_number

pytestmark = pytest.mark.django_db
URL = "/referrals/new/"
API = "/api/v1/referrals/"
SECRET = "Sleeps in the car since the eviction."


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The rate limits count in Redis; each test starts from nothing."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def held_in_south(intake, south_practice, south_team, north_practice, charlie):
    """Someone South holds, with South's assessment, who has since moved to a North GP."""
    earlier = make_referral(by=intake, practice=south_practice, given_name="Kit", family_name="Hillcrest")
    person = earlier.person
    trusted_assessment_write(person=person, by=charlie, now=timezone.now(), presenting_needs=SECRET)
    person.gp_practice = north_practice
    person.save(update_fields=["gp_practice"])
    return earlier


def referral_form(**extra):
    now = timezone.localtime() - timezone.timedelta(minutes=5)
    return {
        "action": "create",
        "source": "gp",
        "urgency": "routine",
        "presenting_need": "Low mood for three months.",
        "received_date_day": now.day,
        "received_date_month": now.month,
        "received_date_year": now.year,
        "received_time": now.strftime("%H:%M"),
    } | extra


def make_user(role, trust, teams=(), **extra):
    return UserFactory(role=role, organisation=trust, teams=list(teams), **extra)


# --- item 1: taking a referral never widens the taker's access -------------------------------


def test_a_clinician_who_takes_a_routed_referral_for_someone_held_elsewhere_gets_a_receipt_not_the_record(
    client, alice, tina, held_in_south, north_team
):
    person = held_in_south.person
    client.force_login(alice)

    response = client.post(URL, referral_form(person=pick_token(person)))

    new = person.referrals.exclude(pk=held_in_south.pk).get()
    assert new.team == north_team  # routed to alice's own team by the person's new GP
    assert response.status_code == 200 and "Referral recorded" in response.content.decode()
    for page in (f"/people/{person.pk}/", f"/people/{person.pk}/assessment/", f"/referrals/{new.pk}/triage/"):
        assert client.get(page).status_code == 404, page
    assert not people_visible_to(alice).filter(pk=person.pk).exists()
    assert new.reference not in client.get("/triage/").content.decode()
    assert AuditEvent.objects.filter(action="referral.taken_outside_access", actor=alice, object_id=str(new.pk))
    # The receiving team sees it in its queue as usual; South's earlier referral stays South's.
    assert set(referrals_visible_to(tina).filter(person=person)) == {new}


def test_a_clinician_cannot_send_a_referral_to_their_own_team_to_reach_a_record(
    client, charlie, held_in_south, north_team, south_team
):
    """The attack as reproduced: override_team set to the taker's own team, any reason."""
    person = held_in_south.person
    # South's referral ends, so nothing but the new referral could let charlie in.
    Referral.objects.filter(pk=held_in_south.pk).update(team=north_team, locality=north_team.locality)
    client.force_login(charlie)

    client.post(URL, referral_form(person=pick_token(person), override_team=south_team.pk, override_reason="Because."))

    new = person.referrals.exclude(pk=held_in_south.pk).get()
    assert new.team == north_team  # the posted override is not for clinicians: the routed team
    assert client.get(f"/people/{person.pk}/").status_code == 404
    assert client.get(f"/people/{person.pk}/assessment/").status_code == 404


def test_the_referral_form_offers_routing_elsewhere_to_intake_only(client, alice, intake, north_practice):
    alice_form = client.post(URL, {"action": "new"})
    assert alice_form.status_code == 302  # not signed in yet
    client.force_login(alice)
    assert "override_team" not in client.post(URL, {"action": "new"}).content.decode()
    client.force_login(intake)
    assert "override_team" in client.post(URL, {"action": "new"}).content.decode()


def test_a_referral_taken_through_the_api_for_someone_held_elsewhere_is_not_a_way_in(alice, held_in_south):
    api = APIClient()
    api.force_authenticate(alice)
    person = held_in_south.person
    body = {
        "person": {
            "nhs_number": person.nhs_number,
            "given_name": "Made",
            "family_name": "Up",
            "birth_date": person.birth_date.isoformat() if person.birth_date else None,
            "postcode": "BS1 4XX",
            "gp_practice": "L81001",
        },
        "source": "gp",
        "urgency": "routine",
        "presenting_need": "Low mood.",
    }

    created = api.post(API, body, format="json")

    assert created.status_code == 201, created.data
    assert api.get(f"{API}{created.json()['id']}/").status_code == 404
    assert not people_visible_to(alice).filter(pk=person.pk).exists()


# --- the intake role ---------------------------------------------------------------------------


def test_intake_sees_its_localities_queue_but_never_assessments(client, trust, north_team, north_practice, alice):
    handler = make_user(Role.INTAKE, trust, [north_team])
    queued = make_referral(by=alice, practice=north_practice, given_name="Ro")
    trusted_assessment_write(person=queued.person, by=alice, now=timezone.now(), presenting_needs=SECRET)
    client.force_login(handler)

    assert queued in referrals_visible_to(handler)
    assert queued.reference in client.get("/triage/").content.decode()
    assessment = client.get(f"/people/{queued.person_id}/assessment/")
    assert SECRET not in assessment.content.decode()


# --- item 3: who searches, every search audited, rate limited -----------------------------------


@pytest.mark.parametrize(
    ("role", "extra", "allowed"),
    [
        (Role.INTAKE, {}, True),
        (Role.CLINICIAN, {}, True),
        (Role.TEAM_MANAGER, {}, True),
        (Role.SERVICE_MANAGER, {"also_clinician": True}, True),
        (Role.LINK_WORKER, {}, False),
        (Role.SERVICE_MANAGER, {}, False),
        (Role.IG_LEAD, {}, False),
        (Role.ADMINISTRATOR, {}, False),
    ],
)
def test_only_intake_and_clinical_staff_search_for_people(client, trust, north_team, role, extra, allowed):
    client.force_login(make_user(role, trust, [north_team], **extra))

    search = client.post(URL, {"action": "search", "nhs_number": valid_nhs_number()})
    form = client.get(URL)

    assert search.status_code == (200 if allowed else 403)
    assert form.status_code == (200 if allowed else 403)


def test_a_search_that_finds_nobody_is_audited_with_what_was_looked_for(client, alice):
    number = valid_nhs_number()
    client.force_login(alice)

    client.post(URL, {"action": "search", "nhs_number": number})

    event = AuditEvent.objects.get(action="record.search")
    assert event.actor == alice and event.person_id is None
    assert event.detail["criteria"] == {"nhs_number": number} and event.detail["matches"] == 0


def test_opening_the_referral_form_for_a_person_is_an_audited_read(client, alice, held_in_south):
    client.force_login(alice)

    client.get(URL, {"person": pick_token(held_in_south.person)})

    assert AuditEvent.objects.filter(action="record.view", actor=alice, person_id=held_in_south.person_id).exists()


def test_the_person_search_is_rate_limited_per_user_with_retry_after(client, alice, tina, monkeypatch):
    monkeypatch.setattr(PersonSearchThrottle, "rate", "2/hour", raising=False)
    client.force_login(alice)
    search = {"action": "search", "family_name": "Smith", "birth_date_day": "1", "birth_date_month": "2"}
    search["birth_date_year"] = "1980"

    answers = [client.post(URL, search) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert 0 < int(answers[2]["Retry-After"]) <= 3600
    assert AuditEvent.objects.filter(action="record.search").count() == 2
    client.force_login(tina)  # per user: a colleague is not held back
    assert client.post(URL, search).status_code == 200


def test_the_api_is_rate_limited_per_user_with_retry_after(alice, monkeypatch):
    monkeypatch.setattr(ApiThrottle, "rate", "2/minute", raising=False)
    api = APIClient()
    api.force_authenticate(alice)

    answers = [api.get(API) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2]["Retry-After"]) > 0


# --- item 2: the API receipt, for every role ---------------------------------------------------

RECEIPT_FIELDS = {
    "id",
    "reference",
    "status",
    "source",
    "source_of_referral",
    "urgency",
    "received_at",
    "locality",
    "team",
    "clocks",
    "created_at",
}


@pytest.mark.parametrize(
    ("role", "extra", "takes"),
    [
        (Role.INTAKE, {}, True),
        (Role.CLINICIAN, {}, True),
        (Role.TEAM_MANAGER, {}, True),
        (Role.SERVICE_MANAGER, {"also_clinician": True}, True),
        (Role.LINK_WORKER, {}, False),
        (Role.SERVICE_MANAGER, {}, False),
        (Role.IG_LEAD, {}, False),
        (Role.ADMINISTRATOR, {}, False),
    ],
)
def test_the_api_receipt_never_echoes_a_stored_identity_for_any_role(
    trust, vcse, north_team, held_in_south, role, extra, takes
):
    person = held_in_south.person
    user = make_user(role, vcse if role == Role.LINK_WORKER else trust, [north_team], **extra)
    api = APIClient()
    api.force_authenticate(user)
    body = {
        "person": {
            "nhs_number": person.nhs_number,
            "given_name": "Made",
            "family_name": "Up",
            "birth_date": person.birth_date.isoformat() if person.birth_date else None,
            "postcode": "BS1 4XX",
        },
        "source": "gp",
        "urgency": "routine",
        "presenting_need": "Low mood.",
    }
    before = Referral.objects.count()

    response = api.post(API, body, format="json")

    text = response.content.decode()
    for stored in (person.given_name, person.family_name, person.postcode, "L81001"):
        assert stored not in text
    if takes:
        assert response.status_code == 201, response.data
        assert set(response.json()) == RECEIPT_FIELDS
    else:
        assert response.status_code == 403
        assert Referral.objects.count() == before and Person.objects.count() == 1


def test_a_new_referrals_receipt_uses_the_clocks_as_written_and_reads_them_when_not_in_hand(
    intake, north_practice, django_assert_num_queries
):
    made = make_referral(by=intake, practice=north_practice)
    with django_assert_num_queries(0):  # clocks_start left them on the referral (issue 17)
        in_hand = [(c.pk, c.kind) for c in referral_receipt(intake, made, created=True).clocks.all()]

    fresh = Referral.objects.get(pk=made.pk)
    with django_assert_num_queries(1):
        read = [(c.pk, c.kind) for c in referral_receipt(intake, fresh, created=True).clocks.all()]

    assert in_hand == read and [kind for _, kind in read] == ["first_response", "treatment"]
