"""Keeping what the national measures read of each referral on the referral itself
(``Referral.received_on``, ``adult_when_received``, ``person_has_other_referrals``,
``community_since``, ``community_left_at``, ``last_handoff_at``; docs/measures.md "Performance").

Each is derived from records that change only through a few services, and each of those keeps it
in its own transaction: ``referral_create`` (all of them), ``referral_redirect`` (the community
times and the last hand-off: a referral changes team only by a hand-off), ``person_match_or_create`` filling in a date
of birth (the ages of that person's referrals), ``person_merge`` and ``person_unmerge`` (the ages and
``person_has_other_referrals`` of both records' referrals). ``referral_measure_scope_rebuild`` computes every
row from the records at once, set-based (migration 0015, the bulk generator, and after a team's
MHSDS type changes in the admin, since the community times follow the team types).

The rules: the UK date of ``received_at``; 18 or over on that date (``AgeServReferRecDate >= 18``,
4w_waits_prep.py L169), unknown without a date of birth; another referral of the same person; the
first time the referral was with a core community team type (4w_waits_prep.py L170) and the last
time it left one for a team of another type (reporting.measures.teams says how a measure reads them);
the time of its latest hand-off.
"""

from datetime import date, datetime

from django.db import connection

from codes.mhsds import COMMUNITY_TEAM_TYPES
from common.london import london_date
from localities.models import Team
from referrals.models import Handoff, Person, Referral

ADULT_AGE = 18
_FIELDS = [
    "received_on",
    "adult_when_received",
    "person_has_other_referrals",
    "community_since",
    "community_left_at",
    "last_handoff_at",
]


def adult_on(birth_date: date | None, day: date) -> bool | None:
    """18 or over on ``day`` (a birthday counts on the day itself); None when the birth date is unknown."""
    if birth_date is None:
        return None
    age = day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
    return age >= ADULT_AGE


def _is_community(team: Team | None) -> bool:
    return team is not None and team.mhsds_team_type in COMMUNITY_TEAM_TYPES


def referral_scope_set_on_create(*, referral: Referral, new_person: bool = False, person_locked: bool = False) -> None:
    """Fill the new referral's fields (before it is saved), and mark the person's other referrals.

    ``new_person``: the person was created in this transaction, so no other transaction can see
    them, and they have no other referral: nothing to lock or look up. ``person_locked``: this
    transaction already holds the person's lock (intake matched them by NHS number)."""
    referral.received_on = london_date(referral.received_at)
    referral.adult_when_received = adult_on(referral.person.birth_date, referral.received_on)
    referral.community_since = referral.received_at if _is_community(referral.team) else None
    referral.community_left_at = None
    referral.last_handoff_at = None
    if new_person:
        referral.person_has_other_referrals = False
        return
    # The person's lock: two referrals made for one person at once each see the other, in turn.
    if not person_locked:
        Person.objects.select_for_update().filter(pk=referral.person_id).values_list("pk", flat=True).first()
    others = Referral.objects.filter(person_id=referral.person_id)
    if referral.pk is not None:
        others = others.exclude(pk=referral.pk)
    referral.person_has_other_referrals = others.exists()
    if referral.person_has_other_referrals:
        others.filter(person_has_other_referrals=False).update(person_has_other_referrals=True)


def referral_scope_set_on_redirect(
    *, referral: Referral, from_team: Team | None, to_team: Team, at: datetime
) -> list[str]:
    """The community times and the last hand-off after a hand-off at ``at``; returns the fields it
    changed (to save)."""
    referral.last_handoff_at = at
    changed = ["last_handoff_at"]
    if _is_community(to_team) and referral.community_since is None:
        referral.community_since = at
        changed.append("community_since")
    if _is_community(from_team) and not _is_community(to_team):
        referral.community_left_at = at
        changed.append("community_left_at")
    return changed


def person_referrals_scope_refresh(*, person: Person) -> None:
    """After the person's date of birth is filled in, or referrals move between records (a merge,
    or its undoing): the ages of the person's referrals, from the date of birth the record now
    holds, and whether each has another of the same person (referrals of two records merged join
    spells: reporting.measures.referral_spell)."""
    referrals = list(
        Referral.objects.filter(person_id=person.pk).only(
            "pk", "received_at", "received_on", "adult_when_received", "person_has_other_referrals"
        )
    )
    several = len(referrals) > 1
    for referral in referrals:
        adult = adult_on(person.birth_date, referral.received_on or london_date(referral.received_at))
        if (referral.adult_when_received, referral.person_has_other_referrals) != (adult, several):
            Referral.objects.filter(pk=referral.pk).update(
                adult_when_received=adult, person_has_other_referrals=several
            )


