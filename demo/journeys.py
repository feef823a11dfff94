"""Plans for synthetic referral journeys: who is referred, from where, and what happens when.

A journey is a referral plus a list of timed steps (triage, contacts, assessment,
allocation, redirects, treatment, discharge or closure), planned from the moment
it was received. The runner replays the steps through the services and stops at
the load time, so a referral received yesterday is still waiting for its first
contact while one from ten weeks ago may already be discharged.

Proportions are plausible, not measured: most referrals are routine and come
from GPs; about one in eight first responses is late; waits to treatment have a
long tail, so some treatment clocks are near or past 28 days at any moment.
Referrals arrive over the last year with a season (``seasonal_weight``): fewer in August
and between Christmas and New Year, more in the autumn and after the new year, and a
slow growth, so a year's dashboard has a believable shape in every week.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from localities.models import Practice
from referrals.models import Person, Referral
from referrals.nhs_number import nhs_number_check_digit

from . import catalogue as c
from .reference import Cast, LocalityCast

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
YEAR = 365 * DAY
# How busy each month is against an average one (January = 1). Plausible, not measured: referrals to
# community mental health teams fall in the summer holidays and rise in the autumn and winter.
MONTH_WEIGHTS = (1.10, 1.05, 1.10, 0.95, 1.00, 0.95, 0.90, 0.78, 1.05, 1.12, 1.10, 0.92)
GROWTH_PER_YEAR = 0.08  # demand grows: the newest week about 8% busier than the same week a year ago
S, U = Referral.Source, Referral.Urgency
# MHSDS codes for the contacts the demo records (codes.mhsds): consultation mechanism and attendance.
FACE_TO_FACE, TELEPHONE, VIDEO = "01", "02", "11"
ATTENDED, DID_NOT_ATTEND = "5", "3"  # attended on time; did not attend, no advance warning
FOLLOWUP_MECHANISMS = (TELEPHONE, FACE_TO_FACE, VIDEO)  # drawn evenly, in this order

SOURCES = (
    (S.GP, 42),
    (S.SELF, 15),
    (S.MENTAL_HEALTH_LINE, 9),
    (S.VCSE, 6),
    (S.POLICE, 3),
    (S.AMBULANCE, 2),
    (S.EMERGENCY_DEPARTMENT, 6),
    (S.SOCIAL_CARE, 5),
    (S.TALKING_THERAPIES, 9),
    (S.OTHER, 3),
)
ACUTE_SOURCES = {S.MENTAL_HEALTH_LINE, S.POLICE, S.AMBULANCE, S.EMERGENCY_DEPARTMENT}
OFFICE_HOURS_SOURCES = {S.GP, S.SOCIAL_CARE, S.TALKING_THERAPIES, S.VCSE}
URGENCY_ACUTE = ((U.EMERGENCY, 8), (U.VERY_URGENT, 22), (U.URGENT, 35), (U.ROUTINE, 35))
URGENCY_OTHER = ((U.EMERGENCY, 0.5), (U.VERY_URGENT, 2.5), (U.URGENT, 12), (U.ROUTINE, 85))
TRIAGE_DELAY: dict[str, tuple[timedelta, timedelta]] = {  # (min, max) after receipt, by urgency
    U.EMERGENCY: (5 * MINUTE, 20 * MINUTE),
    U.VERY_URGENT: (10 * MINUTE, 45 * MINUTE),
    U.URGENT: (30 * MINUTE, 4 * HOUR),
    U.ROUTINE: (HOUR, 16 * HOUR),
}
# Acute referrals that are not routine go straight to the crisis team about half the time (the
# 24/7 line and the police take them there); most from the emergency department are seen by the
# hospital liaison team. NHS England's liaison measure counts an hour to a face-to-face response.
STRAIGHT_TO_CRISIS = 0.5
SEEN_BY_LIAISON = 0.8
LIAISON_TARGET = HOUR
# The share of each source's referrals that come without an NHS number.
WITHOUT_NHS_NUMBER: dict[str, float] = {S.SELF: 0.25, S.MENTAL_HEALTH_LINE: 0.15, S.POLICE: 0.2, S.VCSE: 0.1}
OUTCOMES = (
    ("treat", 70),
    ("redirect", 14),
    ("declined", 5),
    ("no_contact", 5),
    ("duplicate", 3),
    ("moved_away", 1.5),
    ("other", 1.5),
)
AGES = (((16, 17), 4), ((18, 25), 22), ((26, 35), 24), ((36, 50), 25), ((51, 65), 17), ((66, 90), 8))
E = Person.Ethnicity
ETHNICITY = (
    (E.WHITE_BRITISH, 62),
    (E.WHITE_IRISH, 1),
    (E.WHITE_OTHER, 7),
    (E.MIXED_WHITE_BLACK_CARIBBEAN, 2),
    (E.MIXED_WHITE_BLACK_AFRICAN, 0.8),
    (E.MIXED_WHITE_ASIAN, 1),
    (E.MIXED_OTHER, 1),
    (E.ASIAN_INDIAN, 1.5),
    (E.ASIAN_PAKISTANI, 2),
    (E.ASIAN_BANGLADESHI, 0.7),
    (E.ASIAN_OTHER, 1),
    (E.BLACK_CARIBBEAN, 1.5),
    (E.BLACK_AFRICAN, 3),
    (E.BLACK_OTHER, 1),
    (E.CHINESE, 0.5),
    (E.OTHER, 1.5),
    (E.NOT_STATED, 12),
)
# Inner City and East Bristol is the most diverse part of the area.
ETHNICITY_INNER_CITY = (
    (E.WHITE_BRITISH, 40),
    (E.WHITE_IRISH, 1),
    (E.WHITE_OTHER, 9),
    (E.MIXED_WHITE_BLACK_CARIBBEAN, 4),
    (E.MIXED_WHITE_BLACK_AFRICAN, 1.5),
    (E.MIXED_WHITE_ASIAN, 1.5),
    (E.MIXED_OTHER, 2),
    (E.ASIAN_INDIAN, 2.5),
    (E.ASIAN_PAKISTANI, 5),
    (E.ASIAN_BANGLADESHI, 2),
    (E.ASIAN_OTHER, 1.5),
    (E.BLACK_CARIBBEAN, 3),
    (E.BLACK_AFRICAN, 9),
    (E.BLACK_OTHER, 2),
    (E.CHINESE, 1),
    (E.OTHER, 3),
    (E.NOT_STATED, 11.5),
)
GENDER = (
    (Person.Gender.FEMALE, 55),
    (Person.Gender.MALE, 40),
    (Person.Gender.NON_BINARY, 1.5),
    (Person.Gender.OTHER, 0.5),
    (Person.Gender.NOT_STATED, 3),
)
ORIENTATION = (
    (Person.SexualOrientation.HETEROSEXUAL, 68),
    (Person.SexualOrientation.GAY_LESBIAN, 4),
    (Person.SexualOrientation.BISEXUAL, 5),
    (Person.SexualOrientation.OTHER, 1),
    (Person.SexualOrientation.NOT_STATED, 22),
)
DISABILITY = ((Person.Disability.YES, 24), (Person.Disability.NO, 54), (Person.Disability.NOT_STATED, 22))
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def first_response_after(rng: random.Random, target: timedelta) -> timedelta:
    """How long the first completed contact took: about one in eight late, a few very late."""
    roll = rng.random()
    if roll < 0.88:
        return target * rng.uniform(0.2, 0.97)
    if roll < 0.97:
        return target * rng.uniform(1.02, 2.5)
    return target * rng.uniform(2.5, 8)


def treatment_wait(rng: random.Random) -> timedelta:
    """The wait to treatment has a long tail: median about 17 days, about one in five over 28."""
    return timedelta(days=math.exp(rng.gauss(math.log(17), 0.55)))


@dataclass
class PersonSpec:
    given_name: str
    family_name: str
    nhs_number: str | None
    birth_date: date
    postcode: str
    practice: Practice | None
    ethnicity: str
    gender: str
    sexual_orientation: str
    disability: str


@dataclass
class Step:
    after: timedelta  # from received_at
    action: str
    params: dict = field(default_factory=dict)


@dataclass
class Journey:
    received_at: datetime
    source: str
    urgency: str
    need: str
    person: PersonSpec
    home: LocalityCast
    steps: list[Step] = field(default_factory=list)
    team: str = ""  # "crisis" or "liaison": taken straight to that team at intake; "" routed as usual

    def add(self, after: timedelta, action: str, **params) -> timedelta:
        if self.steps and after < self.steps[-1].after:
            raise ValueError(f"step {action} at {after} is before {self.steps[-1].action} at {self.steps[-1].after}")
        self.steps.append(Step(after, action, params))
        return after


def seasonal_weight(day: date, *, years_ago: float) -> float:
    """How many referrals arrive on ``day`` against an average day: the month's weight, halved
    between Christmas Eve and New Year's Day, and less the further back it is (demand grows)."""
    weight = MONTH_WEIGHTS[day.month - 1]
    if (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 1):
        weight *= 0.5
    return weight * (1 + GROWTH_PER_YEAR * (1 - years_ago))


