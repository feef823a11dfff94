"""The permission matrix: every role x record relation x action, with the answer ADR 0006 gives.

The expected answers are written out below as a table, from docs/adr/0006-access-control.md,
not worked out from the code under test:

* Role decides the record scope. Clinicians, team managers and a manager who also works
  clinically (scope ``team``) open their team's referrals and anything allocated to them; a link
  worker (``held``) only the open referrals allocated to them; service managers, IG leads and
  administrators (``none``) no records at all, even ones allocated to them or sent in by them,
  and even though they are members of North IPCT here.
* Opening a record shows the person, referrals, clocks and plan. The trusted assessment and the
  contact notes written by *another* organisation show only under consent given that covers the
  reader's organisation: never with no consent, never after withdrawal.
* Lists (My caseload, the team's caseload, the triage queue, the API list) and the CSV downloads
  show exactly the records the reader may open, within what each list is about: My caseload
  only what is allocated to the reader, the team page what the team holds, the triage queue what
  still awaits a first response in the reader's teams (every referral here does: their contact
  was only attempted).
* Intake (a call handler) reaches only the triage queue, referrals still *received*: none of
  these, which are all triaged. Taking a referral for someone outside one's access
  (``taken_outside``, issue 10) opens nothing: not the person, their earlier referral, their
  assessment nor their notes, for any role.
* A record the reader may not open is a 404 (never a 403) on every page and API endpoint, with
  the same body as an id that does not exist; and every read that shows a person is audited.

The world (tests/access/conftest.py) is built once per module; each case runs in its own savepoint.
Pages that paginate (the caseload, team and triage lists) are searched for the person's unique
family name, so that the answer never depends on which page the person falls on.
"""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from referrals.models import Contact
from tests.html import without_tokens

from .conftest import RELATIONS, ROLES

# --- The expected answers (docs/adr/0006-access-control.md) -------------------------------------
#
# view      every page and fragment that shows one person's record (VIEW_PAGES below: person page,
#           timeline, assessment, triage, care plan, outcomes, discharge, redirect, allocate and
#           record-a-contact pages and their htmx fragments, the API referral detail)
# edit      record a contact: web form POST, API POST
# notes     the other organisation's assessment text (assessment page) and contact note (timeline)
# caseload / team / triage / api_list   the person appears in /caseload/, /team/, /triage/, API list
# csv_mine / csv_team                   the person appears in /caseload/export.csv, /team/export.csv

