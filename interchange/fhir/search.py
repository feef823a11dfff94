"""FHIR search parameters read into queryset filters. A parameter we do not answer, or a value
we cannot read, is a 400 with an OperationOutcome naming it, never silently ignored (a client
that believed ``_lastUpdated`` was applied would page through the wrong records).

Each ``*_search`` takes the user's rows (``selectors.Visible``) and the query string and returns
the matching rows; paging (``_count``, ``page``) is read by ``page_of``.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Model, Q, QuerySet
from django.http import QueryDict

from accounts.models import User
from common.london import london_midnight
from localities.models import Organisation, Team
from referrals.models import CarePlan, Clock, Contact, OutcomeMeasure, Person, Referral, SharingConsent

from . import profiles
from .mapping import REFERRAL_STATUSES_FOR, REFERRAL_STATUSES_FOR_EPISODE
from .selectors import Visible

DEFAULT_COUNT = 50
MAX_COUNT = 200
MAX_PAGE = 1_000_000  # keeps the offset a number PostgreSQL takes
# Allowed everywhere: paging, the total, and asking for JSON (the only format we answer in).
GENERAL = frozenset({"_count", "page", "_format", "_total"})
# Bundle.total is counted exactly up to this many matches; past it the total is left out (FHIR
# makes it optional) unless ``_total=accurate`` asks, so a busy team's 300,000 clocks are not
# counted on every page (docs/adr/0011, "Performance").
TOTAL_COUNTED_UP_TO = 10_000
_TOTALS = ("none", "estimate", "accurate")


def is_id(text: str) -> bool:
    """Digits only, and few enough to fit a database id: "²" or twenty nines are nobody's id."""
    return text.isascii() and text.isdigit() and len(text) <= 18


class SearchError(ValueError):
    """A search the server cannot answer as asked: a 400 with this message."""


@dataclass(frozen=True)
class Page:
    count: int
    number: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.count


def total_wanted(params: QueryDict) -> str:
    """FHIR's ``_total``: none, estimate or accurate; not given, we count up to a bound. An
    estimate is answered as the bounded count: exact when small, left out when large."""
    wanted = params.get("_total", "estimate")
    if wanted not in _TOTALS:
        raise SearchError(f"_total must be one of {', '.join(_TOTALS)}.")
    return wanted


def page_of(params: QueryDict) -> Page:
    return Page(
        count=_whole_number(params, "_count", DEFAULT_COUNT, low=1, high=MAX_COUNT),
        number=_whole_number(params, "page", 1, low=1, high=MAX_PAGE),
    )


