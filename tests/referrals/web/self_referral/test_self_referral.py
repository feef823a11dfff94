"""The public self-referral form's rules: what it makes, what it shows, and what it refuses."""

from datetime import UTC, date, datetime, timedelta

import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from referrals.models import Clock, Person, Referral, SelfReferral
from referrals.services.self_referral import SELF_REFERRAL_USERNAME
from tests.factories import make_referral
from tests.referrals.web.conftest import login

from .conftest import ANSWERS, answer_all, send, step_url

NOW = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)


def test_a_sent_self_referral_lands_in_the_locality_triage_queue_with_both_clocks_and_source_self(client, bs5, alice):
    with time_machine.travel(NOW, tick=False):
        answer_all(client)
        response = send(client)
    assert response.status_code == 302
    assert response.url == reverse("referrals:self_referral_done")

    referral = Referral.objects.get()
    assert referral.source == Referral.Source.SELF
    assert referral.urgency == Referral.Urgency.ROUTINE
    assert referral.received_at == NOW
    assert referral.locality == bs5.locality
    assert referral.team.name == "North IPCT"
    assert referral.status == Referral.Status.RECEIVED
    assert referral.presenting_need == "Low mood and poor sleep for three months."
    clocks = {clock.kind: clock for clock in Clock.objects.filter(referral=referral)}
    assert clocks[Clock.Kind.FIRST_RESPONSE].due_at == NOW + timedelta(hours=24)
    assert clocks[Clock.Kind.TREATMENT].due_at == NOW + timedelta(days=28)

    details = SelfReferral.objects.get(referral=referral)
    assert (details.contact_by_phone, details.contact_by_email, details.contact_by_post) == (True, True, False)
    assert details.phone == "07700 900982" and details.email == "jo@example.com"
    assert details.safe_to_leave_message is False
    assert details.contact_times == "weekday evenings; Not Tuesdays"
    assert details.others_involved == "My sister knows."

    queue = login(client, alice).get(reverse("referrals:triage"))
    assert referral.reference in queue.content.decode()


def test_the_public_form_acts_as_a_named_account_that_cannot_sign_in_and_is_audited_with_the_address(client, bs5):
    answer_all(client)
    send(client)

    referral = Referral.objects.get()
    actor = referral.created_by
    assert actor.username == SELF_REFERRAL_USERNAME
    assert not actor.is_active and not actor.has_usable_password()
    assert actor.teams.count() == 0
    created = AuditEvent.objects.get(action="referral.create", object_id=str(referral.pk))
    assert created.actor == actor
    public = AuditEvent.objects.get(action="referral.self_referral")
    assert public.actor == actor
    assert public.person_id == referral.person_id
    assert public.source_ip == "203.0.113.7"


def test_a_self_referral_never_matches_someone_already_known_in_public(client, bs5, intake, north_practice):
    known = make_referral(by=intake, practice=north_practice, given_name="Jo", family_name="Weston").person
    known.birth_date = date(1990, 3, 15)
    known.save(update_fields=["birth_date"])

    answer_all(client)
    send(client)

    made = Referral.objects.get(source=Referral.Source.SELF)
    assert made.person_id != known.pk
    assert made.person.nhs_number is None
    assert Person.objects.filter(family_name="Weston").count() == 2


def test_saying_yes_to_danger_shows_crisis_help_and_the_referral_goes_on_marked_urgent(client, bs5):
    response = client.post(step_url("danger"), {"in_immediate_danger": "yes"})
    assert response.url == reverse("referrals:self_referral_help_now")
    page = client.get(response.url).content.decode()
    assert 'href="tel:999"' in page
    assert "NHS 111" in page and "option 2" in page and "24/7 mental health line" in page
    assert "Continue with my referral" in page

    answer_all(client, danger={"in_immediate_danger": "yes"})
    check = client.get(reverse("referrals:self_referral_check")).content.decode()
    assert 'href="tel:999"' in check  # still shown where they send it
    send(client)

    referral = Referral.objects.get()
    assert referral.urgency == Referral.Urgency.URGENT
    assert referral.self_referral.in_immediate_danger is True


def test_the_start_page_says_where_help_is_before_anyone_answers(client, db):
    page = client.get(reverse("referrals:self_referral_start")).content.decode()
    assert 'href="tel:999"' in page and "option 2" in page


def test_the_confirmation_shows_the_reference_once_then_goes_back_to_the_start(client, bs5):
    answer_all(client)
    send(client)
    reference = Referral.objects.get().reference

    first = client.get(reverse("referrals:self_referral_done"))
    assert first.status_code == 200
    assert reference in first.content.decode()
    assert "no-store" in first["Cache-Control"]

    again = client.get(reverse("referrals:self_referral_done"))
    assert again.status_code == 302
    assert again.url == reverse("referrals:self_referral_start")


