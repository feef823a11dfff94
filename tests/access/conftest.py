"""One world for the access tests, built once per module (docs/adr/0006-access-control.md).

The standing cast of tests/conftest.py, plus the roles the ADR names, all (but charlie) in North
IPCT so that it is the role's record scope, not a missing team membership, that keeps a record
away:

* alice: clinician (trust); bob: link worker (VCSE); tina: team manager (trust);
* sam: service manager; iris: IG lead; intake: administrator (and the account every referral was
  sent in with: a referrer gets a receipt, not the record); mo: service manager who also works
  clinically (trust);
* ada: trust clinician and wendy: VCSE link worker, both in North, who write other people's
  assessments and contact notes; charlie: clinician in South;
* ivan: intake (a call handler) in North. Intake holds no one, so ivan's four people are held by
  wendy; intake reaches only the triage queue (referrals still *received*), never these.

Each role holds (is allocated) four people of its own: ``own`` (assessment and contact note
written by the reader's own organisation) and three whose assessment and note were written by the
*other* organisation, under consent given to the care team, no consent, and consent withdrawn.
Two people are shared: ``same_team`` (North, held by wendy, written by ada) and ``other_team``
(South, held by charlie).

``taken_outside`` (issue 10): each reader took a referral for someone they could not open. The
person is held in South by charlie, who wrote their assessment and a note; they moved to a North
GP and the reader took a new referral, routed to North, as the referral pages do
(``intake_receipt_record``). The record's referral is the *earlier* one: taking the new referral
must not open it, nor the person, their assessment or notes.

The world is built inside a transaction that is rolled back at the end of the module, and each
test runs in a savepoint inside it (pytest-django's ``db``), so a test's requests, contacts and
audit rows vanish after it and nothing is left for other modules.
"""

from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.utils import timezone

from access.consent import consent_record, consent_withdraw
from access.intake import intake_receipt_record
from accounts.models import Role
from localities.models import Organisation, Team
from referrals.defaults import ensure_default_policy
from referrals.models import ClockPolicy, Person, Referral, ResponseTarget, SharingConsent
from referrals.services import caseload_allocate, contact_record, referral_triage
from referrals.services.trusted_assessment import trusted_assessment_write
from tests.factories import (
    LocalityFactory,
    OrganisationFactory,
    PracticeFactory,
    TeamFactory,
    UserFactory,
    make_referral,
)

ROLES = (
    "clinician",
    "link_worker",
    "team_manager",
    "service_manager",
    "ig_lead",
    "administrator",
    "service_manager_clinical",
    "intake",
)
PER_ROLE_RELATIONS = ("own", "consent_given", "consent_none", "consent_withdrawn")
RELATIONS = (
    "own",
    "same_team",
    "other_team",
    "consent_given",
    "consent_none",
    "consent_withdrawn",
    "taken_outside",
)


@dataclass
class Record:
    """One person with one open referral, and the secret texts only some readers may see."""

    person: Person
    referral: Referral
    assessment_text: str
    contact_note: str
    consent: SharingConsent | None = None

    @property
    def name(self) -> str:
        return self.person.family_name


@dataclass
class World:
    users: dict = field(default_factory=dict)  # by role, and by name for the writers and charlie
    orgs: dict = field(default_factory=dict)
    teams: dict = field(default_factory=dict)
    records: dict = field(default_factory=dict)  # (role, relation) -> Record, for every role and relation
    practices: dict = field(default_factory=dict)

    def record(self, role: str, relation: str) -> Record:
        return self.records[(role, relation)]


def _held_record(w: World, *, code: str, holder, author, team: str, consent: str | None = None) -> Record:
    """A referral received, triaged and allocated to ``holder``; ``author`` writes its assessment
    and a contact note (attempted: it stops no clock, so the referral stays in the triage queue)."""
    now = timezone.now()
    practice = w.practices[team]
    triager = w.users["ada"] if team == "north" else w.users["charlie"]
    referral = make_referral(
        by=w.users["administrator"], practice=practice, now=now, given_name="Matrix", family_name=f"Zq{code}x"
    )
    referral_triage(referral=referral, by=triager, now=now, next_step="Allocate a link worker.")
    caseload_allocate(referral=referral, by=triager, now=now, link_worker=holder)
    person = referral.person
    record = Record(
        person=person,
        referral=referral,
        assessment_text=f"Assessment {code}: sleeps badly since the flat flooded.",
        contact_note=f"Contact note {code}: left a voicemail about the food bank.",
    )
    if consent is not None:
        record.consent = consent_record(
            person=person, by=triager, now=now, decision=SharingConsent.Decision.GIVEN, scope="care_team"
        )
        if consent == "withdrawn":
            record.consent = consent_withdraw(consent=record.consent, by=triager, now=timezone.now())
    trusted_assessment_write(person=person, by=author, now=now, presenting_needs=record.assessment_text)
    contact_record(
        referral=referral,
        by=author,
        now=timezone.now(),
        occurred_at=now,
        mode="telephone",
        outcome="attempted",
        note=record.contact_note,
    )
    referral.refresh_from_db()
    return record


