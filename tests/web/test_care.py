"""Journey 7: the care plan with goals and interventions, outcome measures, and discharge."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from caseload.models import Allocation
from caseload.services import caseload_allocate
from referrals.models import CarePlan, CarePlanGoal, Clock, Intervention, OutcomeMeasure, Referral
from referrals.services import (
    care_plan_goal_add,
    care_plan_record,
    intervention_record,
    outcome_measure_record,
    referral_close,
    referral_triage,
)
from tests.factories import make_referral

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def received(intake, north_practice, north_team):
    """A referral that arrived ten days ago and was routed to North."""
    return make_referral(by=intake, practice=north_practice, now=timezone.now() - timedelta(days=10))


@pytest.fixture
def allocated(received, alice, bob, tina):
    now = timezone.now() - timedelta(days=9)
    referral_triage(referral=received, by=alice, now=now, thrive_grouping="getting_help")
    caseload_allocate(referral=received, by=tina, now=now, link_worker=bob)
    return Referral.objects.get(pk=received.pk)


@pytest.fixture
def plan(received, alice):
    now = timezone.now()
    return care_plan_record(referral=received, by=alice, now=now, agreed_at=now, summary="Weekly check-ins.")


def url(referral, name) -> str:
    return reverse(f"referrals:{name}", kwargs={"referral_id": referral.pk})


def text(response) -> str:
    return response.content.decode()


def date_fields(prefix: str, day) -> dict[str, str]:
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def today():
    return timezone.localdate()


# --- Care plan ---------------------------------------------------------------------------------


def test_a_referral_without_a_plan_says_so_and_offers_to_agree_one(client, alice, received):
    client.force_login(alice)

    response = client.get(url(received, "care_plan"))

    assert response.status_code == 200
    body = text(response)
    assert "No care plan has been agreed" in body
    assert "Agree the care plan" in body
    assert "Agree the care plan first, then add" in body


def test_agreeing_the_plan_today_records_it_now(client, alice, received):
    client.force_login(alice)

    response = client.post(
        url(received, "care_plan"),
        {"plan-summary": "Fortnightly sessions with Bob.", **date_fields("plan-agreed_on", today())},
    )

    assert response.status_code == 302
    assert response["Location"] == url(received, "care_plan") + "#goals"
    plan = CarePlan.objects.get(referral=received)
    assert plan.summary == "Fortnightly sessions with Bob."
    assert timezone.localdate(plan.agreed_at) == today()
    assert plan.recorded_by == alice


def test_a_plan_agreed_on_the_day_the_referral_arrived_is_not_before_it(client, alice, received):
    client.force_login(alice)

    client.post(
        url(received, "care_plan"),
        {
            "plan-summary": "Agreed at the first call.",
            **date_fields("plan-agreed_on", timezone.localdate(received.received_at)),
        },
    )

    assert CarePlan.objects.get().agreed_at >= received.received_at


def test_a_plan_in_the_future_shows_the_services_message_against_the_date(client, alice, received):
    client.force_login(alice)

    response = client.post(
        url(received, "care_plan"), {"plan-summary": "x", **date_fields("plan-agreed_on", today() + timedelta(days=2))}
    )

    assert response.status_code == 200
    body = text(response)
    assert "<title>Error: Care plan" in body
    assert '<a href="#id_plan-agreed_on_day">This cannot be in the future.</a>' in body
    assert 'id="id_plan-agreed_on-error"' in body
    assert not CarePlan.objects.exists()


def test_a_plan_before_the_referral_arrived_is_refused(client, alice, received):
    client.force_login(alice)

    response = client.post(
        url(received, "care_plan"), {"plan-summary": "x", **date_fields("plan-agreed_on", today() - timedelta(days=30))}
    )

    assert "This cannot be before the referral was received." in text(response)


def test_a_date_that_does_not_exist_is_refused_by_the_form(client, alice, received):
    client.force_login(alice)

    response = client.post(
        url(received, "care_plan"),
        {"plan-summary": "x", "plan-agreed_on_day": "31", "plan-agreed_on_month": "2", "plan-agreed_on_year": "2026"},
    )

    body = text(response)
    assert "The date the plan was agreed must be a real date" in body
    assert 'value="31"' in body  # what was typed stays in the boxes


def test_a_goal_before_any_plan_is_refused_with_a_message(client, alice, received):
    client.force_login(alice)

    response = client.post(
        url(received, "care_plan_goal_add"),
        {"goal-description": "Sleep better", **date_fields("goal-review_date", today())},
    )

    assert response.status_code == 200
    assert "Agree the care plan before adding goals to it." in text(response)
    assert not CarePlanGoal.objects.exists()


def test_adding_a_goal_puts_it_on_the_plan_with_its_review_date(client, alice, received, plan):
    client.force_login(alice)
    review = today() + timedelta(days=60)

    response = client.post(
        url(received, "care_plan_goal_add"),
        {"goal-description": "Get back to my allotment twice a week", **date_fields("goal-review_date", review)},
    )

    assert response.status_code == 302
    goal = CarePlanGoal.objects.get(care_plan=plan)
    assert (goal.description, goal.review_date) == ("Get back to my allotment twice a week", review)
    body = text(client.get(url(received, "care_plan")))
    assert "Get back to my allotment twice a week" in body
    assert review.strftime("%-d %b %Y") in body


def test_a_goal_without_words_shows_the_services_message(client, alice, received, plan):
    client.force_login(alice)

    response = client.post(
        url(received, "care_plan_goal_add"), {"goal-description": " ", **date_fields("goal-review_date", today())}
    )

    assert '<a href="#id_goal-description">Write the goal in the person&#x27;s words.</a>' in text(response)


def test_a_goal_reviewed_in_the_past_is_refused_by_the_service(client, alice, received, plan):
    client.force_login(alice)

    response = client.post(
        url(received, "care_plan_goal_add"),
        {"goal-description": "Walk daily", **date_fields("goal-review_date", today() - timedelta(days=1))},
    )

    assert '<a href="#id_goal-review_date_day">A review date cannot be in the past.</a>' in text(response)


def test_goals_are_tagged_when_their_review_is_due_or_overdue(client, alice, received):
    # A plan agreed eight days ago, with a goal whose review date has since passed.
    eight_days_ago = timezone.now() - timedelta(days=8)
    old_plan = care_plan_record(
        referral=received, by=alice, now=eight_days_ago, agreed_at=eight_days_ago, summary="First plan"
    )
    care_plan_goal_add(
        care_plan=old_plan,
        by=alice,
        now=eight_days_ago,
        description="Overdue goal",
        review_date=timezone.localdate(eight_days_ago) + timedelta(days=2),
    )
    care_plan_goal_add(
        care_plan=old_plan,
        by=alice,
        now=timezone.now(),
        description="Due goal",
        review_date=today() + timedelta(days=3),
    )
    care_plan_goal_add(
        care_plan=old_plan,
        by=alice,
        now=timezone.now(),
        description="Later goal",
        review_date=today() + timedelta(days=90),
    )
    client.force_login(alice)

    body = text(client.get(url(received, "care_plan")))

    def row(goal: str) -> str:
        start = body.index(goal)
        return body[start : body.index("</tr>", start)]

    assert "Review overdue" in row("Overdue goal")
    assert "Review due" in row("Due goal") and "overdue" not in row("Due goal")
    assert "Review" not in row("Later goal").replace('aria-hidden="true">Review', "")


def test_adding_an_intervention_records_its_kind_provider_and_review_date(client, alice, received, plan, vcse):
    client.force_login(alice)
    review = today() + timedelta(days=42)

    response = client.post(
        url(received, "care_plan_intervention_add"),
        {
            "intervention-kind": "peer_support",
            "intervention-description": "Lived-experience peer group, Thursdays",
            "intervention-provider": vcse.pk,
            **date_fields("intervention-started_on", today()),
            **date_fields("intervention-review_date", review),
        },
    )

    assert response.status_code == 302
    intervention = Intervention.objects.get()
    assert (intervention.kind, intervention.provider, intervention.review_date, intervention.care_plan) == (
        "peer_support",
        vcse,
        review,
        plan,
    )
    body = text(client.get(url(received, "care_plan")))
    assert "Peer support" in body and "Synthetic Mind" in body and "Lived-experience peer group" in body


def test_an_intervention_without_kind_or_description_shows_each_error(client, alice, received, plan):
    client.force_login(alice)

    response = client.post(url(received, "care_plan_intervention_add"), date_fields("intervention-started_on", today()))

    body = text(response)
    assert '<a href="#id_intervention-kind">Choose the kind of intervention.</a>' in body
    assert '<a href="#id_intervention-description">Describe the intervention.</a>' in body
    assert not Intervention.objects.exists()


def test_an_intervention_starting_before_the_referral_shows_the_services_message(client, alice, received, plan):
    client.force_login(alice)

    response = client.post(
        url(received, "care_plan_intervention_add"),
        {
            "intervention-kind": "debt_advice",
            "intervention-description": "Citizens Advice",
            **date_fields("intervention-started_on", today() - timedelta(days=40)),
        },
    )

    assert '<a href="#id_intervention-started_on_day">This cannot be before the referral was received.</a>' in text(
        response
    )


def test_an_ended_referrals_plan_is_read_only(client, alice, received, plan):
    referral_close(referral=received, by=alice, now=timezone.now(), reason="declined")
    client.force_login(alice)

    page = text(client.get(url(received, "care_plan")))
    response = client.post(
        url(received, "care_plan_goal_add"),
        {"goal-description": "x", **date_fields("goal-review_date", today())},
        follow=True,
    )

    assert "it can no longer change" in page
    assert "Add a goal" not in page
    assert "can no longer change" in text(response)
    assert not CarePlanGoal.objects.exists()


# --- Outcomes ----------------------------------------------------------------------------------


def _score(referral, by, instrument, score, stage, days_ago=0):
    at = timezone.now() - timedelta(days=days_ago)
    return outcome_measure_record(
        referral=referral,
        by=by,
        now=timezone.now(),
        recorded_at=at,
        instrument=instrument,
        score=Decimal(score),
        stage=stage,
    )


def test_recording_a_score_adds_it_to_the_table(client, alice, received):
    client.force_login(alice)

    response = client.post(
        url(received, "outcomes"),
        {"instrument": "PHQ-9", "stage": "baseline", "score": "18", **date_fields("recorded_on", today())},
    )

    assert response.status_code == 302
    row = OutcomeMeasure.objects.get()
    assert (row.instrument, row.score, row.stage, row.recorded_by) == ("PHQ-9", Decimal("18"), "baseline", alice)
    body = text(client.get(url(received, "outcomes")))
    assert "PHQ-9 score of 18 recorded." in body
    assert "Only a baseline so far" in body


def test_the_change_table_reads_lower_phq9_as_better_and_lower_reqol_as_worse(client, alice, received):
    _score(received, alice, "PHQ-9", "18", "baseline", days_ago=8)
    _score(received, alice, "PHQ-9", "14", "review", days_ago=4)
    _score(received, alice, "PHQ-9", "9", "discharge")
    _score(received, alice, "ReQoL-10", "25", "baseline", days_ago=8)
    _score(received, alice, "ReQoL-10", "21.5", "review", days_ago=2)
    client.force_login(alice)

    body = text(client.get(url(received, "outcomes")))

    def row(instrument: str) -> str:
        start = body.index(f"<strong>{instrument}</strong>")
        return body[start : body.index("</tr>", start)]

    phq = row("PHQ-9")
    assert ">18<" in phq.replace("</span>", "<") or "18" in phq
    assert "-9" in phq and "Better" in phq
    reqol = row("ReQoL-10")
    assert "-3.5" in reqol and "Worse" in reqol


def test_a_score_outside_the_measures_range_is_refused(client, alice, received):
    client.force_login(alice)

    response = client.post(
        url(received, "outcomes"),
        {"instrument": "GAD-7", "stage": "review", "score": "30", **date_fields("recorded_on", today())},
    )

    assert '<a href="#id_score">GAD-7 scores run from 0 to 21.</a>' in text(response)
    assert not OutcomeMeasure.objects.exists()


def test_a_score_dated_before_the_referral_shows_the_services_message(client, alice, received):
    client.force_login(alice)

    response = client.post(
        url(received, "outcomes"),
        {
            "instrument": "CORE-10",
            "stage": "baseline",
            "score": "20",
            **date_fields("recorded_on", today() - timedelta(days=60)),
        },
    )

    assert '<a href="#id_recorded_on_day">This cannot be before the referral was received.</a>' in text(response)


def test_recording_with_htmx_returns_just_the_outcomes_block(client, alice, received):
    client.force_login(alice)

    response = client.post(
        url(received, "outcomes"),
        {"instrument": "DIALOG", "stage": "baseline", "score": "3.5", **date_fields("recorded_on", today())},
        **HTMX,
    )

    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="outcomes">')
    assert "DIALOG score of 3.5 recorded." in body
    assert "<strong>DIALOG</strong>" in body


def test_an_invalid_htmx_score_returns_the_block_with_its_errors(client, alice, received):
    client.force_login(alice)

    response = client.post(url(received, "outcomes"), {"instrument": "", "stage": "baseline"}, **HTMX)

    body = text(response)
    assert "<html" not in body
    assert "There is a problem" in body
    assert "Choose the outcome measure." in body and "Enter the score." in body


def test_the_score_history_is_paginated(client, alice, received):
    for i in range(25):
        _score(received, alice, "CORE-10", str(i), "review", days_ago=1)
    client.force_login(alice)

    first = text(client.get(url(received, "outcomes")))
    second = text(client.get(url(received, "outcomes") + "?page=2"))

    assert 'aria-label="Pagination"' in first
    assert first.count('aria-hidden="true">Date </span>') == 20
    assert second.count('aria-hidden="true">Date </span>') == 5


# --- Discharge ---------------------------------------------------------------------------------

DISCHARGE = {
    "reason": "goals_met",
    "note": "Keeps going to the allotment group; GP reviews medication in 3 months.",
    "return_route": "Self-refer to North IPCT within 6 months, or through the 24/7 line.",
}


def test_a_referral_not_yet_allocated_cannot_be_discharged(client, alice, received):
    client.force_login(alice)

    body = text(client.get(url(received, "discharge")))

    assert "This referral cannot be discharged yet" in body
    assert 'name="reason"' not in body


def test_continuing_shows_what_will_happen_and_saves_nothing(client, alice, bob, allocated):
    client.force_login(alice)

    response = client.post(url(allocated, "discharge"), DISCHARGE)

    assert response.status_code == 200
    body = text(response)
    assert "Check and confirm the discharge" in body
    assert "Goals met: back to self-care" in body
    assert "treatment (4-week wait) clock" in body
    assert f"{bob} (Synthetic Mind) stops holding" in body
    assert "North IPCT’s caseload" in body
    assert 'name="confirm" value="yes"' in body
    allocated.refresh_from_db()
    assert allocated.status == Referral.Status.ALLOCATED


def test_confirming_discharges_stops_the_clocks_and_ends_the_allocation(client, alice, allocated):
    client.force_login(alice)

    response = client.post(url(allocated, "discharge"), {**DISCHARGE, "confirm": "yes"})

    assert response.status_code == 302
    assert response["Location"] == url(allocated, "discharge")
    allocated.refresh_from_db()
    assert allocated.status == Referral.Status.DISCHARGED
    assert (allocated.discharge_reason, allocated.discharge_note, allocated.return_route) == (
        DISCHARGE["reason"],
        DISCHARGE["note"],
        DISCHARGE["return_route"],
    )
    assert not Clock.objects.filter(referral=allocated, is_current=True, stopped_at__isnull=True).exists()
    assert not Allocation.objects.filter(referral=allocated, ended_at__isnull=True).exists()
    page = text(client.get(url(allocated, "discharge")))
    assert "Discharged" in page and DISCHARGE["return_route"] in page


def test_missing_answers_show_the_error_summary_before_any_confirmation(client, alice, allocated):
    client.force_login(alice)

    response = client.post(url(allocated, "discharge"), {"reason": "goals_met"})

    body = text(response)
    assert "<title>Error: Discharge" in body
    assert '<a href="#id_note">Write the return-to-self-care plan.</a>' in body
    assert '<a href="#id_return_route">Say how the person can get back in touch.</a>' in body
    assert "Check and confirm" not in body


def test_change_answers_goes_back_to_the_form_filled_in(client, alice, allocated):
    client.force_login(alice)

    response = client.post(url(allocated, "discharge"), {**DISCHARGE, "confirm": "yes", "change": "yes"})

    body = text(response)
    assert "Check and confirm" not in body
    assert "Keeps going to the allotment group" in body
    assert 'value="goals_met" checked' in body
    allocated.refresh_from_db()
    assert allocated.status == Referral.Status.ALLOCATED


def test_confirming_a_referral_that_cannot_be_discharged_shows_why(client, alice, received):
    client.force_login(alice)

    response = client.post(url(received, "discharge"), {**DISCHARGE, "confirm": "yes"})

    assert response.status_code == 200
    assert "A referral that is received cannot become discharged." in text(response)
    received.refresh_from_db()
    assert received.status == Referral.Status.RECEIVED


def test_a_closed_referral_has_nothing_to_discharge(client, alice, received):
    referral_close(referral=received, by=alice, now=timezone.now(), reason="declined")
    client.force_login(alice)

    body = text(client.get(url(received, "discharge")))

    assert "This referral has ended" in body


# --- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("care_plan", "get"),
        ("care_plan", "post"),
        ("care_plan_goal_add", "post"),
        ("care_plan_intervention_add", "post"),
        ("outcomes", "get"),
        ("outcomes", "post"),
        ("discharge", "get"),
        ("discharge", "post"),
    ],
)
def test_someone_outside_the_referrals_team_gets_404(client, charlie, allocated, name, method):
    client.force_login(charlie)

    response = getattr(client, method)(url(allocated, name), {**DISCHARGE, "confirm": "yes"})

    assert response.status_code == 404
    allocated.refresh_from_db()
    assert allocated.status == Referral.Status.ALLOCATED


def test_the_link_worker_from_a_partner_organisation_can_use_the_pages(client, bob, allocated):
    client.force_login(bob)

    for name in ("care_plan", "outcomes", "discharge"):
        assert client.get(url(allocated, name)).status_code == 200


def test_signed_out_visitors_are_sent_to_log_in(client, received):
    response = client.get(url(received, "care_plan"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- Query counts ------------------------------------------------------------------------------


def _count(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


CARE_PLAN_QUERIES = 8
OUTCOMES_QUERIES = 5
DISCHARGE_QUERIES = 5


def test_the_care_plan_page_reads_the_same_queries_however_many_goals_and_interventions(
    client, alice, allocated, vcse, trust, django_assert_num_queries
):
    client.force_login(alice)
    now = timezone.now()
    plan = care_plan_record(referral=allocated, by=alice, now=now, agreed_at=now, summary="Plan")
    care_plan_goal_add(care_plan=plan, by=alice, now=now, description="One", review_date=today())
    intervention_record(referral=allocated, by=alice, now=now, started_at=now, description="One", provider=vcse)
    few = _count(client, url(allocated, "care_plan"))

    newer = care_plan_record(referral=allocated, by=alice, now=now, agreed_at=now, summary="Plan v2")
    for i in range(15):
        care_plan_goal_add(
            care_plan=newer if i % 2 else plan, by=alice, now=now, description=f"g{i}", review_date=today()
        )
        intervention_record(
            referral=allocated,
            by=alice,
            now=now,
            started_at=now,
            description=f"i{i}",
            provider=trust if i % 2 else vcse,
        )

    with django_assert_num_queries(CARE_PLAN_QUERIES):
        client.get(url(allocated, "care_plan"))
    assert few == CARE_PLAN_QUERIES


def test_the_outcomes_page_reads_the_same_queries_however_many_scores(
    client, alice, allocated, django_assert_num_queries
):
    client.force_login(alice)
    _score(allocated, alice, "PHQ-9", "18", "baseline")
    few = _count(client, url(allocated, "outcomes"))

    for i, instrument in enumerate(["PHQ-9", "GAD-7", "CORE-10", "ReQoL-10"] * 10):
        _score(allocated, alice, instrument, str(i % 20), "review" if i % 3 else "baseline")

    with django_assert_num_queries(OUTCOMES_QUERIES):
        client.get(url(allocated, "outcomes"))
    assert few == OUTCOMES_QUERIES


def test_the_discharge_pages_read_a_fixed_number_of_queries(client, alice, allocated, django_assert_num_queries):
    client.force_login(alice)

    with django_assert_num_queries(DISCHARGE_QUERIES):
        client.get(url(allocated, "discharge"))
    with django_assert_num_queries(DISCHARGE_QUERIES):
        client.post(url(allocated, "discharge"), DISCHARGE)
