"""The pathway pages: the journey on the person page, entering, moving and leaving, the
alternative offered to someone outside the eligibility, who is on which tier, and who may see what."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pathways.models import Placement, Step
from pathways.services import pathway_step_up
from referrals.models import Referral
from tests.factories import make_placement

pytestmark = pytest.mark.django_db


def test_the_person_page_shows_the_pathway_journey(client, cen, adult_referral):
    make_placement(service=cen, referral=adult_referral, now=timezone.now(), reason="Brief intervention agreed.")
    client.force_login(cen.clinician)

    page = client.get(f"/people/{adult_referral.person_id}/").content.decode()

    assert 'id="pathway"' in page
    assert "Complex emotional needs, CEN Service" in page
    assert "Now on tier 1+" in page
    assert "Reason: Brief intervention agreed." in page
    assert f"Referral {adult_referral.reference}." in page  # the place names its referral
    pathway_page = client.get(f"/pathways/people/{adult_referral.person_id}/").content.decode()
    assert f"Referral {adult_referral.reference}." in pathway_page


def test_the_person_page_runs_as_many_queries_whatever_the_length_of_the_journey(
    client, cen, adult_referral, django_assert_max_num_queries
):
    now = timezone.now()
    placement = make_placement(service=cen, referral=adult_referral, now=now - timedelta(days=3))
    client.force_login(cen.clinician)
    url = f"/people/{adult_referral.person_id}/"
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as short:
        client.get(url)
    for days, tier in ((2, 1), (1, 2)):
        pathway_step_up(
            placement=placement, to_tier=cen.tiers[tier], by=cen.clinician, now=now - timedelta(days=days), reason="Up."
        )
    with django_assert_max_num_queries(len(short.captured_queries)):
        client.get(url)


def test_entering_someone_on_a_tier_from_the_page(client, cen, adult_referral):
    client.force_login(cen.clinician)
    url = f"/pathways/{cen.pathway.pk}/people/{adult_referral.person_id}/enter/"
    assert 'name="tier"' in client.get(url).content.decode()

    response = client.post(
        url,
        {"referral": adult_referral.pk, "tier": cen.tiers[1].pk, "reason": "Structured clinical management agreed."},
    )

    assert response.status_code == 302
    placement = Placement.objects.get(person=adult_referral.person)
    assert placement.tier == cen.tiers[1]
    assert placement.steps.get().by == cen.clinician


def test_someone_too_young_is_offered_the_alternative_with_a_warm_handover_not_turned_away(client, cen, young_referral):
    client.force_login(cen.clinician)

    page = client.get(f"/pathways/{cen.pathway.pk}/people/{young_referral.person_id}/enter/").content.decode()

    assert "The alternative: Young People&#x27;s Service" in page
    assert "Sky Example is 15" in page
    handover_url = f"/pathways/{cen.pathway.pk}/referrals/{young_referral.pk}/handover/"
    assert handover_url in page
    assert 'name="tier"' not in page  # no form to enter them: the alternative instead

    response = client.post(handover_url, {"note": "Sky is 15; same support there.", "person_informed": "on"})

    assert response.status_code == 302
    referral = Referral.objects.get(pk=young_referral.pk)
    assert referral.team == cen.young_people
    assert referral.handoffs.get(to_team=cen.young_people).note == "Sky is 15; same support there."


def test_a_handover_without_a_note_is_refused_and_nothing_moves(client, cen, young_referral):
    client.force_login(cen.clinician)

    response = client.post(f"/pathways/{cen.pathway.pk}/referrals/{young_referral.pk}/handover/", {"note": ""})

    assert response.status_code == 400
    assert "Write a handover note" in response.content.decode()
    assert Referral.objects.get(pk=young_referral.pk).team == cen.team


def test_stepping_up_and_leaving_to_self_care_from_the_pages(client, cen, adult_referral):
    placement = make_placement(service=cen, referral=adult_referral, now=timezone.now() - timedelta(days=2))
    client.force_login(cen.clinician)

    response = client.post(
        f"/pathways/places/{placement.pk}/move/", {"to_tier": cen.tiers[2].pk, "reason": "Risk has risen."}
    )
    assert response.status_code == 302
    assert Step.objects.filter(placement=placement, kind=Step.Kind.STEP_UP).exists()

    leave_url = f"/pathways/places/{placement.pk}/leave/"
    assert "What happens when you confirm" in client.get(leave_url).content.decode()
    response = client.post(leave_url, {"reason": "Goals met."})
    assert response.status_code == 302
    placement.refresh_from_db()
    assert placement.left_at is not None and placement.tier is None


def test_a_move_without_a_reason_is_refused_with_the_reason_asked_for(client, cen, adult_referral):
    placement = make_placement(service=cen, referral=adult_referral, now=timezone.now())
    client.force_login(cen.clinician)

    response = client.post(f"/pathways/places/{placement.pk}/move/", {"to_tier": cen.tiers[1].pk, "reason": ""})

    assert response.status_code == 400
    assert "Write the reason for the decision" in response.content.decode()
    assert Placement.objects.get(pk=placement.pk).tier == cen.tiers[0]


def test_someone_who_may_not_see_the_person_gets_404_everywhere(client, cen, adult_referral, charlie):
    placement = make_placement(service=cen, referral=adult_referral, now=timezone.now())
    client.force_login(charlie)

    for url in (
        f"/pathways/people/{adult_referral.person_id}/",
        f"/pathways/{cen.pathway.pk}/people/{adult_referral.person_id}/enter/",
        f"/pathways/places/{placement.pk}/move/",
        f"/pathways/places/{placement.pk}/leave/",
        f"/pathways/{cen.pathway.pk}/referrals/{adult_referral.pk}/handover/",
    ):
        assert client.get(url).status_code == 404, url


def test_staff_outside_the_service_cannot_move_people_along_its_pathway(client, cen, adult_referral, alice, bob):
    """alice sent Robin to the service; bob holds nothing of theirs: neither works in it."""
    placement = make_placement(service=cen, referral=adult_referral, now=timezone.now())
    client.force_login(alice)

    assert client.get(f"/pathways/places/{placement.pk}/move/").status_code == 404
    assert client.post(f"/pathways/places/{placement.pk}/leave/", {"reason": "x"}).status_code == 404
    assert Placement.objects.get(pk=placement.pk).left_at is None


def test_the_team_page_shows_who_is_on_which_tier(client, cen, adult_referral, young_referral, alice, north_practice):
    make_placement(service=cen, referral=adult_referral, tier=1, now=timezone.now())
    client.force_login(cen.clinician)

    page = client.get("/team/", {"team": cen.team.pk}).content.decode()

    assert "Who is on which tier" in page
    assert "Tier 2: Structured clinical management</a>: 1 person" in page
    assert "Tier 1+: Understanding and managing emotions</a>: 0 people" in page

    tier_page = client.get(f"/pathways/{cen.pathway.pk}/tiers/{cen.tiers[1].pk}/").content.decode()
    assert "Robin Example" in tier_page


def test_the_tier_list_names_only_people_the_user_may_see(client, cen, adult_referral, charlie):
    make_placement(service=cen, referral=adult_referral, now=timezone.now())
    client.force_login(charlie)

    page = client.get(f"/pathways/{cen.pathway.pk}/tiers/{cen.tiers[0].pk}/").content.decode()

    assert "Robin Example" not in page
    assert "Nobody you may see is on this tier now" in page


def test_the_pathway_page_shows_tiers_interventions_eligibility_and_alternative(client, cen, alice):
    client.force_login(alice)

    page = client.get(f"/pathways/{cen.pathway.pk}/").content.decode()

    assert "People aged 16 and over" in page
    assert "Young People&#x27;s Service" in page
    assert "Dialectical behaviour therapy (DBT)" in page
    assert "is live in every locality" in page
