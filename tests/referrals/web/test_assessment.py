"""Journey 4: the trusted assessment, written once and built on; consent to share at the top."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from access.consent import consent_record, consent_withdraw
from referrals.models import Assessment, AssessmentAddition, SharingConsent, TrustedAssessment
from referrals.services import trusted_assessment_add, trusted_assessment_write
from tests.factories import make_referral

from .conftest import allocate

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def referral_received_at():
    """The standing referral (tests/conftest.py) arrived three days ago."""
    return timezone.now() - timedelta(days=3)


@pytest.fixture
def person(referral):
    return referral.person


@pytest.fixture
def written(person, alice, referral):
    return trusted_assessment_write(
        person=person,
        by=alice,
        now=timezone.now(),
        referral=referral,
        presenting_needs="Low mood since losing my job.",
        housing="Private rented flat; rent arrears building up.",
    )


@pytest.fixture
def bob_holds(referral, alice, bob):
    """bob, a VCSE link worker, opens only the records of people allocated to him."""
    return allocate(referral, by=alice, link_worker=bob)


@pytest.fixture
def shared(person, alice):
    """The person agreed to share with every partner in their care team: bob (Synthetic Mind)
    may read alice's (the trust's) assessment, and alice may read bob's additions."""
    return consent_record(person=person, by=alice, now=timezone.now(), decision="given", scope="care_team")


def url(person, name="assessment", **kwargs):
    return reverse(f"referrals:{name}", kwargs={"person_id": person.pk, **kwargs})


def text(response) -> str:
    return response.content.decode()


# --- Writing it once ---------------------------------------------------------------------------


def test_a_person_without_an_assessment_gets_the_form_to_write_it(client, alice, person):
    client.force_login(alice)

    response = client.get(url(person))

    assert response.status_code == 200
    body = text(response)
    assert "Write the trusted assessment" in body
    assert "Loneliness and isolation" in body
    assert 'name="presenting_needs"' in body


def test_writing_the_assessment_saves_who_and_which_organisation_and_counts_for_the_referral(
    client, alice, person, referral, trust
):
    client.force_login(alice)

    response = client.post(
        url(person),
        {"referral": referral.pk, "presenting_needs": "Panic attacks on the bus.", "money": "Debts of £4,000."},
    )

    assert response.status_code == 302
    assert response["Location"] == url(person)
    assessment = TrustedAssessment.objects.get(person=person)
    assert (assessment.written_by, assessment.organisation, assessment.money) == (alice, trust, "Debts of £4,000.")
    assert Assessment.objects.filter(referral=referral).exists()
    page = text(client.get(url(person)))
    assert "Panic attacks on the bus." in page
    assert "Write the trusted assessment" not in page


def test_an_assessment_without_presenting_needs_shows_the_services_message_in_summary_and_inline(client, alice, person):
    client.force_login(alice)

    response = client.post(url(person), {"housing": "Sofa surfing"})

    assert response.status_code == 200
    body = text(response)
    assert "<title>Error: Trusted assessment" in body
    assert "There is a problem" in body
    assert '<a href="#id_presenting_needs">Describe what the person needs help with, in their words.</a>' in body
    assert 'id="id_presenting_needs-error"' in body
    assert "Sofa surfing" in body  # what was typed is kept
    assert not TrustedAssessment.objects.exists()


@pytest.mark.usefixtures("bob_holds", "shared")
def test_a_second_writer_is_sent_to_add_to_the_first_assessment_instead_of_retyping(client, bob, person, written):
    client.force_login(bob)

    response = client.post(url(person), {"presenting_needs": "A second story"}, follow=True)

    assert TrustedAssessment.objects.get(person=person).presenting_needs == "Low mood since losing my job."
    assert "already has a trusted assessment: add to it instead" in text(response)


def test_a_referral_of_someone_else_cannot_be_chosen(client, alice, person, intake, north_practice):
    other = make_referral(by=intake, practice=north_practice)
    client.force_login(alice)

    response = client.post(url(person), {"referral": other.pk, "presenting_needs": "Low mood"})

    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    assert not TrustedAssessment.objects.exists()


# --- Building on it ----------------------------------------------------------------------------


