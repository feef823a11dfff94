"""A read or a search about one patient, referral or owner narrows the access rules to those
referrals first (``selectors.Visible``, ``referrals_visible_to``'s ``among``): it finds exactly
what filtering everything the reader may see finds, and never builds the reader's whole visible
set (the UNION) to do it (docs/adr/0006 "Performance", docs/adr/0011)."""

import pytest
from django.db.models import Q
from django.http import QueryDict

from interchange.fhir.search import _owner_condition
from interchange.fhir.served import SERVED
from referrals.models import CarePlan, Clock, Contact, OutcomeMeasure, Referral, SharingConsent
from tests.factories import make_allocated_referral, make_closed_referral, make_referral

from .conftest import T0
from .test_query_counts import _referral_with_a_contact

pytestmark = pytest.mark.usefixtures("frozen")

SERVED_BY_TYPE = {s.type: s for s in SERVED}


@pytest.fixture
def records(alice, bob, charlie, north_practice, south_practice):
    """North: one received, one held by bob, one closed, each with a contact, score, plan and
    consent; South: one of charlie's."""
    for practice, by in ((north_practice, alice), (north_practice, alice), (south_practice, charlie)):
        _referral_with_a_contact(by, practice)
    make_allocated_referral(by=alice, now=T0, link_worker=bob, practice=north_practice)
    make_closed_referral(by=alice, now=T0, practice=north_practice)
    return list(Referral.objects.order_by("pk"))


def _about(resource: str, q: Q) -> Q:
    """The same condition on a referral, as a condition on the resource's rows."""
    if resource == "Patient":
        return Q(pk__in=Referral.objects.filter(q).values("person_id"))
    if resource in ("ServiceRequest", "EpisodeOfCare"):
        return Q(pk__in=Referral.objects.filter(q).values("pk"))
    if resource == "Consent":
        return Q(person_id__in=Referral.objects.filter(q).values("person_id"))
    return Q(referral_id__in=Referral.objects.filter(q).values("pk"))


def _searches(records) -> list[tuple[str, str, Q]]:
    """(resource, query string, the same condition on the referral)."""
    searches = []
    for referral in records:
        p, r = referral.person_id, referral.pk
        searches += [
            ("Patient", f"_id={p}", Q(person_id=p)),
            ("ServiceRequest", f"patient=Patient/{p}", Q(person_id=p)),
            ("ServiceRequest", f"_id={r}", Q(pk=r)),
            ("EpisodeOfCare", f"patient={p}", Q(person_id=p)),
            ("EpisodeOfCare", f"incoming-referral=ServiceRequest/{r}", Q(pk=r)),
            ("Encounter", f"patient={p}", Q(person_id=p)),
            ("Encounter", f"based-on=ServiceRequest/{r}", Q(pk=r)),
            ("Task", f"patient={p}", Q(person_id=p)),
            ("Task", f"focus=ServiceRequest/{r}", Q(pk=r)),
            ("Observation", f"patient={p}", Q(person_id=p)),
            ("CarePlan", f"patient={p}", Q(person_id=p)),
            ("Consent", f"patient={p}", Q(person_id=p)),
        ]
    for referral in records:
        owners = [f"HealthcareService/{referral.team_id}"]
        if referral.allocated_to_id:
            owners.append(f"Practitioner/{referral.allocated_to_id}")
        searches += [("Task", f"owner={owner}", _owner_condition([owner])) for owner in owners]
    return searches


@pytest.mark.parametrize("reader", ["alice", "bob", "tina", "charlie", "sam", "intake"])
def test_a_narrowed_search_finds_what_filtering_everything_visible_finds(request, records, reader):
    user = request.getfixturevalue(reader)
    for resource, query, condition in _searches(records):
        served = SERVED_BY_TYPE[resource]
        visible = served.visible(user)
        found = served.search(visible, QueryDict(query))
        expected = visible.among(None).filter(_about(resource, condition))
        assert sorted(found.values_list("pk", flat=True)) == sorted(expected.values_list("pk", flat=True)), (
            reader,
            resource,
            query,
        )
        assert " UNION " not in str(found.query), (resource, query)


ROWS = {
    "Patient": None,
    "ServiceRequest": Referral,
    "EpisodeOfCare": Referral,
    "Encounter": Contact,
    "Task": Clock,
    "Observation": OutcomeMeasure,
    "CarePlan": CarePlan,
    "Consent": SharingConsent,
}


@pytest.mark.parametrize("reader", ["alice", "bob", "charlie", "sam"])
def test_a_read_is_narrowed_to_the_one_row_and_agrees_with_everything_visible(request, records, reader):
    user = request.getfixturevalue(reader)
    for resource, model in ROWS.items():
        served = SERVED_BY_TYPE[resource]
        visible = served.visible(user)
        everything = set(visible.among(None).values_list("pk", flat=True))
        pks = (
            [r.person_id for r in records]
            if model is None
            else list(model._default_manager.values_list("pk", flat=True).order_by("pk"))
        )
        for pk in pks:
            one = visible.one(pk)
            assert list(one.values_list("pk", flat=True)) == ([pk] if pk in everything else []), (resource, pk)
            assert " UNION " not in str(one.query), resource


def test_a_search_about_nobody_in_particular_still_lists_everything_visible(alice, north_practice):
    make_referral(by=alice, practice=north_practice)
    served = SERVED_BY_TYPE["ServiceRequest"]
    found = served.search(served.visible(alice), QueryDict("status=active"))
    assert found.count() == 1 and " UNION " in str(found.query)