class Planner:
    """Draws journeys from a seeded random generator, so a load is reproducible."""

    def __init__(
        self,
        *,
        rng: random.Random,
        now: datetime,
        cast: Cast,
        response_targets: dict[str, timedelta],
        treatment_target: timedelta,
        window: timedelta = YEAR,
    ) -> None:
        self.rng = rng
        self.now = now
        self.cast = cast
        self.targets = response_targets
        self.treatment_target = treatment_target
        self.window = window
        self._nhs_serial = 999_000_000 + rng.randrange(1000)
        self._earlier: list[Journey] = []

    # --- drawing -------------------------------------------------------------

    def _pick(self, weighted):
        values, weights = zip(*weighted, strict=True)
        return self.rng.choices(values, weights=weights)[0]

    def _between(self, low: timedelta, high: timedelta) -> timedelta:
        return timedelta(seconds=self.rng.uniform(low.total_seconds(), high.total_seconds()))

    def _nhs_number(self) -> str | None:
        """The next synthetic NHS number: 999 range, valid modulus-11 check digit."""
        while True:
            self._nhs_serial += self.rng.randint(1, 5)
            if self._nhs_serial > 999_999_999:
                return None  # the synthetic range is used up: arrive without one, as self-referrals may
            stem = f"{self._nhs_serial:09d}"
            check = nhs_number_check_digit(stem)
            if check is not None:
                return f"{stem}{check}"

    def _received_at(self, source: str) -> datetime:
        top = max(MONTH_WEIGHTS) * (1 + GROWTH_PER_YEAR)
        while True:
            at = self.now - self._between(timedelta(0), self.window)
            local = timezone.localtime(at)
            # Thinned to the season: accepted with probability weight / the largest weight.
            if self.rng.random() * top > seasonal_weight(local.date(), years_ago=(self.now - at) / YEAR):
                continue
            out_of_hours = local.weekday() >= 5 or not 8 <= local.hour < 18
            # GPs and partners mostly refer in office hours; the line and A&E never close.
            if source in OFFICE_HOURS_SOURCES and out_of_hours and self.rng.random() < 0.9:
                continue
            return at

    def _person(self, home: LocalityCast, source: str, received_at: datetime, *, unrouted: bool = False) -> PersonSpec:
        low, high = self._pick(AGES)
        age_days = self.rng.randint(low * 366, high * 365 + 360)  # 16 means at least 16
        no_gp = unrouted or (source not in (S.GP, S.TALKING_THERAPIES) and self.rng.random() < 0.05)
        if unrouted or (no_gp and self.rng.random() < 0.2):
            postcode, practice = "", None
        else:
            outward = self.rng.choice(home.outward_codes)
            inward = f"{self.rng.randint(1, 9)}{self.rng.choice(INWARD_LETTERS)}{self.rng.choice(INWARD_LETTERS)}"
            postcode, practice = f"{outward} {inward}", None if no_gp else self.rng.choice(home.practices)
        without_number = WITHOUT_NHS_NUMBER.get(source, 0.0)
        inner_city = home.locality.code == "inner-city-east-bristol"
        return PersonSpec(
            given_name=self.rng.choice(c.GIVEN_NAMES),
            family_name=self.rng.choice(c.FAMILY_NAMES),
            nhs_number=None if self.rng.random() < without_number else self._nhs_number(),
            birth_date=timezone.localtime(received_at).date() - timedelta(days=age_days),
            postcode=postcode,
            practice=practice,
            ethnicity=self._pick(ETHNICITY_INNER_CITY if inner_city else ETHNICITY),
            gender=self._pick(GENDER),
            sexual_orientation=self._pick(ORIENTATION),
            disability=self._pick(DISABILITY),
        )

    def journey(
        self,
        *,
        received_at: datetime | None = None,
        source: str | None = None,
        urgency: str | None = None,
        unrouted: bool = False,
        need: str | None = None,
    ) -> Journey:
        home = self._pick([(lc, lc.weight) for lc in self.cast.localities])
        source = source or self._pick(SOURCES)
        urgency = urgency or self._pick(URGENCY_ACUTE if source in ACUTE_SOURCES else URGENCY_OTHER)
        received_at = received_at or self._received_at(source)
        person = self._person(home, source, received_at, unrouted=unrouted)
        return Journey(received_at, source, urgency, need or self.rng.choice(c.PRESENTING_NEEDS), person, home)

    # --- random journeys -------------------------------------------------------

    def random_journey(self) -> Journey:
        outcome = self._pick(OUTCOMES)
        if outcome == "duplicate" and (twin := self._duplicate()) is not None:
            return twin
        j = self.journey()
        if outcome == "duplicate":
            outcome = "treat"
        if self.cast.liaison is not None and j.source == S.EMERGENCY_DEPARTMENT:
            if self.rng.random() < SEEN_BY_LIAISON:
                return self.keep(self._liaison_journey(j))
        if j.source in ACUTE_SOURCES and j.urgency != U.ROUTINE and self.rng.random() < STRAIGHT_TO_CRISIS:
            return self.keep(self._crisis_journey(j))
        if outcome == "redirect" and self.rng.random() < 0.6:
            j.need = c.PRESENTING_NEEDS[2]  # complex emotional needs: the usual reason for a CEN handover
        target = self.targets[j.urgency]
        unrouted = j.person.practice is None and not j.person.postcode
        first = self._first_response_after(target)
        triage = min(self._between(*TRIAGE_DELAY[j.urgency]), first * 0.5)
        if unrouted:
            j.add(triage * 0.5, "redirect", to="route")
        j.add(triage, "triage", upgrade=j.urgency == U.ROUTINE and self.rng.random() < 0.03)
        if outcome == "no_contact":
            t = j.add(triage + self._between(HOUR, 6 * HOUR), "attempt")
            t = j.add(t + self._between(2 * DAY, 4 * DAY), "attempt")
            t = j.add(t + self._between(4 * DAY, 6 * DAY), "attempt")
            j.add(t + self._between(7 * DAY, 11 * DAY), "close", reason=Referral.ClosureReason.NO_CONTACT)
            return self.keep(j)
        self._attempts_then_first_contact(j, triage, first)
        assessed = j.add(first + self._between(5 * MINUTE, 40 * MINUTE), "assess")
        if outcome in ("declined", "moved_away", "other"):
            j.add(assessed + self._between(DAY, 10 * DAY), "close", reason=outcome)
        elif outcome == "redirect":
            self._redirect_path(j, assessed)
        else:
            self._treatment_path(j, assessed)
        return self.keep(j)

    def keep(self, j: Journey) -> Journey:
        """Remember a routed person with an NHS number: someone else may refer them again."""
        if j.person.nhs_number and (j.person.practice or j.person.postcode):
            self._earlier.append(j)
        return j

    def _liaison_journey(self, j: Journey) -> Journey:
        """Seen face to face in the emergency department, assessed, and discharged with a plan or
        handed to the crisis team."""
        j.team = "liaison"
        first = self._first_response_after(LIAISON_TARGET)
        j.add(min(self._between(5 * MINUTE, 15 * MINUTE), first * 0.5), "triage")
        j.add(first, "contact", kind="first", mechanism=FACE_TO_FACE)
        assessed = j.add(first + self._between(20 * MINUTE, HOUR), "assess")
        if self.rng.random() < 0.2:
            t = j.add(assessed + self._between(30 * MINUTE, 2 * HOUR), "redirect", to="crisis")
            t = j.add(t + self._between(20 * MINUTE, 2 * HOUR), "triage")
            t = j.add(t + self._between(30 * MINUTE, 3 * HOUR), "allocate")
            t = j.add(t + self._between(HOUR, 12 * HOUR), "contact", kind="treatment", mechanism=FACE_TO_FACE)
            j.add(t + self._between(3 * DAY, 10 * DAY), "discharge")
            return j
        allocated = j.add(assessed + self._between(10 * MINUTE, HOUR), "allocate")
        j.add(allocated + self._between(HOUR, 8 * HOUR), "discharge")
        return j

    def _crisis_journey(self, j: Journey) -> Journey:
        """Taken straight to the crisis team: seen face to face, home treatment for a week or two,
        then discharged, or handed to the home locality team for longer support."""
        j.team = "crisis"
        first = self._first_response_after(self.targets[j.urgency])
        j.add(min(self._between(*TRIAGE_DELAY[j.urgency]), first * 0.5), "triage")
        j.add(first, "contact", kind="first", mechanism=FACE_TO_FACE)
        assessed = j.add(first + self._between(10 * MINUTE, 40 * MINUTE), "assess")
        t = j.add(assessed + self._between(30 * MINUTE, 3 * HOUR), "allocate")
        t = j.add(t + self._between(2 * HOUR, 12 * HOUR), "contact", kind="treatment", mechanism=FACE_TO_FACE)
        for _ in range(self.rng.randint(1, 4)):
            t = j.add(t + self._between(DAY, 3 * DAY), "contact", kind="followup", mechanism=FACE_TO_FACE)
        if self.rng.random() < 0.25:
            t = j.add(t + self._between(5 * DAY, 14 * DAY), "redirect", to="back")
            t = j.add(t + self._between(4 * HOUR, 2 * DAY), "triage")
            t = j.add(t + self._between(2 * DAY, 8 * DAY), "allocate")
            self._sessions_then_discharge(j, t)
            return j
        j.add(t + self._between(5 * DAY, 21 * DAY), "discharge")
        return j

    def _first_response_after(self, target: timedelta) -> timedelta:
        return first_response_after(self.rng, target)

    def _attempts_then_first_contact(self, j: Journey, triage: timedelta, first: timedelta) -> None:
        attempts = self._pick(((0, 70), (1, 22), (2, 8)))
        for n in range(attempts):
            j.add(triage + (first - triage) * (n + 1) / (attempts + 1), "attempt")
        mechanism = self._pick(((TELEPHONE, 60), (FACE_TO_FACE, 25), (VIDEO, 15)))
        j.add(first, "contact", kind="first", mechanism=mechanism)

    def _duplicate(self) -> Journey | None:
        """The same person referred again by another route while the first referral is still open."""
        if not self._earlier:
            return None
        original = self.rng.choice(self._earlier[-200:])
        received_at = original.received_at + self._between(HOUR, 5 * DAY)
        if received_at > self.now - HOUR:
            return None
        j = Journey(received_at, self._pick(SOURCES), original.urgency, original.need, original.person, original.home)
        triage = self._between(*TRIAGE_DELAY[j.urgency])
        j.add(triage, "triage")
        j.add(triage + self._between(10 * MINUTE, 2 * HOUR), "close", reason=Referral.ClosureReason.DUPLICATE)
        return j

    def _redirect_path(self, j: Journey, assessed: timedelta) -> None:
        acute = j.urgency in (U.EMERGENCY, U.VERY_URGENT)
        to = self._pick(
            (("crisis", 55 if acute else 8), ("cen", 30 if acute else 60), ("locality", 15 if acute else 32))
        )
        if to == "crisis":
            t = j.add(assessed + self._between(10 * MINUTE, 3 * HOUR), "redirect", to="crisis")
            t = j.add(t + self._between(20 * MINUTE, 2 * HOUR), "triage")
            t = j.add(t + self._between(30 * MINUTE, 3 * HOUR), "allocate")
            t = j.add(t + self._between(HOUR, 12 * HOUR), "contact", kind="treatment", mechanism=FACE_TO_FACE)
            for _ in range(self.rng.randint(1, 3)):
                t = j.add(t + self._between(DAY, 3 * DAY), "contact", kind="followup", mechanism=FACE_TO_FACE)
            t = j.add(t + self._between(5 * DAY, 14 * DAY), "redirect", to="back")
            t = j.add(t + self._between(4 * HOUR, 2 * DAY), "triage")
            t = j.add(t + self._between(2 * DAY, 8 * DAY), "allocate")
            self._sessions_then_discharge(j, t)
            return
        t = j.add(assessed + self._between(HOUR, 3 * DAY), "redirect", to=to)
        if self.rng.random() < 0.15:
            return  # still waiting for the receiving team to pick it up
        t = j.add(t + self._between(2 * HOUR, 4 * DAY), "triage")
        self._treatment_path(j, t)

    def _treatment_path(self, j: Journey, ready: timedelta) -> None:
        allocated = j.add(ready + self._between(HOUR, 10 * DAY), "allocate")
        wait = treatment_wait(self.rng)
        start = max(wait, allocated + self._between(DAY, 5 * DAY))
        if self.rng.random() < 0.06:
            j.add(
                allocated + (start - allocated) * self.rng.uniform(0.3, 0.9),
                "close",
                reason=Referral.ClosureReason.DECLINED,
            )
            return
        if self.rng.random() < 0.12:
            j.add(allocated + (start - allocated) * 0.5, "attempt")
        mechanism = self._pick(((FACE_TO_FACE, 60), (VIDEO, 25), (TELEPHONE, 15)))
        t = j.add(start, "contact", kind="treatment", mechanism=mechanism)
        self._sessions_then_discharge(j, t)

    def _sessions_then_discharge(self, j: Journey, started: timedelta) -> None:
        discharge = started + self._between(21 * DAY, 90 * DAY)
        t = started
        for _ in range(self.rng.randint(0, 2)):
            t = t + self._between(7 * DAY, 21 * DAY)
            if t >= discharge:
                break
            j.add(t, "contact", kind="followup", mechanism=self.rng.choice(FOLLOWUP_MECHANISMS))
        if self.rng.random() < 0.9:
            j.add(discharge, "discharge")
