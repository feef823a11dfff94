"""Reviewing break-glass openings: every emergency opening of a record waits for an IG lead to
judge it appropriate or not. Once only; "not appropriate" needs a note; each review is audited.

The openings are made directly here (the break-glass service itself is someone else's).
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from access.ig.services import break_glass_review
from access.models import BreakGlassReview
from accounts.models import AuditEvent, Role
from tests.factories import PersonFactory, UserFactory

LIST = reverse("ig:break_glass")
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # 10:00 BST
APPROPRIATE, INAPPROPRIATE = BreakGlassReview.Outcome.APPROPRIATE, BreakGlassReview.Outcome.INAPPROPRIATE


@pytest.fixture
def ig(trust):
    return UserFactory(
        username="iris", first_name="Iris", last_name="Governance", role=Role.IG_LEAD, organisation=trust
    )


@pytest.fixture
def second_ig(trust):
    return UserFactory(username="ivan", first_name="Ivan", last_name="Oversight", role=Role.IG_LEAD, organisation=trust)


@pytest.fixture
def ig_client(client, ig):
    client.force_login(ig)
    return client


@pytest.fixture
def robin(db):
    return PersonFactory(given_name="Robin", family_name="Harbour", nhs_number="9434765919")


def opening(
    person, by, *, hours_ago: float, reason: str = "Found in crisis at A&E; record needed at once"
) -> BreakGlassReview:
    opened_at = NOW - timedelta(hours=hours_ago)
    return BreakGlassReview.objects.create(
        person=person,
        opened_by=by,
        reason=reason,
        opened_at=opened_at,
        expires_at=opened_at + timedelta(hours=4),
        source_ip="192.0.2.44",
    )


def review_url(review: BreakGlassReview) -> str:
    return reverse("ig:break_glass_review", args=[review.pk])


def review_data(review: BreakGlassReview, outcome: str = "", note: str = "") -> dict[str, str]:
    prefix = f"review-{review.pk}"
    return {f"{prefix}-outcome": outcome, f"{prefix}-note": note}


def opening_ids(response) -> list[int]:
    return [int(found) for found in re.findall(r'id="opening-(\d+)"', response.content.decode())]


# --- The list ------------------------------------------------------------------------------


def test_openings_waiting_for_review_come_first_longest_waiting_at_the_top(ig_client, ig, charlie, alice, robin):
    done_early = opening(robin, charlie, hours_ago=50)
    done_late = opening(robin, charlie, hours_ago=40)
    oldest_waiting = opening(robin, alice, hours_ago=30)
    newest_waiting = opening(robin, charlie, hours_ago=2)
    break_glass_review(review=done_early, by=ig, now=NOW - timedelta(hours=20), outcome=APPROPRIATE, note="")
    break_glass_review(review=done_late, by=ig, now=NOW - timedelta(hours=10), outcome=APPROPRIATE, note="")

    with time_machine.travel(NOW, tick=False):
        response = ig_client.get(LIST)

    assert opening_ids(response) == [oldest_waiting.pk, newest_waiting.pk, done_late.pk, done_early.pk]
    page = response.content.decode()
    assert "Break-glass openings (2 waiting for review)" in page
    assert f"{escape(str(charlie))} (charlie)" in page  # a name may hold an apostrophe
    assert "Robin Harbour" in page and "NHS number 943 476 5919" in page
    assert "Found in crisis at A&amp;E; record needed at once" in page
    assert "Wed 1 Jul 2026, 08:00" in page  # the newest opening, London time
    assert "Wed 1 Jul 2026, 12:00</time> (still open)" in page  # its expiry
    forms = set(re.findall(r'name="review-(\d+)-note"', page))  # a review form for each waiting opening only
    assert forms == {str(oldest_waiting.pk), str(newest_waiting.pk)}
    assert f'href="{reverse("ig:audit")}?person={robin.pk}&amp;user=charlie"' in page  # links to the audit log


def test_the_list_costs_the_same_queries_for_two_openings_or_thirty(
    ig_client, charlie, robin, django_assert_num_queries
):
    opening(robin, charlie, hours_ago=3)
    opening(robin, charlie, hours_ago=2)
    ig_client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        ig_client.get(LIST)

    for index in range(28):
        opening(PersonFactory(), UserFactory(organisation=charlie.organisation), hours_ago=index + 5)

    with django_assert_num_queries(len(few.captured_queries)):
        assert len(opening_ids(ig_client.get(LIST))) == 30


@pytest.mark.parametrize("who", ["alice", "bob", "tina", "sam", "charlie", "intake"])
def test_no_one_else_can_see_or_review_openings(client, request, who, robin):
    user = request.getfixturevalue(who)
    review = opening(robin, request.getfixturevalue("charlie"), hours_ago=1)
    client.force_login(user)

    assert client.get(LIST).status_code == 404
    assert client.get(review_url(review)).status_code == 404
    assert client.post(review_url(review), review_data(review, APPROPRIATE)).status_code == 404
    review.refresh_from_db()
    assert review.reviewed_at is None


def test_an_opening_that_does_not_exist_is_404(ig_client):
    assert ig_client.get(reverse("ig:break_glass_review", args=[999_999])).status_code == 404


# --- Reviewing through the page ----------------------------------------------------------------


def test_an_ig_lead_marks_an_opening_appropriate_and_it_is_audited(ig_client, ig, charlie, robin):
    review = opening(robin, charlie, hours_ago=3)

    with time_machine.travel(NOW, tick=False):
        response = ig_client.post(
            review_url(review),
            review_data(review, APPROPRIATE, "  Crisis team confirmed.  "),
            REMOTE_ADDR="198.51.100.3",
        )

    assert response.status_code == 302 and response.url == LIST
    review.refresh_from_db()
    assert (review.outcome, review.reviewed_by, review.reviewed_at) == (APPROPRIATE, ig, NOW)
    assert review.review_note == "Crisis team confirmed."
    audited = AuditEvent.objects.get(action="access.break_glass_reviewed")
    assert (audited.actor, audited.person_id, audited.at) == (ig, robin.pk, NOW)
    assert (audited.object_type, audited.object_id) == ("access.breakglassreview", str(review.pk))
    assert audited.detail["outcome"] == "appropriate"
    assert audited.source_ip == "198.51.100.3"
    page = ig_client.get(LIST).content.decode()
    assert f"Review saved: Robin Harbour’s record, opened by {escape(str(charlie))}." in page
    assert "Break-glass openings (0 waiting for review)" in page


def test_not_appropriate_without_a_note_is_refused_with_the_error_beside_the_note(ig_client, charlie, robin):
    review = opening(robin, charlie, hours_ago=3)

    response = ig_client.post(review_url(review), review_data(review, INAPPROPRIATE, "   "))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: Review a break-glass opening" in page
    assert "There is a problem" in page
    assert f'href="#id_review-{review.pk}-note"' in page  # the summary links to the note box
    assert "Say why the opening was not appropriate and what follow-up is needed." in page
    review.refresh_from_db()
    assert review.reviewed_at is None
    assert not AuditEvent.objects.filter(action="access.break_glass_reviewed").exists()


def test_choosing_no_outcome_is_refused(ig_client, charlie, robin):
    review = opening(robin, charlie, hours_ago=3)

    response = ig_client.post(review_url(review), review_data(review))

    assert "Choose whether the opening was appropriate" in response.content.decode()
    review.refresh_from_db()
    assert review.reviewed_at is None


def test_a_second_review_through_the_page_is_refused_and_the_first_stands(ig_client, ig, second_ig, charlie, robin):
    review = opening(robin, charlie, hours_ago=3)
    break_glass_review(review=review, by=second_ig, now=NOW, outcome=INAPPROPRIATE, note="No clinical reason.")

    response = ig_client.post(review_url(review), review_data(review, APPROPRIATE))

    assert response.status_code == 200
    page = response.content.decode()
    assert "This break-glass opening has already been reviewed, by Ivan Oversight on Wed 1 Jul 2026, 10:00." in page
    assert 'name="review-' not in page  # no form to send again
    review.refresh_from_db()
    assert (review.outcome, review.reviewed_by) == (INAPPROPRIATE, second_ig)


def test_the_review_page_shows_a_finished_review_without_a_form(ig_client, ig, charlie, robin):
    review = opening(robin, charlie, hours_ago=3)
    break_glass_review(review=review, by=ig, now=NOW, outcome=INAPPROPRIATE, note="Not on their caseload.")

    page = ig_client.get(review_url(review)).content.decode()

    assert "Not appropriate: follow up" in page
    assert "Not on their caseload." in page
    assert '<form method="post" action="/audit/' not in page


# --- The service's rules -----------------------------------------------------------------------


def test_each_opening_is_reviewed_once_only(ig, second_ig, charlie, robin):
    review = opening(robin, charlie, hours_ago=3)
    break_glass_review(review=review, by=ig, now=NOW, outcome=APPROPRIATE, note="")

    with pytest.raises(ValidationError, match="already been reviewed"):
        break_glass_review(review=review, by=second_ig, now=NOW, outcome=INAPPROPRIATE, note="Second opinion")

    assert AuditEvent.objects.filter(action="access.break_glass_reviewed").count() == 1


def test_a_stale_copy_cannot_overwrite_a_review_made_meanwhile(ig, second_ig, charlie, robin):
    """Two IG leads open the same opening; the second to save is told, not allowed to overwrite."""
    review = opening(robin, charlie, hours_ago=3)
    seen_by_second = BreakGlassReview.objects.get(pk=review.pk)
    break_glass_review(review=review, by=ig, now=NOW, outcome=APPROPRIATE, note="")

    with pytest.raises(ValidationError, match="already been reviewed, by Iris Governance"):
        break_glass_review(review=seen_by_second, by=second_ig, now=NOW, outcome=INAPPROPRIATE, note="Disagree")

    review.refresh_from_db()
    assert (review.outcome, review.reviewed_by) == (APPROPRIATE, ig)


def test_not_appropriate_needs_a_note(ig, charlie, robin):
    review = opening(robin, charlie, hours_ago=3)

    with pytest.raises(ValidationError) as refused:
        break_glass_review(review=review, by=ig, now=NOW, outcome=INAPPROPRIATE, note="")

    assert "note" in refused.value.message_dict
    break_glass_review(review=review, by=ig, now=NOW, outcome=INAPPROPRIATE, note="Spoke to their manager.")
    review.refresh_from_db()
    assert review.review_note == "Spoke to their manager."


def test_only_an_ig_lead_reviews_and_never_their_own_opening(ig, sam, robin):
    others = opening(robin, sam, hours_ago=3)
    own = opening(robin, ig, hours_ago=2)

    with pytest.raises(ValidationError, match="Only an information governance lead"):
        break_glass_review(review=others, by=sam, now=NOW, outcome=APPROPRIATE, note="")
    with pytest.raises(ValidationError, match="cannot review your own"):
        break_glass_review(review=own, by=ig, now=NOW, outcome=APPROPRIATE, note="")
    with pytest.raises(ValidationError):
        break_glass_review(review=others, by=ig, now=NOW, outcome="fine", note="")

    assert not BreakGlassReview.objects.filter(reviewed_at__isnull=False).exists()