@pytest.mark.usefixtures("shared")
def test_each_section_shows_the_original_then_dated_additions_with_who_and_which_organisation(
    client, alice, bob, person, written, vcse
):
    trusted_assessment_add(
        assessment=written, by=bob, now=timezone.now(), section="housing", text="Council tenancy team involved."
    )
    client.force_login(alice)

    body = text(client.get(url(person)))

    housing = body[body.index('id="section-housing"') :]
    housing = housing[: housing.index("</section>")]
    assert "Private rented flat; rent arrears building up." in housing
    assert "Council tenancy team involved." in housing
    assert escape(str(bob)) in housing and "Synthetic Mind" in housing
    assert f"Added {timezone.localtime(timezone.now()):%-d %B %Y}" in housing
    assert body.count("Add to this section") >= len(TrustedAssessment.Section)


@pytest.mark.usefixtures("bob_holds", "shared")
def test_adding_to_a_section_without_javascript_saves_and_returns_to_that_section(client, bob, person, written, vcse):
    client.force_login(bob)

    response = client.post(
        url(person, "assessment_add"), {"section": "money", "money-text": "Referred to debt advice."}
    )

    assert response.status_code == 302
    assert response["Location"] == url(person) + "#section-money"
    addition = AssessmentAddition.objects.get()
    assert (addition.section, addition.text, addition.added_by, addition.organisation) == (
        "money",
        "Referred to debt advice.",
        bob,
        vcse,
    )
    # The original is never changed.
    assert TrustedAssessment.objects.get().money == ""


@pytest.mark.usefixtures("bob_holds", "shared")
def test_an_empty_addition_shows_the_error_summary_linking_to_that_sections_box(client, bob, person, written):
    client.force_login(bob)

    response = client.post(url(person, "assessment_add"), {"section": "risk", "risk-text": "   "})

    assert response.status_code == 200
    body = text(response)
    assert '<a href="#id_risk-text">Write what you are adding.</a>' in body
    assert 'id="id_risk-text-error"' in body
    assert not AssessmentAddition.objects.exists()


@pytest.mark.usefixtures("bob_holds", "shared")
def test_adding_with_htmx_returns_just_the_section_with_the_new_addition(client, bob, person, written):
    client.force_login(bob)

    response = client.post(
        url(person, "assessment_add"), {"section": "housing", "housing-text": "Moved to supported housing."}, **HTMX
    )

    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith("<section")
    assert "<html" not in body
    assert 'id="section-housing"' in body
    assert "Moved to supported housing." in body
    assert "Your addition is saved." in body


@pytest.mark.usefixtures("bob_holds", "shared")
def test_an_invalid_htmx_addition_returns_the_section_with_its_error(client, bob, person, written):
    client.force_login(bob)

    response = client.post(url(person, "assessment_add"), {"section": "housing", "housing-text": ""}, **HTMX)

    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body
    assert "Write what you are adding." in body
    assert "There is a problem" in body


@pytest.mark.usefixtures("bob_holds")
def test_an_unknown_section_is_a_bad_request(client, bob, person, written):
    client.force_login(bob)

    response = client.post(url(person, "assessment_add"), {"section": "diagnosis", "diagnosis-text": "x"})

    assert response.status_code == 400


@pytest.mark.usefixtures("bob_holds")
def test_adding_before_anything_is_written_asks_for_the_assessment_first(client, bob, person):
    client.force_login(bob)

    response = client.post(url(person, "assessment_add"), {"section": "money", "money-text": "x"}, follow=True)

    assert "Write the trusted assessment first" in text(response)
    assert not AssessmentAddition.objects.exists()


# --- What crosses an organisation boundary ------------------------------------------------------


def test_a_link_worker_in_the_team_opens_the_assessment_only_once_he_holds_the_person(
    client, alice, bob, referral, person, written
):
    client.force_login(bob)
    before = client.get(url(person))

    allocate(referral, by=alice, link_worker=bob)

    assert before.status_code == 404
    assert client.get(url(person)).status_code == 200


