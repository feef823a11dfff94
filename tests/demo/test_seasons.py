"""The demo's referrals arrive over a whole year, with a season, so a year's dashboard has no
empty weeks and a believable shape (quieter in August and at Christmas, busier in the autumn)."""

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from demo.journeys import Planner, seasonal_weight

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def draws(n: int) -> list[datetime]:
    planner = Planner(
        rng=random.Random(7), now=NOW, cast=None, response_targets={}, treatment_target=timedelta(days=28)
    )
    return [planner._received_at("self") for _ in range(n)]  # the line and self-referrals never close


def test_referrals_arrive_in_every_week_of_the_last_year_and_never_before_or_after_it():
    arrivals = draws(2000)

    assert all(NOW - timedelta(days=365) <= at <= NOW for at in arrivals)
    weeks = Counter((NOW - at).days // 7 for at in arrivals)
    assert all(weeks[w] > 0 for w in range(52))


def test_august_and_christmas_are_quieter_and_the_autumn_busier():
    by_month = Counter(timezone.localtime(at).month for at in draws(20000))

    assert by_month[8] < 0.85 * by_month[10]
    assert seasonal_weight(date(2025, 12, 27), years_ago=0.9) < 0.6 * seasonal_weight(date(2025, 12, 10), years_ago=0.9)


def test_demand_grows_a_little_over_the_year():
    assert seasonal_weight(date(2026, 11, 3), years_ago=0.1) > seasonal_weight(date(2025, 11, 4), years_ago=1.0)
