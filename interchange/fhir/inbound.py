"""Reading a referral sent as a FHIR message (``POST /fhir/$process-message``): a Bundle of type
"message" in the shape of the Booking and Referral Standard (BaRS), read into what
``referrals.services.referral_create`` takes (docs/adr/0011-fhir-mapping.md, "Receiving a
referral").

Pure: JSON in, a ``ReferralMessage`` out, or ``MessageRefused`` naming every problem found, each
with a FHIRPath-style ``expression`` (``Bundle.entry[1].resource.birthDate``). Nothing here reads
the database; whether an ODS code is a practice we know is asked by the service
(``interchange.fhir.services``), which reports it at the path this module records.
"""

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from codes.mhsds import SOURCE_OF_REFERRAL, SOURCE_OF_REFERRAL_FOR_SOURCE
from referrals.models import Referral
from referrals.nhs_number import is_valid_nhs_number, normalise_nhs_number

from . import profiles

PRESENTING_NEED_MAX = 10_000  # as POST /api/v1/referrals/ takes it

# ServiceRequest.priority → Referral.urgency (the inverse of the ServiceRequest we serve).
URGENCY_FOR_PRIORITY = {
    "routine": Referral.Urgency.ROUTINE,
    "urgent": Referral.Urgency.URGENT,
    "asap": Referral.Urgency.VERY_URGENT,
    "stat": Referral.Urgency.EMERGENCY,
}
# SourceOfReferralMH → Referral.source: each source's own code back to it; any other code is
# kept exactly on the referral, with the source "other".
SOURCE_FOR_CODE = {
    code: source for source, code in SOURCE_OF_REFERRAL_FOR_SOURCE.items() if source not in ("ambulance", "other")
} | {"M6": Referral.Source.OTHER}


@dataclass(frozen=True)
class Issue:
    """One problem, as an OperationOutcome issue: FHIR's issue type, what is wrong, and where."""

    diagnostics: str
    expression: str | None = None
    code: str = "invalid"


class MessageRefused(Exception):
    """The message cannot be acted on. ``status`` is 400 when it is not a readable FHIR message
    at all, 422 when it is one whose content we cannot take (FHIR's "unprocessable")."""

    def __init__(self, issues: Sequence[Issue], *, status: int = 422) -> None:
        super().__init__("; ".join(i.diagnostics for i in issues))
        self.issues = list(issues)
        self.status = status


@dataclass(frozen=True)
class Risk:
    note: str
    expression: str


@dataclass(frozen=True)
class ReferralMessage:
    """What the message asks for, as ``referral_create`` takes it, plus where each part came
    from (``paths``: our field name → its FHIRPath) so the services' refusals can point back."""

    message_id: str
    fingerprint: str  # of the entries: a resend with a new Bundle.timestamp is the same message
    reply_to: str  # MessageHeader.source.endpoint
    source: str | None  # None: not said; the service decides from the sender
    source_of_referral: str
    sender_ods_code: str | None
    urgency: str
    presenting_need: str
    nhs_number: str | None
    given_name: str
    family_name: str
    birth_date: date | None
    postcode: str
    practice_ods_code: str | None
    risks: tuple[Risk, ...] = ()
    paths: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CancellationMessage:
    """A BaRS cancellation of a referral this sender sent earlier: the referral is named by the
    reference our response gave it (RF-…)."""

    message_id: str
    fingerprint: str
    reply_to: str
    reference: str
    reason: str  # what the sender said, for the closure note
    paths: dict[str, str] = field(default_factory=dict)


def read_referral_message(body: Any, *, today: date) -> ReferralMessage | CancellationMessage:
    """The referral ``body`` (parsed JSON) asks for, or the cancellation of one; ``today`` is
    the UK date, for the date of birth."""
    bundle = _bundle(body)
    reader = _Reader(bundle, body)
    if reader.is_cancellation():
        return reader.read_cancellation()
    return reader.read(today=today)


# --- the envelope: a Bundle fhir.resources accepts, of type message, MessageHeader first ---------