@pytest.mark.usefixtures("bob_holds")
def test_without_consent_another_organisations_assessment_is_withheld_and_cannot_be_added_to(
    client, bob, person, written
):
    client.force_login(bob)

    body = text(client.get(url(person)))
    response = client.post(
        url(person, "assessment_add"), {"section": "money", "money-text": "Debt advice."}, follow=True
    )

    assert 'id="withheld"' in body
    assert "has not agreed to share it with other organisations" in body
    assert "rent arrears" not in body and "Low mood since losing my job." not in body
    assert "not shared with your organisation" in text(response)
    assert not AssessmentAddition.objects.exists()


def test_consent_naming_other_organisations_still_withholds_it_from_mine(client, alice, bob, person, written, trust):
    consent_record(
        person=person,
        by=alice,
        now=timezone.now(),
        decision="given",
        scope="named_organisations",
        organisations=[trust],
    )
    allocate(written.referral, by=alice, link_worker=bob)
    client.force_login(bob)

    body = text(client.get(url(person)))

    assert 'id="withheld"' in body
    assert "agreed to share it only with the organisations named" in body
    assert "rent arrears" not in body


@pytest.mark.usefixtures("bob_holds")
def test_withdrawing_consent_hides_the_partners_additions_at_once_and_keeps_my_own(
    client, alice, bob, person, written, shared
):
    trusted_assessment_add(assessment=written, by=bob, now=timezone.now(), section="housing", text="Tenancy team.")
    consent_withdraw(consent=shared, by=alice, now=timezone.now())
    client.force_login(alice)

    body = text(client.get(url(person)))

    assert "rent arrears building up" in body  # alice's own organisation wrote it
    assert "Tenancy team." not in body
    assert AssessmentAddition.objects.filter(text="Tenancy team.").exists()  # nothing is deleted


@pytest.mark.usefixtures("bob_holds")
def test_the_htmx_section_after_adding_shows_only_additions_i_may_read(client, alice, bob, person, written, shared):
    trusted_assessment_add(assessment=written, by=bob, now=timezone.now(), section="housing", text="Tenancy team.")
    consent_withdraw(consent=shared, by=alice, now=timezone.now())
    client.force_login(alice)

    response = client.post(
        url(person, "assessment_add"), {"section": "housing", "housing-text": "Moved to supported housing."}, **HTMX
    )

    body = text(response)
    assert "Moved to supported housing." in body
    assert "Tenancy team." not in body


# --- Consent to share --------------------------------------------------------------------------


def test_no_consent_decision_is_shown_explicitly_as_none_recorded(client, alice, person):
    client.force_login(alice)

    body = text(client.get(url(person)))

    assert "None recorded" in body
    assert "No decision about sharing is recorded" in body


def test_recording_consent_for_the_care_team_shows_it_at_the_top(client, alice, person):
    client.force_login(alice)

    response = client.post(url(person, "assessment_consent"), {"decision": "given", "scope": "care_team"})

    assert response.status_code == 302
    assert response["Location"] == url(person) + "#consent"
    body = text(client.get(url(person)))
    assert body.index("Consent given") < body.index("Write the trusted assessment")
    assert "All partners in" in body


def test_consent_for_named_organisations_lists_them(client, alice, person, vcse):
    client.force_login(alice)

    client.post(
        url(person, "assessment_consent"),
        {"decision": "given", "scope": "named_organisations", "organisations": [vcse.pk]},
    )

    body = text(client.get(url(person)))
    assert "Only the organisations named" in body
    assert "<li>Synthetic Mind</li>" in body


def test_named_organisations_without_any_shows_the_services_message(client, alice, person):
    client.force_login(alice)

    response = client.post(url(person, "assessment_consent"), {"decision": "given", "scope": "named_organisations"})

    assert response.status_code == 200
    body = text(response)
    assert '<a href="#id_organisations_0">Name at least one organisation.</a>' in body
    assert '<details class="nhsuk-details nhsuk-u-margin-bottom-0" open>' in body
    assert not SharingConsent.objects.exists()


def test_a_refusal_is_shown_as_refused(client, alice, person):
    consent_record(person=person, by=alice, now=timezone.now(), decision="refused")
    client.force_login(alice)

    body = text(client.get(url(person)))

    assert "Consent refused" in body
    assert "Withdraw consent" not in body


