"""Equality of access: each group's waits, with "not stated" shown and small numbers suppressed."""

import pytest

from tests.reporting.conftest import PERIOD, csv_table, page_tables, row

pytestmark = pytest.mark.django_db

URL = "/dashboard/equality/"


def test_ethnicity_breakdown_shows_each_group_with_not_stated_and_suppression(client, tina, service, at_now):
    """Referrals 1 to 9 (White British) had first responses at 1 to 9 hours: median 5.0 hours, all
    within 24 hours. 10 to 12 did not state their ethnicity: 3, a small number. 13 is the only
    Black Caribbean referral. Every other group is an honest 0."""
    client.force_login(tina)

    response = client.get(URL, {**PERIOD, "by": "ethnicity"})

    table = page_tables(response)["by-ethnicity"]
    white = row(table, "White: British")
    assert white["Referrals received"] == "9"
    assert white["First responses completed"] == "9"
    assert white["First response within target (%)"] == "100.0%"
    assert white["Median wait to first response"] == "5.0 hours"
    assert white["Treatments started"] == "9"
    assert white["Median wait to treatment"] == "18.0 days"
    assert white["Treatment within 4 weeks (%)"] == "88.9%"  # 8 of 9: the 30-day one was late
    not_stated = row(table, "Not stated")
    assert not_stated["Referrals received"] == "*"
    assert not_stated["First response within target (%)"] == "*"
    assert not_stated["Median wait to first response"] == "*"
    assert row(table, "Black or Black British: Caribbean")["Referrals received"] == "*"
    assert row(table, "Other ethnic groups: Chinese")["Referrals received"] == "0"
    assert row(table, "Other ethnic groups: Chinese")["Median wait to first response"] == "–"
    assert [cells[0] for cells in table[1:]][-1] == "Not stated"  # listed, last, never hidden


def test_the_equality_csv_is_the_table_on_the_page(client, tina, service, at_now):
    client.force_login(tina)
    params = {**PERIOD, "by": "ethnicity"}
    tables = page_tables(client.get(URL, params))

    for key in ("by-ethnicity", "chart-within-4-weeks", "chart-median-treatment"):
        assert csv_table(client, URL, params, key) == tables[key]


def test_age_bands_come_from_the_date_of_birth_on_the_day_of_referral(client, tina, service, at_now):
    client.force_login(tina)

    table = page_tables(client.get(URL, {**PERIOD, "by": "age_band"}))["by-age_band"]

    assert row(table, "36-45")["Referrals received"] == "9"
    assert row(table, "16-17")["Referrals received"] == "*"  # referral 10, aged 17
    assert row(table, "Not stated")["Referrals received"] == "*"  # 11 to 13 gave no date of birth
    assert row(table, "66+")["Referrals received"] == "0"


def test_every_breakdown_is_offered_and_deprivation_says_it_needs_a_lookup(client, sam, service, at_now):
    client.force_login(sam)

    for by, key in (
        ("gender", "by-gender"),
        ("sexual_orientation", "by-sexual_orientation"),
        ("disability", "by-disability"),
        ("locality_id", "by-locality_id"),
    ):
        table = page_tables(client.get(URL, {**PERIOD, "by": by}))[key]
        assert row(table, table[-1][0])  # at least one group, and the last one listed is there
        assert sum(1 for cells in table[1:] if cells[1] not in ("0", "*")) <= 2
    gender = page_tables(client.get(URL, {**PERIOD, "by": "gender"}))["by-gender"]
    assert row(gender, "Not stated")["Referrals received"] == "13"  # nobody was asked yet
    body = client.get(URL, PERIOD).content.decode()
    assert "no postcode lookup is configured" in body
