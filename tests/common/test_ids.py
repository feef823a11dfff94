"""common.ids: a column among a short list of ids, planned as one (issue 17)."""

import pytest
from django.db import connection

from common.ids import AmongIds
from localities.models import Team
from tests.factories import LocalityFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams() -> list[Team]:
    north, south = LocalityFactory(code="n"), LocalityFactory(code="s")
    return [TeamFactory(locality=north), TeamFactory(locality=north), TeamFactory(locality=south), TeamFactory()]


def test_it_keeps_the_rows_in_takes_whatever_the_ids_are(teams):
    first, second, third, without = teams
    cases = [
        Team.objects.filter(pk__in=[first.pk, third.pk]).values("pk"),
        # A UNION, as access.selectors builds a user's visible ids.
        Team.objects.filter(pk=first.pk).values("pk").union(Team.objects.filter(locality__code="s").values("pk")),
        Team.objects.filter(locality__isnull=True).values("locality_id"),  # a NULL id matches nothing
        Team.objects.none().values("pk"),
    ]
    for ids in cases:
        among = set(Team.objects.filter(AmongIds("pk", ids)).values_list("pk", flat=True))
        assert among == set(Team.objects.filter(pk__in=ids).values_list("pk", flat=True))
    assert {t.pk for t in Team.objects.filter(AmongIds("pk", cases[1]))} == {first.pk, third.pk}
    assert not Team.objects.filter(AmongIds("pk", cases[3])).exists()


def test_it_combines_with_other_conditions_and_on_a_foreign_key(teams):
    first, second, third, _ = teams
    north = Team.objects.filter(pk=first.pk).values("locality_id")
    found = Team.objects.filter(AmongIds("locality_id", north), name=second.name)

    assert list(found) == [second]


def test_on_postgresql_the_ids_are_made_once_and_each_looked_up():
    sql, _ = Team.objects.filter(AmongIds("pk", Team.objects.filter(name="x").values("pk"))).query.sql_with_params()

    assert connection.vendor == "postgresql"
    assert '"localities_team"."id" = ANY(ARRAY(SELECT' in sql