def test_withdrawing_asks_first_then_keeps_the_record_and_shows_the_date(client, alice, person):
    consent = consent_record(person=person, by=alice, now=timezone.now(), decision="given", scope="care_team")
    client.force_login(alice)
    withdraw = url(person, "assessment_consent_withdraw", consent_id=consent.pk)

    confirm_page = client.get(withdraw)
    assert "Withdraw consent to share?" in text(confirm_page)
    consent.refresh_from_db()
    assert consent.withdrawn_at is None

    response = client.post(withdraw)

    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_by == alice
    body = text(client.get(url(person)))
    assert f"Withdrawn on {timezone.localtime(consent.withdrawn_at):%-d %B %Y}" in body


def test_withdrawing_twice_says_why_not(client, alice, person):
    consent = consent_record(person=person, by=alice, now=timezone.now(), decision="given", scope="care_team")
    client.force_login(alice)
    withdraw = url(person, "assessment_consent_withdraw", consent_id=consent.pk)
    client.post(withdraw)

    body = text(client.get(withdraw))

    assert "already withdrawn" in body
    assert "Yes, withdraw consent" not in body


def test_a_superseded_decision_cannot_be_withdrawn(client, alice, person):
    old = consent_record(person=person, by=alice, now=timezone.now(), decision="given", scope="care_team")
    consent_record(person=person, by=alice, now=timezone.now(), decision="refused")
    client.force_login(alice)

    response = client.post(url(person, "assessment_consent_withdraw", consent_id=old.pk), follow=True)

    assert "replaced by a newer one" in text(response)
    old.refresh_from_db()
    assert old.withdrawn_at is None


# --- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method", "extra"),
    [
        ("assessment", "get", {}),
        ("assessment", "post", {}),
        ("assessment_add", "post", {}),
        ("assessment_consent", "post", {}),
        ("assessment_consent_withdraw", "get", {"consent_id": 1}),
    ],
)
def test_someone_outside_the_persons_teams_gets_404(client, charlie, person, written, name, method, extra):
    client.force_login(charlie)

    response = getattr(client, method)(url(person, name, **extra), {"section": "housing", "housing-text": "x"})

    assert response.status_code == 404
    assert not AssessmentAddition.objects.exists()


def test_signed_out_visitors_are_sent_to_log_in(client, person):
    response = client.get(url(person))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- Query counts ------------------------------------------------------------------------------


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


# The page as before (8), then access control: the break-glass check of notes_access_for, the
# INSERT that audits the read, and (consent being given) the shares list and the share form's
# organisations.
ASSESSMENT_PAGE_QUERIES = 12


def test_the_assessment_page_reads_the_same_number_of_queries_however_many_additions(
    client, alice, bob, person, written, vcse, trust, django_assert_num_queries
):
    client.force_login(alice)
    consent_record(
        person=person, by=alice, now=timezone.now(), decision="given", scope="named_organisations", organisations=[vcse]
    )
    trusted_assessment_add(assessment=written, by=bob, now=timezone.now(), section="risk", text="One addition")
    few = _queries(client, url(person))

    for i, section in enumerate(TrustedAssessment.Section.values * 4):
        trusted_assessment_add(
            assessment=written, by=alice if i % 2 else bob, now=timezone.now(), section=section, text=f"n{i}"
        )
    consent_record(
        person=person,
        by=alice,
        now=timezone.now(),
        decision="given",
        scope="named_organisations",
        organisations=[vcse, trust],
    )

    with django_assert_num_queries(ASSESSMENT_PAGE_QUERIES):
        client.get(url(person))
    assert few == ASSESSMENT_PAGE_QUERIES


# With nothing written there is nothing to withhold or audit: only the break-glass check is added.
WRITE_FORM_QUERIES = 9


def test_the_write_form_reads_a_fixed_number_of_queries(client, alice, person, django_assert_num_queries):
    client.force_login(alice)
    few = _queries(client, url(person))
    assert few == WRITE_FORM_QUERIES

    for _ in range(5):
        make_referral(by=alice, nhs_number=person.nhs_number)

    with django_assert_num_queries(few):
        client.get(url(person))
