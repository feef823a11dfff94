"""A search with no parameter, for a reader of a team's referrals, looks for its page first among
the first rows of the whole table in the search's order, testing each row on its own, and reads
the reader's whole set only when those rows do not hold the page (``selectors.page_ids``). Either
way the pages are the ones the whole set gives (issue 17: 1.0 s for a service's clinician at a
million, docs/performance.md "FHIR searches with no parameter")."""

from datetime import timedelta

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from interchange.fhir import selectors
from interchange.fhir.served import SERVED
from referrals.models import Clock, Person

from .conftest import entries, fhir
from .test_query_counts import _referral_with_a_contact

BY_TYPE = {s.type: s for s in SERVED}
TYPES = ["Patient", "ServiceRequest", "EpisodeOfCare", "Encounter", "Task", "Observation"]


@pytest.fixture
def interleaved(frozen, alice, charlie, north_practice, south_practice):
    """Eight referrals, each with a contact, clocks and a score, a minute apart, North and South
    in turn: alice (North's clinician) sees every other row of each table."""
    for n in range(8):
        if n % 2:
            _referral_with_a_contact(charlie, south_practice)
        else:
            _referral_with_a_contact(alice, north_practice)
        frozen.shift(timedelta(minutes=1))
    for n, person in enumerate(Person.objects.order_by("pk")):  # names in the same turn (Patient's order)
        person.family_name = f"Family{n:02d}"
        person.save(update_fields=["family_name"])


def _whole_set_order(resource: str, user) -> list[str]:
    """The reader's rows in the search's order, read from their whole set (as before the walk)."""
    served = BY_TYPE[resource]
    matches = served.search(served.visible(user), QueryDict())
    return [str(pk) for pk in matches.order_by(*served.ordering).values_list("pk", flat=True)]


def test_the_types_walked_are_those_whose_order_an_index_keeps(alice):
    """Care plans and consents (no index in their order), and staff, teams and organisations (not
    about referrals), are always read from the whole set."""
    walked = sorted(s.type for s in SERVED if s.visible(alice).each_tested() is not None)
    assert walked == sorted(TYPES)


@pytest.mark.usefixtures("interleaved")
@pytest.mark.parametrize("walked", [1, 2, 3, 5, 1_000])
@pytest.mark.parametrize("resource", TYPES)
def test_every_page_is_the_whole_sets_page_however_far_the_walk_reaches(
    client_for, alice, monkeypatch, resource, walked
):
    monkeypatch.setattr(selectors, "WALKED", walked)
    expected = _whole_set_order(resource, alice)
    assert len(expected) >= 4, expected  # not vacuous: alice sees some of each, not all
    client = client_for(alice)
    for count in (1, 2, 3):
        for page in range(1, len(expected) // count + 3):
            bundle = fhir(client.get(f"/fhir/{resource}?_count={count}&page={page}"))
            got = [r["id"] for r in entries(bundle)]
            assert got == expected[(page - 1) * count : page * count], (resource, walked, count, page)


@pytest.mark.usefixtures("interleaved")
@pytest.mark.parametrize("resource", TYPES)
def test_a_teams_reader_reads_the_first_page_by_walking_and_falls_back_when_the_walk_is_short(
    alice, monkeypatch, resource
):
    served = BY_TYPE[resource]
    visible = served.visible(alice)
    each = visible.each_tested()
    assert each is not None
    matches, walked = served.search(visible, QueryDict()), served.search(each, QueryDict())

    def read(stop: int) -> tuple[list[str], list[int]]:
        with CaptureQueriesContext(connection) as queries:
            got = selectors.page_ids(matches, walked, ordering=served.ordering, start=0, stop=stop)
        return [q["sql"] for q in queries.captured_queries], got

    monkeypatch.setattr(selectors, "WALKED", 1_000)
    sqls, got = read(3)
    assert len(sqls) == 1 and "EXISTS" in sqls[0] and "UNION" not in sqls[0], sqls
    assert [str(pk) for pk in got] == _whole_set_order(resource, alice)[:3]
    # The first two rows of the table hold at most one of alice's: three cannot be there.
    monkeypatch.setattr(selectors, "WALKED", 2)
    sqls, got = read(3)
    assert len(sqls) == 2 and "EXISTS" in sqls[0] and "UNION" in sqls[1], sqls
    assert [str(pk) for pk in got] == _whole_set_order(resource, alice)[:3]


@pytest.mark.usefixtures("interleaved")
@pytest.mark.parametrize("resource", TYPES)
def test_a_search_about_one_patient_is_read_as_it_always_was(client_for, alice, resource):
    """Narrowed inside the rules to the patient's referrals already: no walk, no query more."""
    served = BY_TYPE[resource]
    person = Person.objects.filter(referrals__team__memberships__user=alice).order_by("pk").first()
    assert person is not None
    params = QueryDict(f"_id={person.pk}" if resource == "Patient" else f"patient={person.pk}")
    each = served.visible(alice).each_tested()
    assert each is not None
    assert served.search(each, params).query.is_empty()
    with CaptureQueriesContext(connection) as queries:
        bundle = fhir(client_for(alice).get(f"/fhir/{resource}?{params.urlencode()}"))
    assert entries(bundle), resource  # not vacuous: the patient's rows are found
    assert not any(
        "EXISTS" in q["sql"] and "LIMIT" in q["sql"] and "COALESCE" in q["sql"] for q in queries.captured_queries
    )


@pytest.mark.usefixtures("interleaved")
def test_a_reader_of_a_short_set_never_walks(bob, intake, alice):
    """A link worker's or intake's set is short, hashed once: no walk (``each_referral_tested``)."""
    for user in (bob, intake):
        for resource in TYPES:
            assert BY_TYPE[resource].visible(user).each_tested() is None, (user, resource)
    assert BY_TYPE["CarePlan"].visible(alice).each_tested() is None


@pytest.mark.usefixtures("interleaved")
def test_an_order_led_by_a_column_that_may_be_empty_is_never_walked(alice):
    """PostgreSQL puts NULLs first when descending, so the rows up to a value are no prefix of the
    order: such an order is read from the whole set whatever ``each_tested`` offers."""
    served = BY_TYPE["Task"]
    visible = served.visible(alice)
    each = visible.each_tested()
    assert each is not None
    matches, walked = served.search(visible, QueryDict()), served.search(each, QueryDict())
    ordering = ("-paused_at", "pk")  # paused_at is empty for every clock running
    with CaptureQueriesContext(connection) as queries:
        got = selectors.page_ids(matches, walked, ordering=ordering, start=0, stop=3)
    assert len(queries.captured_queries) == 1 and "UNION" in queries.captured_queries[0]["sql"]
    assert got == list(matches.order_by(*ordering).values_list("pk", flat=True)[:3])
    assert Clock.objects.filter(paused_at__isnull=True).exists()
