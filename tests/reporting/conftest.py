"""A small hand-made service whose every dashboard figure is known in advance.

NOW is Monday 16 March 2026, 12:00 (GMT). T0, fifty days earlier, is Sunday 25 January
2026, 12:00. North team (the standing cast's) receives 13 routine referrals from GP:

* 1 to 10 at T0. Their first completed contacts come 1, 2, ... 9 and 30 hours later
  (nine within the 24-hour target, one not), their second ones 10, 12, 14, 16, 18, 20,
  22, 24, 30 and 40 days later (eight within 28 days).
  First response: 10 waits, 9 met (90.0%), median 5.5 h, 90th centile 9 + 0.1 x 21 = 11.1 h.
  Treatment: 10 waits, 8 met (80.0%), median 19.0 days, 90th centile 30 + 0.1 x 10 = 31.0 days.
* 11 and 12 at T0, closed three days later with no contact: both clocks "ended first"
  (2 each: a suppressed cell), and both first-response clocks breached (due after 24 h).
* 13 at NOW - 20 h, no contact yet: its first-response clock is at risk (past 18 of 24 h).

Ethnicity: 1 to 9 White British, 10 to 12 not stated, 13 Black Caribbean. Ages: 1 to 9
are 40 at referral; 10 is 17; 11 to 13 gave no date of birth.
"""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest
import time_machine

from referrals.models import Contact, Person, Referral
from referrals.services import caseload_allocate, contact_record, referral_close, referral_triage
from tests.factories import make_referral

NOW = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)
T0 = NOW - timedelta(days=50)
FIRST_CONTACT_HOURS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 30]
SECOND_CONTACT_DAYS = [10, 12, 14, 16, 18, 20, 22, 24, 30, 40]
# The period as the filter form takes it: 20 January to 16 March 2026.
PERIOD = {
    "from-day": "20",
    "from-month": "1",
    "from-year": "2026",
    "to-day": "16",
    "to-month": "3",
    "to-year": "2026",
}


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def contact(referral: Referral, by, at: datetime, *, outcome: str = Contact.Outcome.COMPLETED) -> Contact:
    return contact_record(
        referral=referral, by=by, now=at, occurred_at=at, mode=Contact.Mode.TELEPHONE, outcome=outcome
    )


def allocate(referral: Referral, by, link_worker, at: datetime) -> Referral:
    """Triage, then allocate a named link worker (a referral must be allocated before discharge)."""
    referral_triage(referral=referral, by=by, now=at)
    caseload_allocate(referral=referral, by=by, now=at, link_worker=link_worker)
    return Referral.objects.get(pk=referral.pk)


@dataclass
class Service:
    referrals: list[Referral]


@pytest.fixture
def service(alice, north_team, north_practice) -> Service:
    """The thirteen referrals above, made through the services at the times they happened."""
    return build_service(by=alice, practice=north_practice, now=NOW)


def build_service(*, by, practice, now: datetime) -> Service:
    """The service above, ending at ``now`` (the browser tests use the real time)."""
    t0 = now - timedelta(days=50)
    referrals = []
    for hours, days in zip(FIRST_CONTACT_HOURS, SECOND_CONTACT_DAYS, strict=True):
        referral = make_referral(by=by, received_at=t0, now=t0, practice=practice)
        contact(referral, by, t0 + timedelta(hours=hours))
        contact(referral, by, t0 + timedelta(days=days))
        referrals.append(referral)
    for _ in range(2):
        referral = make_referral(by=by, received_at=t0, now=t0, practice=practice)
        referral_close(referral=referral, by=by, now=t0 + timedelta(days=3), reason=Referral.ClosureReason.NO_CONTACT)
        referrals.append(referral)
    late = now - timedelta(hours=20)
    referrals.append(make_referral(by=by, received_at=late, now=late, practice=practice))
    # Equality answers, as the person gave them at assessment.
    ethnicity = (
        [Person.Ethnicity.WHITE_BRITISH] * 9 + [Person.Ethnicity.NOT_STATED] * 3 + [Person.Ethnicity.BLACK_CARIBBEAN]
    )
    for i, (referral, answer) in enumerate(zip(referrals, ethnicity, strict=True)):
        birth_date = None
        if i < 9:
            birth_date = date(t0.year - 40, 1, 1)  # 40 at referral
        elif i == 9:
            birth_date = date(t0.year - 18, 12, 31) if t0.month < 12 else date(t0.year - 17, 6, 1)  # 17
        Person.objects.filter(pk=referral.person_id).update(ethnicity=answer, birth_date=birth_date)
    return Service(referrals=referrals)


# --- reading pages and downloads ----------------------------------------------------------------


class _Tables(HTMLParser):
    """Collects the text of each dashboard table, by the key in its wrapper's id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._key: str | None = None
        self._depth = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and (attrs.get("id") or "").startswith("table-"):
            self._key, self._depth = attrs["id"][len("table-") :], 0
            self.tables[self._key] = []
        if self._key is None:
            return
        if tag == "div":
            self._depth += 1
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if self._key is None:
            return
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._key].append(self._row)
            self._row = None
        elif tag == "div":
            self._depth -= 1
            if self._depth == 0:
                self._key = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_tables(response) -> dict[str, list[list[str]]]:
    """Every table on a dashboard page, header row first, as the text a reader sees."""
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables


def csv_table(client, url: str, params: dict, key: str) -> list[list[str]]:
    response = client.get(url, {**params, "csv": key})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return csv_without_made_with(list(csv.reader(io.StringIO(text))))


def csv_without_made_with(rows: list[list[str]]) -> list[list[str]]:
    """A dashboard download's table: the rows after the period and filters it was made with."""
    assert rows[0][0] == "Period", rows[:2]
    return rows[rows.index([]) + 1 :]


def row(table: list[list[str]], label: str) -> dict[str, str]:
    """One row of a table as {column header: cell}, found by its first cell."""
    header = table[0]
    for cells in table[1:]:
        if cells[0] == label:
            return dict(zip(header, cells, strict=True))
    raise AssertionError(f"No row {label!r} in {[cells[0] for cells in table[1:]]}")