def _whole_number(params: QueryDict, name: str, default: int, *, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not is_id(raw) or not low <= int(raw) <= high:
        raise SearchError(f"{name} must be a whole number, {low} to {high}.")
    return int(raw)


def _only(params: QueryDict, allowed: frozenset[str]) -> None:
    unknown = sorted(set(params) - allowed - GENERAL)
    if unknown:
        raise SearchError(f"Search parameter not supported here: {', '.join(unknown)}.")


def _values(params: QueryDict, name: str) -> list[str]:
    """Every value of a parameter, repeated or comma-separated (FHIR's OR)."""
    return [v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]


def reference_id(value: str, resource_type: str, param: str) -> int:
    """``Patient/12``, ``12`` or an absolute URL ending in ``Patient/12``: the id, 12."""
    tail = value.rstrip("/").rsplit("/", 2)
    if len(tail) >= 2 and tail[-2] != resource_type:
        raise SearchError(f"{param} refers to {resource_type} resources, e.g. {resource_type}/123.")
    if not is_id(tail[-1]):
        raise SearchError(f"{param}: {value!r} is not a {resource_type} id.")
    return int(tail[-1])


def _references(params: QueryDict, names: tuple[str, ...], resource_type: str) -> list[int] | None:
    found: list[int] | None = None
    for name in names:
        values = _values(params, name)
        if values:
            ids = [reference_id(v, resource_type, name) for v in values]
            found = ids if found is None else [i for i in found if i in ids]
    return found


# --- dates ---------------------------------------------------------------------------------

_PREFIXES = ("eq", "ge", "le", "gt", "lt")


def date_filter(params: QueryDict, name: str, field: str) -> Q:
    """``_lastUpdated=ge2025-03-01&_lastUpdated=lt2025-04-01``: each value one bound, all ANDed.
    A date without a time is the London day; a dateTime must carry its offset."""
    condition = Q()
    for raw in params.getlist(name):
        prefix, text = (raw[:2], raw[2:]) if raw[:2] in _PREFIXES else ("eq", raw)
        start, end = _instant_range(text, name)
        condition &= {
            "eq": Q(**{f"{field}__gte": start, f"{field}__lt": end}),
            "ge": Q(**{f"{field}__gte": start}),
            "gt": Q(**{f"{field}__gte": end}),
            "le": Q(**{f"{field}__lt": end}),
            "lt": Q(**{f"{field}__lt": start}),
        }[prefix]
    return condition


def _instant_range(text: str, name: str) -> tuple[datetime, datetime]:
    """The instants a FHIR date or dateTime covers: [start, end)."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return london_midnight(day), london_midnight(day + timedelta(days=1))
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise SearchError(f"{name}: {text!r} is not a date (2025-03-10) or a dateTime with its offset.")
    precision = timedelta(seconds=1) if instant.microsecond == 0 else timedelta(microseconds=1)
    return instant, instant + precision


# --- per resource --------------------------------------------------------------------------
#
# Each search first says which referrals it is about (a patient, a referral, an owner): that
# condition goes inside the access rules (``Visible.among``, ``referrals_visible_to``'s ``among``),
# where it is the filter itself, so a patient's few rows are read without the user's whole
# visible set. What is about the row itself (its id, status, date, code) filters after.


def _about(*conditions: Q | None) -> Q | None:
    """The referrals a search is about: every condition given (None when none is)."""
    given = [c for c in conditions if c is not None]
    if not given:
        return None
    about = given[0]
    for condition in given[1:]:
        about &= condition
    return about


def _ids_condition(ids: list[int] | None, field: str) -> Q | None:
    return None if ids is None else Q(**{f"{field}__in": ids})


def _referrals_of(model: type[Model], ids: list[int] | None) -> Q | None:
    """The referrals rows of ``model`` with these ids are about."""
    if ids is None:
        return None
    return Q(pk__in=model._default_manager.filter(pk__in=ids).values("referral_id").order_by())


def patient_search(visible: Visible[Person], params: QueryDict) -> QuerySet[Person]:
    _only(params, frozenset({"identifier", "_id"}))
    ids = _references(params, ("_id",), "Patient")
    numbers = []
    for value in _values(params, "identifier"):
        system, _, number = value.rpartition("|")
        if system not in ("", profiles.NHS_NUMBER_SYSTEM):
            raise SearchError(f"identifier: only NHS numbers ({profiles.NHS_NUMBER_SYSTEM}|…) are searchable.")
        numbers.append(number.replace(" ", ""))
    qs = visible.among(_about(_ids_condition(ids, "person_id"), Q(person__nhs_number__in=numbers) if numbers else None))
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if numbers:
        qs = qs.filter(nhs_number__in=numbers)
    return qs


def service_request_search(visible: Visible[Referral], params: QueryDict) -> QuerySet[Referral]:
    _only(params, frozenset({"_id", "patient", "subject", "status", "_lastUpdated"}))
    ids = _references(params, ("_id",), "ServiceRequest")
    people = _references(params, ("patient", "subject"), "Patient")
    qs = visible.among(_about(_ids_condition(ids, "pk"), _ids_condition(people, "person_id")))
    statuses = _values(params, "status")
    if statuses:
        unknown = sorted(set(statuses) - set(REFERRAL_STATUSES_FOR))
        if unknown:
            raise SearchError(f"status: use {', '.join(sorted(REFERRAL_STATUSES_FOR))} (not {', '.join(unknown)}).")
        qs = qs.filter(status__in=[ours for s in statuses for ours in REFERRAL_STATUSES_FOR[s]])
    return qs.filter(date_filter(params, "_lastUpdated", "status_changed_at"))


def episode_of_care_search(visible: Visible[Referral], params: QueryDict) -> QuerySet[Referral]:
    _only(params, frozenset({"_id", "patient", "status", "incoming-referral"}))
    ids = _references(params, ("_id",), "EpisodeOfCare")
    # An episode is its referral: the referral's id is the episode's.
    referrals = _references(params, ("incoming-referral",), "ServiceRequest")
    people = _references(params, ("patient",), "Patient")
    qs = visible.among(
        _about(_ids_condition(ids, "pk"), _ids_condition(referrals, "pk"), _ids_condition(people, "person_id"))
    )
    statuses = _values(params, "status")
    if statuses:
        known = REFERRAL_STATUSES_FOR_EPISODE
        unknown = sorted(set(statuses) - set(known))
        if unknown:
            raise SearchError(f"status: use {', '.join(sorted(known))} (not {', '.join(unknown)}).")
        qs = qs.filter(status__in=[ours for s in statuses for ours in known[s]])
    return qs


def care_plan_search(visible: Visible[CarePlan], params: QueryDict) -> QuerySet[CarePlan]:
    _only(params, frozenset({"_id", "patient", "subject"}))
    ids = _references(params, ("_id",), "CarePlan")
    people = _references(params, ("patient", "subject"), "Patient")
    qs = visible.among(_about(_referrals_of(CarePlan, ids), _ids_condition(people, "person_id")))
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs


def consent_search(visible: Visible[SharingConsent], params: QueryDict) -> QuerySet[SharingConsent]:
    _only(params, frozenset({"_id", "patient"}))
    ids = _references(params, ("_id",), "Consent")
    people = _references(params, ("patient",), "Patient")
    # A decision is about a person: the referrals it narrows to are the person's.
    decided = None if ids is None else SharingConsent.objects.filter(pk__in=ids).values("person_id").order_by()
    qs = visible.among(
        _about(None if decided is None else Q(person_id__in=decided), _ids_condition(people, "person_id"))
    )
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if people is not None:
        qs = qs.filter(person_id__in=people)
    return qs


def encounter_search(visible: Visible[Contact], params: QueryDict) -> QuerySet[Contact]:
    _only(params, frozenset({"_id", "patient", "subject", "based-on"}))
    ids = _references(params, ("_id",), "Encounter")
    people = _references(params, ("patient", "subject"), "Patient")
    referrals = _references(params, ("based-on",), "ServiceRequest")
    qs = visible.among(
        _about(_referrals_of(Contact, ids), _ids_condition(people, "person_id"), _ids_condition(referrals, "pk"))
    )
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs


def observation_search(visible: Visible[OutcomeMeasure], params: QueryDict) -> QuerySet[OutcomeMeasure]:
    _only(params, frozenset({"_id", "patient", "subject", "based-on", "code"}))
    ids = _references(params, ("_id",), "Observation")
    people = _references(params, ("patient", "subject"), "Patient")
    referrals = _references(params, ("based-on",), "ServiceRequest")
    codes = []
    for value in _values(params, "code"):
        system, _, code = value.rpartition("|")
        if system not in ("", profiles.SNOMED_CT):
            raise SearchError(f"code: outcome scores are coded in SNOMED CT ({profiles.SNOMED_CT}|…).")
        codes.append(code)
    qs = visible.among(
        _about(_referrals_of(OutcomeMeasure, ids), _ids_condition(people, "person_id"), _ids_condition(referrals, "pk"))
    )
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if codes:
        qs = qs.filter(tool_code__in=codes)
    return qs


_TASK_STATUS: dict[str, Q] = {
    "in-progress": Q(stopped_at__isnull=True, paused_at__isnull=True),
    "on-hold": Q(stopped_at__isnull=True, paused_at__isnull=False),
    "completed": Q(stopped_at__isnull=False)
    & ~Q(stop_reason__in=[Clock.StopReason.RESTARTED, Clock.StopReason.REFERRAL_ENDED]),
    "cancelled": Q(stop_reason__in=[Clock.StopReason.RESTARTED, Clock.StopReason.REFERRAL_ENDED]),
}


def task_search(visible: Visible[Clock], params: QueryDict) -> QuerySet[Clock]:
    _only(params, frozenset({"_id", "owner", "status", "patient", "focus", "based-on"}))
    ids = _references(params, ("_id",), "Task")
    people = _references(params, ("patient",), "Patient")
    referrals = _references(params, ("focus", "based-on"), "ServiceRequest")
    statuses = _values(params, "status")
    if statuses:
        unknown = sorted(set(statuses) - set(_TASK_STATUS))
        if unknown:
            raise SearchError(f"status: use {', '.join(sorted(_TASK_STATUS))} (not {', '.join(unknown)}).")
    owners = _values(params, "owner")
    qs = visible.among(
        _about(
            _referrals_of(Clock, ids),
            _ids_condition(people, "person_id"),
            _ids_condition(referrals, "pk"),
            _owner_condition(owners) if owners else None,
        )
    )
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if statuses:
        either = Q()
        for status in statuses:
            either |= _TASK_STATUS[status]
        qs = qs.filter(either)
    return qs


def _owner_condition(owners: list[str]) -> Q:
    """The referrals a Task's owner holds: ``Practitioner/<user id>`` (the allocated worker of an
    open referral) or ``HealthcareService/<team id>`` (the team, while no one is allocated)."""
    held = Q(allocated_to__isnull=False, ended_at__isnull=True)
    either = Q()
    for owner in owners:
        kind = owner.rstrip("/").rsplit("/", 2)[-2] if "/" in owner else ""
        if kind == "Practitioner":
            either |= held & Q(allocated_to_id=reference_id(owner, kind, "owner"))
        elif kind == "HealthcareService":
            either |= ~held & Q(team_id=reference_id(owner, kind, "owner"))
        else:
            raise SearchError("owner: use Practitioner/<id> (a worker) or HealthcareService/<id> (a team).")
    return either


# --- who does the work ------------------------------------------------------------------------


def _named(qs: QuerySet, params: QueryDict, *fields: str) -> QuerySet:
    """FHIR string search: ``name=sam`` matches names starting with it, any case, in any field."""
    for value in _values(params, "name"):
        either = Q()
        for name in fields:
            either |= Q(**{f"{name}__istartswith": value})
        qs = qs.filter(either)
    return qs


def practitioner_search(visible: Visible[User], params: QueryDict) -> QuerySet[User]:
    _only(params, frozenset({"_id", "name"}))
    qs = visible.among(None)
    ids = _references(params, ("_id",), "Practitioner")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return _named(qs, params, "first_name", "last_name", "username")


def healthcare_service_search(visible: Visible[Team], params: QueryDict) -> QuerySet[Team]:
    _only(params, frozenset({"_id", "name", "organization"}))
    qs = visible.among(None)
    ids = _references(params, ("_id",), "HealthcareService")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    organisations = _references(params, ("organization",), "Organization")
    if organisations is not None:
        qs = qs.filter(organisation_id__in=organisations)
    return _named(qs, params, "name")


def organization_search(visible: Visible[Organisation], params: QueryDict) -> QuerySet[Organisation]:
    _only(params, frozenset({"_id", "name", "identifier"}))
    qs = visible.among(None)
    ids = _references(params, ("_id",), "Organization")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    codes = []
    for value in _values(params, "identifier"):
        system, _, code = value.rpartition("|")
        if system not in ("", profiles.ODS_ORGANISATION_SYSTEM):
            raise SearchError(f"identifier: only ODS codes ({profiles.ODS_ORGANISATION_SYSTEM}|…) are searchable.")
        codes.append(code.upper())
    if codes:
        qs = qs.filter(ods_code__in=codes)
    return _named(qs, params, "name")