def referral_measure_scope_rebuild(*, last_handoff: bool = True) -> None:
    """Every referral's fields from the records, set-based on PostgreSQL (a million referrals: tens
    of seconds); row by row elsewhere (the SQLite demo's few thousand). ``last_handoff=False``
    leaves ``last_handoff_at`` alone: migration 0015 runs this before the column exists (0031
    adds and fills it)."""
    if connection.vendor == "postgresql":
        _rebuild_postgresql(last_handoff=last_handoff)
    else:
        _rebuild_portable(last_handoff=last_handoff)


def _rebuild_postgresql(*, last_handoff: bool = True) -> None:
    referral, handoff, person, team = (
        Referral._meta.db_table,
        Handoff._meta.db_table,
        Person._meta.db_table,
        Team._meta.db_table,
    )
    community = ", ".join(f"'{code}'" for code in sorted(COMMUNITY_TEAM_TYPES))
    # Joins, never ``IN (subquery)`` over a million rows (a subquery too big to hash is rescanned
    # per row); the community team types as literals.
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH moves AS (
                SELECT h.referral_id,
                       (array_agg(h.from_team_id ORDER BY h.at, h.id))[1] AS first_team_id,
                       min(h.at) FILTER (WHERE tt.mhsds_team_type IN ({community})) AS entered_at,
                       max(h.at) FILTER (WHERE ft.mhsds_team_type IN ({community})
                                           AND tt.mhsds_team_type NOT IN ({community})) AS left_at,
                       max(h.at) AS last_at
                FROM {handoff} h JOIN {team} tt ON tt.id = h.to_team_id LEFT JOIN {team} ft ON ft.id = h.from_team_id
                GROUP BY h.referral_id
            ),
            per_person AS (SELECT r.person_id, count(*) > 1 AS several FROM {referral} r GROUP BY r.person_id),
            derived AS (
                SELECT r.id, (r.received_at AT TIME ZONE 'Europe/London')::date AS received_on, p.birth_date, pp.several,
                       -- The team that received it: the first hand-off's from_team (none when it
                       -- had no team), or its team when it was never handed on.
                       CASE WHEN first.mhsds_team_type IN ({community}) THEN r.received_at ELSE m.entered_at END
                           AS community_since,
                       m.left_at, m.last_at
                FROM {referral} r
                JOIN {person} p ON p.id = r.person_id
                JOIN per_person pp ON pp.person_id = r.person_id
                LEFT JOIN moves m ON m.referral_id = r.id
                LEFT JOIN {team} first ON first.id = CASE WHEN m.referral_id IS NULL THEN r.team_id ELSE m.first_team_id END
            )
            UPDATE {referral} r
            SET received_on = d.received_on,
                adult_when_received = CASE WHEN d.birth_date IS NOT NULL
                                           THEN d.birth_date <= (d.received_on - interval '{ADULT_AGE} years')::date END,
                person_has_other_referrals = d.several,
                community_since = d.community_since,
                community_left_at = d.left_at{", last_handoff_at = d.last_at" if last_handoff else ""}
            FROM derived d WHERE d.id = r.id
        """)


def _rebuild_portable(*, last_handoff: bool = True) -> None:
    fields = _FIELDS if last_handoff else [f for f in _FIELDS if f != "last_handoff_at"]
    community = set(Team.objects.filter(mhsds_team_type__in=COMMUNITY_TEAM_TYPES).values_list("pk", flat=True))
    moves: dict[int, list[tuple[datetime, int, int | None, int]]] = {}
    for referral_id, at, pk, from_team, to_team in Handoff.objects.values_list(
        "referral_id", "at", "pk", "from_team_id", "to_team_id"
    ):
        moves.setdefault(referral_id, []).append((at, pk, from_team, to_team))
    counts: dict[int, int] = {}
    for person_id in Referral.objects.values_list("person_id", flat=True):
        counts[person_id] = counts.get(person_id, 0) + 1
    changed = []
    for referral in Referral.objects.select_related("person").only(
        "pk", "received_at", "team_id", "person_id", "person__birth_date", *fields
    ):
        referral.received_on = london_date(referral.received_at)
        referral.adult_when_received = adult_on(referral.person.birth_date, referral.received_on)
        referral.person_has_other_referrals = counts[referral.person_id] > 1
        history = sorted(moves.get(referral.pk, []))
        first_team: int | None = history[0][2] if history else referral.team_id
        referral.community_since = referral.received_at if first_team in community else None
        referral.community_left_at = None
        referral.last_handoff_at = history[-1][0] if history else None
        for at, _pk, from_id, to_id in history:
            if to_id in community and referral.community_since is None:
                referral.community_since = at
            if from_id in community and to_id not in community:
                referral.community_left_at = at
        changed.append(referral)
    Referral.objects.bulk_update(changed, fields, batch_size=1000)
