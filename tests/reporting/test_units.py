"""The small pieces: suppression, centiles, weeks, charts and the filter form (CSV cells: tests/common)."""

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.template import Context, Template

from common.london import london_midnight
from reporting.charts import Series, bar_chart, line_chart
from reporting.filters import DashboardFilterForm, Filters, parse_date_parts
from reporting.percentiles import interpolate
from reporting.periods import Period, WeekFinder, period_for_preset
from reporting.suppression import count, derived, rate, statistic


@pytest.mark.parametrize(("n", "shown"), [(0, "0"), (1, "*"), (7, "*"), (8, "8"), (1234, "1,234")])
def test_counts_from_1_to_7_are_suppressed(n, shown):
    assert count(n).text == shown


@pytest.mark.parametrize(
    ("numerator", "denominator", "shown"),
    [(8, 10, "80.0%"), (7, 10, "*"), (8, 7, "*"), (0, 10, "0.0%"), (0, 0, "–"), (9, 9, "100.0%"), (1, 3, "*")],
)
def test_a_rate_is_withheld_when_either_side_is_small(numerator, denominator, shown):
    assert rate(numerator, denominator).text == shown


def test_a_statistic_of_a_small_group_is_withheld_and_an_empty_one_is_a_dash():
    assert statistic(3600.0, 5).text == "*"
    assert statistic(None, 0).text == "–"
    assert statistic(2.25, 8, formatter=lambda v: f"{v:.1f}").text == "2.2"  # float formatting, then shown
    assert derived(6.0, inputs=(24, 16)).text == "6.0"
    assert derived(6.0, inputs=(24, 3)).text == "*"


def test_rates_round_half_up_like_a_person_would():
    assert rate(10, 80, places=1).text == "12.5%"
    assert rate(20, 160, places=0).text == "13%"  # 12.5 rounds up, not to even


def test_interpolation_is_percentile_cont():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 30]
    assert interpolate(values, 0.5) == 5.5
    assert interpolate(values, 0.9) == pytest.approx(11.1)
    assert interpolate([42], 0.9) == 42
    assert interpolate([], 0.5) is None


@pytest.mark.django_db
def test_python_centiles_match_postgresql_percentile_cont():
    values = [17, 3, 99, 42, 8, 8, 61, 5, 1000, 23, 4]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(ARRAY[0.1, 0.5, 0.9, 0.99]::float8[]) WITHIN GROUP (ORDER BY v) FROM unnest(%s) AS v",
            [values],
        )
        expected = cursor.fetchone()[0]
    assert [interpolate(sorted(values), f) for f in (0.1, 0.5, 0.9, 0.99)] == pytest.approx(expected)


def test_a_period_is_whole_london_days_across_the_clocks_changing():
    period = Period(first_day=date(2026, 3, 29), last_day=date(2026, 3, 29))  # 23 hours long
    assert period.start == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)  # midnight BST
    assert london_midnight(date(2026, 10, 26)) == datetime(2026, 10, 26, 0, 0, tzinfo=UTC)


def test_trend_weeks_are_the_whole_weeks_that_have_ended():
    period = Period(first_day=date(2026, 3, 4), last_day=date(2026, 3, 16))
    now = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)
    assert period.trend_weeks(now) == [date(2026, 3, 2), date(2026, 3, 9)]
    assert period_for_preset("4w", today=date(2026, 3, 16)).first_day == date(2026, 2, 17)


def test_the_week_finder_agrees_with_the_calendar_around_both_changes():
    weeks = WeekFinder()
    for instant, monday in (
        (datetime(2026, 3, 29, 22, 59, tzinfo=UTC), date(2026, 3, 23)),  # Sunday 23:59 BST
        (datetime(2026, 3, 29, 23, 0, tzinfo=UTC), date(2026, 3, 30)),  # Monday 00:00 BST
        (datetime(2026, 10, 25, 23, 59, tzinfo=UTC), date(2026, 10, 19)),  # Sunday 23:59 GMT
        (datetime(2026, 10, 26, 0, 0, tzinfo=UTC), date(2026, 10, 26)),
        (datetime(2020, 1, 1, tzinfo=UTC), date(2019, 12, 30)),  # far back, after the others
    ):
        assert weeks(instant) == monday