EXPECTED_TABLE = """
role                      relation            view  edit  notes  caseload  team  triage  api_list  csv_mine  csv_team
clinician                 own                 yes   yes   yes    yes       yes   yes     yes       yes       yes
clinician                 same_team           yes   yes   yes    no        yes   yes     yes       no        yes
clinician                 other_team          no    no    no     no        no    no      no        no        no
clinician                 consent_given       yes   yes   yes    yes       yes   yes     yes       yes       yes
clinician                 consent_none        yes   yes   no     yes       yes   yes     yes       yes       yes
clinician                 consent_withdrawn   yes   yes   no     yes       yes   yes     yes       yes       yes
clinician                 taken_outside       no    no    no     no        no    no      no        no        no
link_worker               own                 yes   yes   yes    yes       yes   yes     yes       yes       yes
link_worker               same_team           no    no    no     no        no    no      no        no        no
link_worker               other_team          no    no    no     no        no    no      no        no        no
link_worker               consent_given       yes   yes   yes    yes       yes   yes     yes       yes       yes
link_worker               consent_none        yes   yes   no     yes       yes   yes     yes       yes       yes
link_worker               consent_withdrawn   yes   yes   no     yes       yes   yes     yes       yes       yes
link_worker               taken_outside       no    no    no     no        no    no      no        no        no
team_manager              own                 yes   yes   yes    yes       yes   yes     yes       yes       yes
team_manager              same_team           yes   yes   yes    no        yes   yes     yes       no        yes
team_manager              other_team          no    no    no     no        no    no      no        no        no
team_manager              consent_given       yes   yes   yes    yes       yes   yes     yes       yes       yes
team_manager              consent_none        yes   yes   no     yes       yes   yes     yes       yes       yes
team_manager              consent_withdrawn   yes   yes   no     yes       yes   yes     yes       yes       yes
team_manager              taken_outside       no    no    no     no        no    no      no        no        no
service_manager           own                 no    no    no     no        no    no      no        no        no
service_manager           same_team           no    no    no     no        no    no      no        no        no
service_manager           other_team          no    no    no     no        no    no      no        no        no
service_manager           consent_given       no    no    no     no        no    no      no        no        no
service_manager           consent_none        no    no    no     no        no    no      no        no        no
service_manager           consent_withdrawn   no    no    no     no        no    no      no        no        no
service_manager           taken_outside       no    no    no     no        no    no      no        no        no
ig_lead                   own                 no    no    no     no        no    no      no        no        no
ig_lead                   same_team           no    no    no     no        no    no      no        no        no
ig_lead                   other_team          no    no    no     no        no    no      no        no        no
ig_lead                   consent_given       no    no    no     no        no    no      no        no        no
ig_lead                   consent_none        no    no    no     no        no    no      no        no        no
ig_lead                   consent_withdrawn   no    no    no     no        no    no      no        no        no
ig_lead                   taken_outside       no    no    no     no        no    no      no        no        no
administrator             own                 no    no    no     no        no    no      no        no        no
administrator             same_team           no    no    no     no        no    no      no        no        no
administrator             other_team          no    no    no     no        no    no      no        no        no
administrator             consent_given       no    no    no     no        no    no      no        no        no
administrator             consent_none        no    no    no     no        no    no      no        no        no
administrator             consent_withdrawn   no    no    no     no        no    no      no        no        no
administrator             taken_outside       no    no    no     no        no    no      no        no        no
service_manager_clinical  own                 yes   yes   yes    yes       yes   yes     yes       yes       yes
service_manager_clinical  same_team           yes   yes   yes    no        yes   yes     yes       no        yes
service_manager_clinical  other_team          no    no    no     no        no    no      no        no        no
service_manager_clinical  consent_given       yes   yes   yes    yes       yes   yes     yes       yes       yes
service_manager_clinical  consent_none        yes   yes   no     yes       yes   yes     yes       yes       yes
service_manager_clinical  consent_withdrawn   yes   yes   no     yes       yes   yes     yes       yes       yes
service_manager_clinical  taken_outside       no    no    no     no        no    no      no        no        no
intake                    own                 no    no    no     no        no    no      no        no        no
intake                    same_team           no    no    no     no        no    no      no        no        no
intake                    other_team          no    no    no     no        no    no      no        no        no
intake                    consent_given       no    no    no     no        no    no      no        no        no
intake                    consent_none        no    no    no     no        no    no      no        no        no
intake                    consent_withdrawn   no    no    no     no        no    no      no        no        no
intake                    taken_outside       no    no    no     no        no    no      no        no        no
"""


def _parse(table: str) -> dict[tuple[str, str], dict[str, bool]]:
    header, *rows = [line.split() for line in table.strip().splitlines()]
    expected = {}
    for row in rows:
        assert row[2:] and set(row[2:]) <= {"yes", "no"}, row
        expected[(row[0], row[1])] = {column: value == "yes" for column, value in zip(header[2:], row[2:], strict=True)}
    return expected


EXPECTED = _parse(EXPECTED_TABLE)
assert set(EXPECTED) == {(role, relation) for role in ROLES for relation in RELATIONS}, "one row per role and relation"