def test_nothing_is_read_back_after_sending(client, bs5):
    answer_all(client)
    send(client)
    client.get(reverse("referrals:self_referral_done"))

    check = client.get(reverse("referrals:self_referral_check"))
    assert check.status_code == 302 and check.url == step_url("danger")
    for slug in ("name", "what-is-happening"):
        page = client.get(step_url(slug), follow=True).content.decode()
        assert "Weston" not in page and "poor sleep" not in page
    assert "Weston" not in client.get(reverse("referrals:self_referral_start")).content.decode()


def test_a_filled_honeypot_on_a_question_forgets_the_answers_and_makes_nothing(client, bs5):
    answer_all(client)
    response = client.post(step_url("others-involved"), {"others_involved": "", "website": "http://spam.example"})
    assert response.url == reverse("referrals:self_referral_start")
    assert client.get(reverse("referrals:self_referral_check")).url == step_url("danger")
    assert not Referral.objects.exists()


def test_a_filled_honeypot_when_sending_makes_nothing(client, bs5):
    answer_all(client)
    response = send(client, website="cheap-pills")
    assert response.url == reverse("referrals:self_referral_start")
    assert not Referral.objects.exists()


def test_one_address_may_send_only_so_many_referrals(client, bs5, monkeypatch):
    from referrals.web.self_referral.throttles import SelfReferralPerAddressThrottle

    monkeypatch.setattr(SelfReferralPerAddressThrottle, "rate", "2/hour")
    for _ in range(2):
        answer_all(client)
        assert send(client).status_code == 302
    answer_all(client)
    refused = send(client)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "NHS 111" in refused.content.decode()
    assert Referral.objects.count() == 2

    elsewhere = Client()
    answer_all(elsewhere)
    assert elsewhere.post(reverse("referrals:self_referral_check"), REMOTE_ADDR="198.51.100.9").status_code == 302
    assert Referral.objects.count() == 3


def test_all_addresses_together_may_send_only_so_many_referrals(client, bs5, monkeypatch):
    from referrals.web.self_referral.throttles import SelfReferralOverallThrottle

    monkeypatch.setattr(SelfReferralOverallThrottle, "rate", "2/hour")
    for address in ("198.51.100.1", "198.51.100.2"):
        visitor = Client()
        answer_all(visitor)
        assert visitor.post(reverse("referrals:self_referral_check"), REMOTE_ADDR=address).status_code == 302
    answer_all(client)
    refused = client.post(reverse("referrals:self_referral_check"), REMOTE_ADDR="198.51.100.3")
    assert refused.status_code == 429
    assert Referral.objects.count() == 2


def test_what_is_happening_has_a_stated_limit_and_a_longer_answer_is_refused(client, bs5):
    answer_all(client)
    page = client.get(step_url("what-is-happening")).content.decode()
    assert "up to 2,000 characters" in page
    assert 'maxlength="2000"' in page
    refused = client.post(step_url("what-is-happening"), {"what_is_happening": "x" * 2001})
    assert refused.status_code == 200
    assert "2,000 characters or fewer" in refused.content.decode()


def test_a_request_larger_than_any_honest_answer_is_refused(client, bs5):
    answer_all(client)
    refused = client.post(step_url("others-involved"), {"others_involved": "x" * 20_000})
    assert refused.status_code == 413
    assert not Referral.objects.exists()


def test_the_form_keeps_csrf_protection(bs5):
    visitor = Client(enforce_csrf_checks=True)
    visitor.get(reverse("referrals:self_referral_start"))
    response = visitor.post(step_url("danger"), {"in_immediate_danger": "no"})
    assert response.status_code == 403


def test_questions_cannot_be_skipped(client, db):
    response = client.get(step_url("postcode"))
    assert response.url == step_url("danger")
    assert client.get(reverse("referrals:self_referral_check")).url == step_url("danger")


def test_a_chosen_way_of_contact_needs_its_details(client, db):
    for slug in ("danger", "name", "date-of-birth", "postcode"):
        client.post(step_url(slug), ANSWERS[slug])
    response = client.post(step_url("contact"), {"methods": ["phone", "post"], "phone": "", "address": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a phone number" in page and "Enter an address" in page


def test_a_change_link_comes_back_to_check_your_answers(client, bs5):
    answer_all(client)
    check = client.get(reverse("referrals:self_referral_check")).content.decode()
    assert f"{step_url('postcode')}?change=1" in check
    response = client.post(f"{step_url('postcode')}?change=1", {"postcode": "BS5 7AA"})
    assert response.url == reverse("referrals:self_referral_check")
    assert "BS5 7AA" in client.get(reverse("referrals:self_referral_check")).content.decode()


def test_the_login_page_offers_self_referral(client, db):
    page = client.get(reverse("accounts:login")).content.decode()
    assert reverse("referrals:self_referral_start") in page
    assert "Refer yourself" in page