def test_charts_are_well_formed_accessible_svg_with_gaps_for_withheld_values():
    svg = line_chart(
        key="k",
        title="Waits <& more>",
        labels=["1 Jan", "8 Jan", "15 Jan"],
        series=[Series("Median", [1.0, None, 3.0])],
    )
    root = ET.fromstring(str(svg))
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img" and root.get("aria-labelledby") == "k-title k-desc"
    assert root.find(f"{ns}title").text == "Waits <& more>"
    assert len(root.findall(f"{ns}polyline")) == 2  # the gap splits the line
    bars = ET.fromstring(str(bar_chart(key="b", title="By group", labels=["A", "B"], values=[5, None])))
    assert len(bars.findall(f"{ns}rect")) == 1


def test_a_long_team_name_in_a_bar_chart_is_shown_whole_on_as_many_lines_as_it_needs():
    name = "Bristol North and West Integrated Primary and Community Mental Health Team"
    svg = ET.fromstring(str(bar_chart(key="b", title="Breaches", labels=[name, "Weston IPCT"], values=[7, 3])))
    ns = "{http://www.w3.org/2000/svg}"
    label = next(t for t in svg.findall(f"{ns}text") if t.find(f"{ns}tspan") is not None)
    lines = [span.text for span in label.findall(f"{ns}tspan")]

    assert " ".join(lines) == name
    assert len(lines) > 1 and all(len(line) <= 34 for line in lines)
    # The second bar starts below the first row's last line, so names never overlap.
    first, second = (float(r.get("y")) for r in svg.findall(f"{ns}rect"))
    assert second - first >= 14 * len(lines)


def test_dates_are_three_boxes_and_each_mistake_has_its_message():
    assert parse_date_parts("1", "4", "2026") == date(2026, 4, 1)
    assert parse_date_parts("", "", "") is None
    for parts, message in (
        (("1", "", "2026"), "Enter a day, a month and a year."),
        (("1", "4", "26"), "four-digit year"),
        (("31", "2", "2026"), "Enter a real date."),
        (("x", "4", "2026"), "as numbers"),
    ):
        with pytest.raises(ValueError, match=message):
            parse_date_parts(*parts)


@pytest.mark.django_db
def test_the_form_gives_filters_and_a_period(north_team):
    form = DashboardFilterForm(
        {"team": str(north_team.pk), "urgency": "routine", "period": "52w"}, today=date(2026, 3, 16)
    )
    assert form.chosen_filters() == Filters(team_id=north_team.pk, urgency="routine")
    assert form.chosen_period() == Period(date(2025, 3, 18), date(2026, 3, 16), preset="52w")
    assert Filters(team_id=1).single() == ("team_id", "1")
    assert Filters(team_id=1, urgency="routine").single() is None
    assert Filters().single() == ("", "")
    backwards = DashboardFilterForm(
        {"from-day": "2", "from-month": "3", "from-year": "2026", "to-day": "1", "to-month": "3", "to-year": "2026"},
        today=date(2026, 3, 16),
    )
    assert backwards.chosen_period().preset == "13w"
    assert backwards.errors == {"to": ["The end date must be on or after the start date."]}


@pytest.mark.django_db
def test_the_filter_form_draws_as_nhs_fields_with_the_names_dashboard_links_use(north_team):
    form = DashboardFilterForm(
        {"from-day": "31", "from-month": "2", "from-year": "2026", "team": "nope"}, today=date(2026, 3, 16)
    )
    html = Template(
        "{% load nhsuk %}{% nhsuk_field form.period %}{% nhsuk_field form.from hint=form.date_hints.from %}"
        "{% nhsuk_field form.team %}"
    ).render(Context({"form": form}))

    assert form.chosen_period().preset == "13w"  # a bad date falls back to the preset, which is shown chosen
    assert '<option value="13w" selected>Last 13 weeks</option>' in html
    assert 'id="from-day" name="from-day" type="text" inputmode="numeric" value="31"' in html  # as typed
    assert form.errors == {"from": ["Enter a real date."], "team": ["Choose from the list."]}
    assert 'id="from-error"' in html and 'id="id_team-error"' in html
    assert '<div class="nhsuk-hint" id="from-hint">For example, 16 12 2025</div>' in html  # the period in force