# Each action: (column of the table, page). Pages are the test id's last part.
HTMX = {"HTTP_HX_REQUEST": "true"}
# Every page and fragment that shows one person's record: path template (person p, referral r),
# request headers. A {r} or {p} is replaced by the record's id, or by NO_SUCH_ID for the check
# that a hidden record answers exactly as a missing one.
VIEW_PAGES = {
    "person_page": ("/people/{p}/", {}),
    "timeline": ("/people/{p}/timeline/", {}),
    "assessment_page": ("/people/{p}/assessment/", {}),
    "triage_page": ("/referrals/{r}/triage/", {}),
    "care_plan": ("/referrals/{r}/care-plan/", {}),
    "outcomes": ("/referrals/{r}/outcomes/", {}),
    "outcomes_fragment": ("/referrals/{r}/outcomes/", HTMX),
    "discharge": ("/referrals/{r}/discharge/", {}),
    "redirect_page": ("/referrals/{r}/redirect/", {}),
    "allocate_page": ("/referrals/{r}/allocate/", {}),
    "allocate_fragment": ("/referrals/{r}/allocate/?inline=1", HTMX),
    "contact_form": ("/referrals/{r}/contacts/new/", {}),
    "contact_form_fragment": ("/referrals/{r}/contacts/new/", HTMX),
    "api_detail": ("/api/v1/referrals/{r}/", {}),
}
ACTIONS = [
    *(("view", page) for page in VIEW_PAGES),
    ("edit", "web_contact"),
    ("edit", "api_contact"),
    ("notes", "assessment_text"),
    ("notes", "contact_note"),
    ("list", "caseload"),
    ("list", "team"),
    ("list", "triage"),
    ("list", "api_list"),
    ("export", "caseload_csv"),
    ("export", "team_csv"),
]
COLUMN = {
    "caseload": "caseload",
    "team": "team",
    "triage": "triage",
    "api_list": "api_list",
    "caseload_csv": "csv_mine",
    "team_csv": "csv_team",
}

NO_SUCH_ID = 2_000_000_000  # an id nobody has: the answer for a hidden record must be the same

MISSING_CONTACT_URLS = {
    "web_contact": f"/referrals/{NO_SUCH_ID}/contacts/new/",
    "api_contact": f"/api/v1/referrals/{NO_SUCH_ID}/contacts/",
}
WITHHELD_NOTE = "Note withheld: another organisation wrote it"


def _cases():
    for role in ROLES:
        for relation in RELATIONS:
            for column, page in ACTIONS:
                yield pytest.param(role, relation, column, page, id=f"{role}-{relation}-{column}-{page}")


@pytest.fixture(scope="module")
def browsers(world):
    """One signed-in browser per user for the whole module (the session lives in Redis, outside the
    rolled-back transactions), so each case pays for its requests, not for a login."""
    return {}


def _browser(browsers: dict, user) -> Client:
    if user.pk not in browsers:
        client = Client()
        client.force_login(user)
        browsers[user.pk] = client
    return browsers[user.pk]


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _audited(user, action: str, person_id: int) -> bool:
    return AuditEvent.objects.filter(actor=user, action=action, person_id=person_id).exists()


def _read_audited(user, person_id: int, actions: str | tuple[str, ...] = "") -> bool:
    """A read of the person by the user is in the audit log (any record.* read if no action is named)."""
    reads = AuditEvent.objects.filter(actor=user, person_id=person_id, action__startswith="record.")
    if actions:
        reads = reads.filter(action__in=[actions] if isinstance(actions, str) else actions)
    return reads.exists()


def _assert_hidden_like_missing(response, missing, what: str) -> None:
    assert response.status_code == 404, f"{what}: {response.status_code}, expected 404 (never 403)"
    assert missing.status_code == 404
    # The masked CSRF token and the CSP nonce differ between any two pages: not part of the answer.
    assert without_tokens(response.content.decode()) == without_tokens(missing.content.decode()), (
        f"{what}: a hidden record answers differently from a missing one"
    )
    assert response.get("Content-Type") == missing.get("Content-Type")


def _contact_body() -> dict:
    return {"occurred_at": timezone.now().isoformat(), "mode": "telephone", "outcome": "attempted"}


