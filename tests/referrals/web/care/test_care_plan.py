"""Journey 7: the care plan, its goals and interventions."""

from datetime import timedelta

from django.utils import timezone

from referrals.models import CarePlan, CarePlanGoal, Intervention
from referrals.services import (
    care_plan_goal_add,
    care_plan_record,
    referral_close,
)

from .conftest import date_fields, text, today, url

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
