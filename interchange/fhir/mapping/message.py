"""The answer to a referral sent as a FHIR message: a response message Bundle.

Its MessageHeader answers the request's (``response.identifier``, code "ok") and points at the
referral made (``focus``: the ServiceRequest, by its id and our reference); a Task per waiting-time
clock says who holds it and by when the first response and treatment are due.

It is a receipt, never a view of the record: the person may be someone we already knew (matched
by NHS number), so nothing stored about them is echoed, not even their Patient id (issue 10,
``referrals.api.serializers.ReferralReceiptSerializer``). The Tasks carry no ``for``.
"""

from collections.abc import Sequence
from datetime import datetime

from fhir.resources.R4B.bundle import Bundle

from interchange.fhir import profiles
from referrals.models import Clock, Referral

from .common import Json, service_request_reference, team_reference
from .referral import task_status

SOFTWARE = "Community mental health referrals"


def message_response(
    *,
    request_id: str,
    response_id: str,
    reply_to: str,
    referral: Referral,
    clocks: Sequence[Clock],
    base: str,
    now: datetime,
) -> Bundle:
    """``base`` ends in "/". Reads ``referral.team`` and each clock's (the same referral)."""
    focus: Json = {
        **service_request_reference(referral),
        "reference": f"{base}ServiceRequest/{referral.pk}",
        "identifier": {"system": f"{base}Id/referral-reference", "value": referral.reference},
    }
    header: Json = {
        "resourceType": "MessageHeader",
        "id": response_id,
        "meta": {"profile": [profiles.MESSAGE_HEADER_PROFILE]},
        "eventCoding": {"system": profiles.BARS_EVENTS, "code": profiles.BARS_REFERRAL_RESPONSE},
        "destination": [{"endpoint": reply_to}],
        "source": {"name": SOFTWARE, "endpoint": f"{base}$process-message"},
        "response": {"identifier": request_id, "code": "ok"},
        "focus": [focus],
    }
    entries = [{"fullUrl": f"urn:uuid:{response_id}", "resource": header}]
    entries += [{"fullUrl": f"{base}Task/{clock.pk}", "resource": _clock(clock, referral, focus)} for clock in clocks]
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "id": response_id,
            "meta": {"profile": [profiles.BUNDLE_PROFILE]},
            "type": "message",
            "timestamp": now,
            "entry": entries,
        }
    )


def _clock(clock: Clock, referral: Referral, focus: Json) -> Json:
    task: Json = {
        "resourceType": "Task",
        "id": str(clock.pk),
        "meta": {"profile": [profiles.TASK_PROFILE]},
        "status": task_status(clock),
        "intent": "order",
        "code": {"text": clock.get_kind_display()},
        "focus": focus,
        "basedOn": [focus],
        "authoredOn": clock.started_at,
        "restriction": {"period": {"start": clock.started_at, "end": clock.due_at}},
    }
    if referral.team is not None:
        task["owner"] = team_reference(referral.team)
    return task
