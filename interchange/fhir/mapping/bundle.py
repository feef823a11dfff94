"""Search results (a searchset Bundle), errors (OperationOutcome) and what the server can do
(CapabilityStatement)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.resource import Resource

from interchange.fhir import profiles


@dataclass(frozen=True)
class Links:
    self: str
    next: str | None = None
    previous: str | None = None


def searchset(resources: Sequence[Resource], *, total: int | None, base: str, links: Links) -> Bundle:
    """A page of search results. ``base`` is the server's address ending in "/"; ``total`` None
    leaves Bundle.total out (``_total=none``, or more matches than are counted)."""
    link = [{"relation": "self", "url": links.self}]
    if links.next:
        link.append({"relation": "next", "url": links.next})
    if links.previous:
        link.append({"relation": "previous", "url": links.previous})
    entries = [
        {
            "fullUrl": f"{base}{r.get_resource_type()}/{r.id}",
            "resource": r.model_dump(mode="json"),
            "search": {"mode": "match"},
        }
        for r in resources
    ]
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "meta": {"profile": [profiles.BUNDLE_PROFILE]},
            "type": "searchset",
            **({"total": total} if total is not None else {}),
            "link": link,
            "entry": entries,
        }
    )


def operation_outcome(code: str, diagnostics: str, *, severity: str = "error") -> OperationOutcome:
    return operation_outcome_of([(code, diagnostics, None)], severity=severity)


def operation_outcome_of(issues: Iterable[tuple[str, str, str | None]], *, severity: str = "error") -> OperationOutcome:
    """One issue per (FHIR issue type, what is wrong, FHIRPath of where it is or None)."""
    return OperationOutcome.model_validate(
        {
            "resourceType": "OperationOutcome",
            "meta": {"profile": [profiles.OPERATION_OUTCOME_PROFILE]},
            "issue": [
                {"severity": severity, "code": code, "diagnostics": diagnostics}
                | ({"expression": [expression]} if expression else {})
                for code, diagnostics, expression in issues
            ],
        }
    )


@dataclass(frozen=True)
class Searchable:
    """One resource type the server reads, and the search parameters it answers."""

    type: str
    profile: str
    params: tuple[tuple[str, str, str], ...]  # (name, FHIR type, documentation)


def capability_statement(
    *, resources: Iterable[Searchable], base: str, published: datetime, software: str
) -> CapabilityStatement:
    return CapabilityStatement.model_validate(
        {
            "resourceType": "CapabilityStatement",
            "meta": {"profile": [profiles.CAPABILITY_STATEMENT_PROFILE]},
            "status": "active",
            "date": published,
            "kind": "instance",
            "software": {"name": software},
            "implementation": {
                "description": "FHIR API of the referral and caseload system: reads and searches, and "
                "referrals received as messages",
                "url": base,
            },
            "fhirVersion": profiles.FHIR_VERSION,
            "format": ["application/fhir+json", "json"],
            "rest": [
                {
                    "mode": "server",
                    "security": {
                        "description": "An API token (Authorization: Token …) or a signed-in session. Each "
                        "user sees exactly the records the pages and /api/v1/ show them; every read is audited.",
                    },
                    "resource": [
                        {
                            "type": r.type,
                            "profile": r.profile,
                            "interaction": [{"code": "read"}, {"code": "search-type"}],
                            "searchParam": [
                                {"name": name, "type": kind, "documentation": doc} for name, kind, doc in r.params
                            ],
                        }
                        for r in resources
                    ],
                    "operation": [
                        {
                            "name": "process-message",
                            "definition": profiles.PROCESS_MESSAGE_OPERATION,
                            "documentation": "POST [base]/$process-message: a BaRS referral request (a Bundle "
                            "of type message) from an account that takes referrals. Answered with a response "
                            "message naming the referral made; a resend (the same MessageHeader.id) gets the "
                            "same response and makes nothing. A BaRS cancellation (reason update, the "
                            "ServiceRequest revoked, naming our RF- reference) from the same sender closes "
                            "the referral.",
                        }
                    ],
                }
            ],
            "messaging": [
                {
                    "endpoint": [
                        {
                            "protocol": {"system": profiles.MESSAGE_TRANSPORT_SYSTEM, "code": "http"},
                            "address": f"{base}$process-message",
                        }
                    ],
                    "documentation": "Synchronous: the response message is the answer to the POST.",
                    "supportedMessage": [
                        {"mode": "receiver", "definition": profiles.BARS_REFERRAL_DEFINITION},
                        {"mode": "receiver", "definition": profiles.BARS_CANCELLATION_DEFINITION},
                    ],
                }
            ],
        }
    )