def _taken_outside(w: World, *, code: str, taker) -> Record:
    """Someone South holds (charlie wrote their assessment and a note) moves to a North GP, and
    ``taker`` takes a referral for them, routed to North, as the referral pages would."""
    earlier = _held_record(w, code=code, holder=w.users["charlie"], author=w.users["charlie"], team="south")
    person = earlier.person
    person.gp_practice = w.practices["north"]
    person.save(update_fields=["gp_practice"])
    now = timezone.now()
    with transaction.atomic():
        taken = make_referral(by=taker, practice=w.practices["north"], now=now, nhs_number=person.nhs_number)
        assert taken.person_id == person.pk and taken.team == w.teams["north"]
        intake_receipt_record(by=taker, referral=taken, now=now)
    return earlier


def build_world() -> World:
    ensure_default_policy(ClockPolicy, ResponseTarget)
    w = World()
    trust = OrganisationFactory(name="Synthetic Partnership NHS Trust", kind=Organisation.Kind.NHS_TRUST)
    vcse = OrganisationFactory(name="Synthetic Mind", kind=Organisation.Kind.VCSE)
    w.orgs = {"trust": trust, "vcse": vcse}
    north, south = (
        LocalityFactory(name="North and West", code="north-west"),
        LocalityFactory(name="South", code="south"),
    )
    for key, locality in (("north", north), ("south", south)):
        team = TeamFactory(name=f"{locality.name} IPCT", organisation=trust, locality=locality, kind=Team.Kind.LOCALITY)
        locality.intake_team = team
        locality.save()
        w.teams[key] = team
    w.teams["wellbeing"] = TeamFactory(
        name="Wellbeing hub", organisation=vcse, locality=None, kind=Team.Kind.SYSTEM_SERVICE
    )
    w.practices = {
        "north": PracticeFactory(ods_code="L81001", name="Harbourside Surgery", locality=north),
        "south": PracticeFactory(ods_code="L81002", name="Hillcrest Medical Centre", locality=south),
    }
    north_team = [w.teams["north"]]

    def user(username, role, org, teams, **extra):
        return UserFactory(username=username, role=role, organisation=org, teams=teams, **extra)

    w.users = {
        "clinician": user("alice", Role.CLINICIAN, trust, north_team),
        "link_worker": user("bob", Role.LINK_WORKER, vcse, north_team, job_title="Peer support worker"),
        "team_manager": user("tina", Role.TEAM_MANAGER, trust, north_team),
        "service_manager": user("sam", Role.SERVICE_MANAGER, trust, north_team),
        "ig_lead": user("iris", Role.IG_LEAD, trust, north_team),
        "administrator": user("intake", Role.ADMINISTRATOR, trust, north_team),
        "service_manager_clinical": user("mo", Role.SERVICE_MANAGER, trust, north_team, also_clinician=True),
        "intake": user("ivan", Role.INTAKE, trust, north_team),
        "ada": user("ada", Role.CLINICIAN, trust, north_team),
        "wendy": user("wendy", Role.LINK_WORKER, vcse, north_team),
        "charlie": user("charlie", Role.CLINICIAN, trust, [w.teams["south"]]),
        "vera": user("vera", Role.CLINICIAN, vcse, [w.teams["wellbeing"]]),
    }
    writer = {"trust": w.users["ada"], "vcse": w.users["wendy"]}
    for n, role in enumerate(ROLES):
        reader = w.users[role]
        own_org = "vcse" if reader.organisation_id == vcse.pk else "trust"
        other_org = "trust" if own_org == "vcse" else "vcse"
        for m, (relation, consent) in enumerate(
            (("own", None), ("consent_given", "given"), ("consent_none", None), ("consent_withdrawn", "withdrawn"))
        ):
            author = writer[own_org if relation == "own" else other_org]
            holder = w.users["wendy"] if role == "intake" else reader  # intake holds no one
            w.records[(role, relation)] = _held_record(
                w, code=f"{n}{m}", holder=holder, author=author, team="north", consent=consent
            )
        w.records[(role, "taken_outside")] = _taken_outside(w, code=f"{n}5", taker=reader)
    same_team = _held_record(w, code="90", holder=w.users["wendy"], author=w.users["ada"], team="north")
    other_team = _held_record(w, code="91", holder=w.users["charlie"], author=w.users["charlie"], team="south")
    for role in ROLES:
        w.records[(role, "same_team")] = same_team
        w.records[(role, "other_team")] = other_team
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module in an outer transaction, rolled back when the module is done."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def w(world, db):
    """The world, inside this test's savepoint (everything the test writes is rolled back)."""
    return world
