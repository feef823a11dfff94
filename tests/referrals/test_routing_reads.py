"""Intake reads the GP practice with its locality and intake team in one written-out query (issue
17); routing from that practice says what routing from a practice read plainly says."""

import pytest

from localities.models import Locality, Practice, Team
from localities.selectors import practice_with_route, route_for
from tests.factories import LocalityFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def as_stored(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_a_practice_comes_with_its_locality_and_intake_team_as_stored(north_team, north_practice):
    practice = practice_with_route("L81001")

    assert practice is not None
    assert as_stored(practice) == as_stored(Practice.objects.get(pk=north_practice.pk))
    assert as_stored(practice.locality) == as_stored(Locality.objects.get(pk=north_practice.locality_id))
    assert as_stored(practice.locality.intake_team) == as_stored(Team.objects.get(pk=north_team.pk))


def test_routing_from_the_practice_read_with_its_route_reads_nothing_more(
    north_team, north_practice, django_assert_num_queries
):
    practice = practice_with_route("L81001")

    with django_assert_num_queries(0):
        route = route_for(practice=practice, postcode="")

    plain = route_for(practice=Practice.objects.get(pk=north_practice.pk), postcode="")
    assert route == plain
    assert (route.locality, route.team, route.reason) == (north_practice.locality, north_team, "GP practice L81001")


def test_a_practice_whose_locality_has_no_intake_team_routes_to_the_locality_alone(django_assert_num_queries):
    PracticeFactory(ods_code="Y12345", locality=LocalityFactory(name="Unstaffed", code="unstaffed"))

    practice = practice_with_route("Y12345")

    assert practice is not None and practice.locality.intake_team is None
    with django_assert_num_queries(0):
        assert route_for(practice=practice, postcode="").team is None
    assert route_for(practice=Practice.objects.get(ods_code="Y12345"), postcode="").team is None


def test_no_practice_has_an_unknown_code():
    assert practice_with_route("Z99999") is None


def test_a_practice_moved_to_another_locality_since_it_was_read_is_routed_by_its_new_one(
    north_team, north_practice, south, south_team
):
    practice = practice_with_route("L81001")
    practice.locality_id = south.pk  # Django drops the locality read with it: routing reads the new one

    route = route_for(practice=practice, postcode="")

    assert (route.locality, route.team) == (south, south_team)
