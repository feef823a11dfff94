"""Journey 7: outcome measures at the start, at reviews and at discharge."""

from datetime import timedelta
from decimal import Decimal

from referrals.models import OutcomeMeasure

from .conftest import HTMX, _score, date_fields, text, today, url

# --- Outcomes ----------------------------------------------------------------------------------


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