@pytest.mark.parametrize(("role", "relation", "column", "page"), list(_cases()))
def test_matrix(w, browsers, role, relation, column, page):
    def _web(user) -> Client:
        return _browser(browsers, user)

    user = w.users[role]
    record = w.record(role, relation)
    person_id = record.person.pk
    may_open = EXPECTED[(role, relation)]["view"]

    if column == "view":
        path, headers = VIEW_PAGES[page]
        client = _api(user) if page.startswith("api_") else _web(user)
        response = client.get(path.format(p=person_id, r=record.referral.pk), **headers)
        if may_open:
            assert response.status_code == 200, response.status_code
            action = "record.view" if not headers else ("record.view", "record.list")
            assert _read_audited(user, person_id, action), f"{page} showed the record but the read is not audited"
        else:
            missing = client.get(path.format(p=NO_SUCH_ID, r=NO_SUCH_ID), **headers)
            _assert_hidden_like_missing(response, missing, page)
            assert not _read_audited(user, person_id)

    elif column == "edit":
        before = Contact.objects.filter(referral=record.referral).count()
        if page == "web_contact":
            client = _web(user)
            url = f"/referrals/{record.referral.pk}/contacts/new/"
            data = {
                f"contact-{record.referral.pk}-attendance": "3",
                f"contact-{record.referral.pk}-consultation_mechanism": "02",
            }
            response = client.post(url, data)
            missing = client.post(MISSING_CONTACT_URLS[page], data)
            recorded_status = 302
        else:
            client = _api(user)
            response = client.post(f"/api/v1/referrals/{record.referral.pk}/contacts/", _contact_body(), format="json")
            missing = client.post(MISSING_CONTACT_URLS[page], _contact_body(), format="json")
            recorded_status = 201
        after = Contact.objects.filter(referral=record.referral).count()
        if may_open:
            assert response.status_code == recorded_status, response.status_code
            assert after == before + 1
        else:
            _assert_hidden_like_missing(response, missing, page)
            assert after == before, "a contact was recorded on a record the user may not open"

    elif column == "notes":
        expected = EXPECTED[(role, relation)]["notes"]
        client = _web(user)
        if page == "assessment_text":
            response = client.get(f"/people/{person_id}/assessment/")
            secret, withheld_marker = record.assessment_text, 'id="withheld"'
        else:
            response = client.get(f"/people/{person_id}/timeline/")
            secret, withheld_marker = record.contact_note, WITHHELD_NOTE
        if not may_open:
            assert response.status_code == 404
            return
        assert response.status_code == 200
        body = response.content.decode()
        if expected:
            assert secret in body, f"{page} is withheld but should be shown"
            assert withheld_marker not in body
        else:
            assert secret not in body, f"{page} is shown but should be withheld"
            assert withheld_marker in body, "the page does not say what is withheld"
        assert _audited(user, "record.view", person_id)

    elif column == "list":
        expected = EXPECTED[(role, relation)][COLUMN[page]]
        if page == "api_list":
            response = _api(user).get("/api/v1/referrals/", {"page_size": 200})
            assert response.status_code == 200
            body = response.json()
            assert body["count"] <= 200, "the list no longer fits one page: page through it"
            listed = record.referral.pk in {row["id"] for row in body["results"]}
        else:
            url = {"caseload": "/caseload/", "team": "/team/", "triage": "/triage/"}[page]
            response = _web(user).get(url, {"q": record.name})
            assert response.status_code == 200
            # The search box repeats the name: a row is a link to the person's page.
            listed = f'"/people/{person_id}/' in response.content.decode()
        assert listed is expected, f"listed={listed}, expected {expected}"
        assert _audited(user, "record.list", person_id) is expected

    elif column == "export":
        expected = EXPECTED[(role, relation)][COLUMN[page]]
        url = {"caseload_csv": "/caseload/export.csv", "team_csv": "/team/export.csv"}[page]
        response = _web(user).get(url)
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        listed = any(row and row[0] == record.referral.reference for row in rows[1:])
        assert listed is expected, f"listed={listed}, expected {expected}"
        assert _audited(user, "record.export", person_id) is expected

    else:  # pragma: no cover
        raise AssertionError(column)


def test_the_matrix_covers_every_page_the_adr_names():
    """A reviewer's check that the table and the cases agree: 8 roles x 7 relations x 24 actions."""
    assert len(ROLES) == 8 and len(RELATIONS) == 7 and len(ACTIONS) == 24
    assert len(list(_cases())) == 8 * 7 * 24
    assert reverse("caseload:mine_csv") == "/caseload/export.csv"
    assert reverse("caseload:team_csv") == "/team/export.csv"