def _bundle(body: Any) -> Bundle:
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        raise MessageRefused(
            [Issue('Send a FHIR Bundle of type "message" (resourceType "Bundle").', "Bundle", "structure")],
            status=400,
        )
    unknown = [
        Issue(
            f"{entry['resource']['resourceType']!r} is not a FHIR R4 resource type.", f"{at}.resourceType", "structure"
        )
        for at, entry in _raw_entries(body)
        if not _known_type(entry["resource"].get("resourceType"))
    ]
    if unknown:
        raise MessageRefused(unknown, status=400)
    try:
        bundle = Bundle.model_validate(body)
    except ValidationError as exc:
        raise MessageRefused([_structural(error) for error in exc.errors()], status=400) from exc
    if bundle.type != "message":
        raise MessageRefused(
            [Issue(f'The Bundle is of type "{bundle.type}": send a "message".', "Bundle.type", "structure")], status=400
        )
    first = bundle.entry[0].resource if bundle.entry else None
    if first is None or first.get_resource_type() != "MessageHeader":
        raise MessageRefused(
            [Issue("A message starts with its MessageHeader: none is first.", "Bundle.entry[0].resource", "structure")],
            status=400,
        )
    return bundle


def _raw_entries(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    entries = body.get("entry")
    if not isinstance(entries, list):
        return []
    return [
        (f"Bundle.entry[{i}].resource", e)
        for i, e in enumerate(entries)
        if isinstance(e, dict) and isinstance(e.get("resource"), dict)
    ]


def _known_type(name: Any) -> bool:
    if not isinstance(name, str):
        return True  # no resourceType at all: fhir.resources says so, at its place
    try:
        get_fhir_model_class(name)
    except (KeyError, ValueError):
        return False
    return True


def _structural(error: Any) -> Issue:
    """A pydantic error from fhir.resources as an issue at its FHIRPath: ('entry', 1, 'resource',
    'birthDate') → Bundle.entry[1].resource.birthDate."""
    path = "Bundle"
    for part in error["loc"]:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    message = str(error["msg"]).removeprefix("Value error, ")
    kind = "required" if error["type"] == "missing" else "structure"
    return Issue(message, path, kind)


# --- the content: the referral, the person, who sent it, and any risks ----------------------


class _Reader:
    def __init__(self, bundle: Bundle, body: dict[str, Any]) -> None:
        self.bundle = bundle
        self.entries: list[Resource | None] = [e.resource for e in bundle.entry or []]
        self.full_urls: list[str] = [e.fullUrl or "" for e in bundle.entry or []]
        self.body = body
        self.issues: list[Issue] = []

    def problem(self, diagnostics: str, expression: str | None, code: str = "invalid") -> None:
        self.issues.append(Issue(diagnostics, expression, code))

    def is_cancellation(self) -> bool:
        """BaRS: reason "update" with the ServiceRequest revoked, or the cancellation's definition."""
        header: Any = self.entries[0]
        if header.definition == profiles.BARS_CANCELLATION_DEFINITION:
            return True
        update = any(
            c.system == profiles.BARS_REASONS and c.code == profiles.BARS_UPDATE_REASON
            for c in ((header.reason.coding or []) if header.reason is not None else [])
        )
        requests = [self.entries[i] for i in self._of_type("ServiceRequest")]
        return update and any(getattr(r, "status", None) == "revoked" for r in requests)

    def read_cancellation(self) -> CancellationMessage:
        header: Any = self.entries[0]
        at_header = "Bundle.entry[0].resource"
        if not header.id:
            self.problem("The MessageHeader needs its id: a resend is recognised by it.", f"{at_header}.id", "required")
        event = header.eventCoding
        if event is None or (event.system, event.code) != (profiles.BARS_EVENTS, profiles.BARS_REFERRAL_REQUEST):
            self.problem(
                f"A cancellation is a referral request event: {profiles.BARS_EVENTS}|{profiles.BARS_REFERRAL_REQUEST}.",
                f"{at_header}.eventCoding",
                "not-supported",
            )
        request = self._service_request(header)
        reference = ""
        reason = ""
        paths: dict[str, str] = {}
        if request is not None:
            r, at_r = request
            if r.status != "revoked":
                self.problem('A cancellation\'s ServiceRequest is "revoked".', f"{at_r}.status", "not-supported")
            for i, identifier in enumerate(r.identifier or []):
                if (identifier.system or "").endswith(profiles.REFERRAL_REFERENCE_PATH) and identifier.value:
                    reference, paths["reference"] = identifier.value.strip(), f"{at_r}.identifier[{i}]"
                    break
            else:
                self.problem(
                    "Name the referral to cancel by the identifier our response gave it "
                    f"(system …/{profiles.REFERRAL_REFERENCE_PATH}, value RF-…).",
                    f"{at_r}.identifier",
                    "required",
                )
            reason = "; ".join(n.text.strip() for n in r.note or [] if n.text and n.text.strip()) or "; ".join(
                (c.text or "").strip() for c in r.reasonCode or [] if c.text
            )
        if self.issues:
            raise MessageRefused(self.issues)
        return CancellationMessage(
            message_id=header.id,
            fingerprint=_fingerprint(self.body.get("entry")),
            reply_to=header.source.endpoint,
            reference=reference,
            reason=reason[:1000],
            paths=paths,
        )

    def read(self, *, today: date) -> ReferralMessage:
        header: Any = self.entries[0]
        at_header = "Bundle.entry[0].resource"
        if not header.id:
            self.problem("The MessageHeader needs its id: a resend is recognised by it.", f"{at_header}.id", "required")
        self._event(header, at_header)
        request = self._service_request(header)
        patient = self._patient(request) if request is not None else None
        if request is None or patient is None:
            raise MessageRefused(self.issues)
        (r, at_r), (p, at_p) = request, patient
        paths: dict[str, str] = {}
        urgency = self._urgency(r, at_r)
        need = self._presenting_need(r, at_r, paths)
        sender = self._ods_code(header.sender, f"{at_header}.sender", required=False) if header.sender else None
        source, source_code = self._source(r, at_r)
        person = self._person(p, at_p, today, paths)
        risks = self._risks(at_p)
        paths["received_at"] = f"{at_r}.authoredOn"
        if self.issues:
            raise MessageRefused(self.issues)
        return ReferralMessage(
            message_id=header.id,
            fingerprint=_fingerprint(self.body.get("entry")),
            reply_to=header.source.endpoint,
            source=source,
            source_of_referral=source_code,
            sender_ods_code=sender,
            urgency=urgency,
            presenting_need=need,
            risks=tuple(risks),
            paths=paths,
            **person,
        )

    # The MessageHeader: a new BaRS referral request.
    def _event(self, header: Any, at: str) -> None:
        event = header.eventCoding
        if event is None or (event.system, event.code) != (profiles.BARS_EVENTS, profiles.BARS_REFERRAL_REQUEST):
            self.problem(
                f"Only referral requests are taken: eventCoding {profiles.BARS_EVENTS}|{profiles.BARS_REFERRAL_REQUEST}.",
                f"{at}.eventCoding" if header.eventCoding is not None else f"{at}.eventUri",
                "not-supported",
            )
        for coding in (header.reason.coding or []) if header.reason is not None else []:
            if coding.system == profiles.BARS_REASONS and coding.code != "new":
                self.problem(
                    f'Only new referrals are taken (reason "new"), not "{coding.code}": phone the team about a '
                    "referral already sent.",
                    f"{at}.reason",
                    "not-supported",
                )

    def _service_request(self, header: Any) -> tuple[Any, str] | None:
        found = self._of_type("ServiceRequest")
        focus = [self._resolve(f.reference) for f in header.focus or []]
        focused = [i for i in focus if i is not None and self._type(i) == "ServiceRequest"]
        if focused:
            index = focused[0]
        elif len(found) == 1:
            index = found[0]
        else:
            self.problem(
                "The message carries no ServiceRequest: the referral itself."
                if not found
                else "More than one ServiceRequest, and the MessageHeader's focus names none of them.",
                "Bundle.entry",
                "required",
            )
            return None
        return self.entries[index], f"Bundle.entry[{index}].resource"

    def _patient(self, request: tuple[Any, str]) -> tuple[Any, str] | None:
        r, at = request
        if not self._of_type("Patient"):
            self.problem("The message carries no Patient: who the referral is for.", "Bundle.entry", "required")
            return None
        index = self._resolve(r.subject.reference if r.subject else None)
        if index is None or self._type(index) != "Patient":
            self.problem("The ServiceRequest's subject must reference the Patient in this message.", f"{at}.subject")
            return None
        return self.entries[index], f"Bundle.entry[{index}].resource"

    def _urgency(self, r: Any, at: str) -> str:
        if r.status != "active":
            self.problem(f'A referral request is "active", not "{r.status}".', f"{at}.status", "not-supported")
        if r.priority is None:
            return Referral.Urgency.ROUTINE  # FHIR: no priority is normal priority
        if r.priority not in URGENCY_FOR_PRIORITY:
            allowed = ", ".join(URGENCY_FOR_PRIORITY)
            self.problem(f'"{r.priority}" is not a priority: use one of {allowed}.', f"{at}.priority", "code-invalid")
            return Referral.Urgency.ROUTINE
        return URGENCY_FOR_PRIORITY[r.priority]

    def _presenting_need(self, r: Any, at: str, paths: dict[str, str]) -> str:
        """The reasons (their text, else their codings' displays) and the notes, in that order."""
        parts: list[str] = []
        for reason in r.reasonCode or []:
            text = reason.text or "; ".join(c.display for c in reason.coding or [] if c.display)
            if text and text.strip():
                parts.append(text.strip())
        parts += [note.text.strip() for note in r.note or [] if note.text and note.text.strip()]
        paths["presenting_need"] = f"{at}.reasonCode"
        need = "\n\n".join(parts)
        if not need:
            self.problem(
                "Say what the person needs help with: ServiceRequest.reasonCode text, or a note.",
                f"{at}.reasonCode",
                "required",
            )
        elif len(need) > PRESENTING_NEED_MAX:
            self.problem(f"The reasons and notes come to more than {PRESENTING_NEED_MAX:,} characters.", f"{at}.note")
        return need

    def _source(self, r: Any, at: str) -> tuple[str | None, str]:
        """Referral.source and SourceOfReferralMH from the UK Core source extension, when it
        carries an MHSDS code; else (None, ""): the service decides by the sender."""
        for i, ext in enumerate(r.extension or []):
            if ext.url != profiles.SOURCE_OF_SERVICE_REQUEST_EXTENSION or ext.valueCodeableConcept is None:
                continue
            for j, coding in enumerate(ext.valueCodeableConcept.coding or []):
                if coding.system != profiles.mhsds_system("SourceOfReferralMH"):
                    continue
                if coding.code not in SOURCE_OF_REFERRAL:
                    self.problem(
                        f'"{coding.code}" is not an MHSDS source of referral code.',
                        f"{at}.extension[{i}].valueCodeableConcept.coding[{j}].code",
                        "code-invalid",
                    )
                    return Referral.Source.OTHER, ""
                return SOURCE_FOR_CODE.get(coding.code, Referral.Source.OTHER), coding.code
        return None, ""

    def _person(self, p: Any, at: str, today: date, paths: dict[str, str]) -> dict[str, Any]:
        nhs_number = None
        for i, identifier in enumerate(p.identifier or []):
            if identifier.system == profiles.NHS_NUMBER_SYSTEM:
                paths["nhs_number"] = f"{at}.identifier[{i}].value"
                nhs_number = normalise_nhs_number(identifier.value or "")
                if not is_valid_nhs_number(nhs_number):
                    self.problem(
                        f'"{identifier.value}" is not a valid NHS number (10 digits, the last a check digit).',
                        paths["nhs_number"],
                        "value",
                    )
                break
        given, family = self._name(p, at, paths)
        birth_date = p.birthDate
        paths["birth_date"] = f"{at}.birthDate"
        if isinstance(birth_date, str):  # a year, or a year and month: FHIR allows it, we need the day
            self.problem("Give the whole date of birth (YYYY-MM-DD).", paths["birth_date"], "value")
            birth_date = None
        elif birth_date is not None and birth_date > today:
            self.problem("A date of birth cannot be in the future.", paths["birth_date"], "value")
        postcode = ""
        homes = sorted(enumerate(p.address or []), key=lambda a: a[1].use != "home")
        for i, address in homes:
            if address.postalCode:
                postcode, paths["postcode"] = address.postalCode.strip(), f"{at}.address[{i}].postalCode"
                break
        practice = None
        for i, gp in enumerate(p.generalPractitioner or []):
            practice = self._ods_code(gp, f"{at}.generalPractitioner[{i}]")
            if practice is not None:
                paths["gp_practice"] = f"{at}.generalPractitioner[{i}].identifier.value"
                break
        return {
            "nhs_number": nhs_number or None,
            "given_name": given,
            "family_name": family,
            "birth_date": birth_date,
            "postcode": postcode,
            "practice_ods_code": practice,
        }

    def _name(self, p: Any, at: str, paths: dict[str, str]) -> tuple[str, str]:
        names = sorted(enumerate(p.name or []), key=lambda n: n[1].use not in ("official", "usual"))
        if not names:
            self.problem("The Patient needs a name.", f"{at}.name", "required")
            return "", ""
        i, name = names[0]
        given = (name.given or [""])[0].strip()
        family = (name.family or "").strip()
        paths["given_name"], paths["family_name"] = f"{at}.name[{i}].given", f"{at}.name[{i}].family"
        if not given:
            self.problem("The Patient's name needs a given name.", paths["given_name"], "required")
        if not family:
            self.problem("The Patient's name needs a family name.", paths["family_name"], "required")
        if len(given) > 100 or len(family) > 100:
            self.problem("A name is at most 100 characters.", f"{at}.name[{i}]")
        return given, family

    def _ods_code(self, reference: Any, at: str, *, required: bool = True) -> str | None:
        """An organisation's ODS code: on the reference itself (a logical reference), or on the
        Organization it points to in this message. ``required``: its absence is a problem."""
        identifier = reference.identifier
        if identifier is None:
            index = self._resolve(reference.reference)
            if index is not None and self._type(index) == "Organization":
                org: Any = self.entries[index]
                ods = [i for i in org.identifier or [] if i.system == profiles.ODS_ORGANISATION_SYSTEM]
                identifier = ods[0] if ods else None
        if identifier is None or identifier.system != profiles.ODS_ORGANISATION_SYSTEM or not identifier.value:
            if required:
                self.problem(f"Name the organisation by its ODS code ({profiles.ODS_ORGANISATION_SYSTEM}).", at)
            return None
        code = identifier.value.strip().upper()
        if not re.fullmatch(r"[A-Z0-9]{3,12}", code):
            if not required:
                return None
            self.problem(f'"{identifier.value}" is not an ODS code.', f"{at}.identifier.value", "value")
            return None
        return code

    def _risks(self, at_patient: str) -> list[Risk]:
        """Each active Flag about the Patient becomes a risk flag ("other": the note says what)."""
        risks = []
        for index in self._of_type("Flag"):
            flag: Any = self.entries[index]
            at = f"Bundle.entry[{index}].resource"
            if flag.status != "active":
                continue  # inactive or entered in error: nothing to raise
            subject = self._resolve(flag.subject.reference if flag.subject else None)
            if subject is None or f"Bundle.entry[{subject}].resource" != at_patient:
                self.problem("A Flag must be about the Patient in this message.", f"{at}.subject")
                continue
            code = flag.code
            note = code.text or "; ".join(c.display for c in code.coding or [] if c.display)
            if not note.strip():
                self.problem("Say what the risk is: Flag.code text or a coding's display.", f"{at}.code", "required")
                continue
            risks.append(Risk(note=note.strip(), expression=at))
        return risks

    # References inside the message.
    def _of_type(self, resource_type: str) -> list[int]:
        return [i for i in range(len(self.entries)) if self._type(i) == resource_type]

    def _type(self, index: int) -> str | None:
        resource = self.entries[index]
        return resource.get_resource_type() if resource is not None else None

    def _resolve(self, reference: str | None) -> int | None:
        """The entry a reference points to: by fullUrl (urn:uuid:… or absolute), else Type/id."""
        if not reference:
            return None
        for i, url in enumerate(self.full_urls):
            if url and (url == reference or url.endswith(f"/{reference}")):
                return i
        if "/" in reference:
            kind, _, rid = reference.rpartition("/")
            kind = kind.rpartition("/")[2]
            for i, resource in enumerate(self.entries):
                if resource is not None and (resource.get_resource_type(), resource.id) == (kind, rid):
                    return i
        return None


def _fingerprint(entries: Any) -> str:
    canonical = json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
