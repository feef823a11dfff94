"""One referral all the way round: a GP system sends it as a FHIR message; it waits in the
locality team's triage queue with its clocks running; a clinician records two contacts on the
web page; a FHIR client reads them back as Encounters; and the month's MHSDS extract submits the
referral and both contacts with their national codes."""

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from interchange.mhsds.period import reporting_period
from interchange.mhsds.writer import extract_write
from referrals.models import Clock, Referral
from referrals.web.triage.queries import triage_queue

from .fhir.messages import PROCESS_MESSAGE, referral_message

# Tuesday 3 November 2026, 09:00: after the clocks went back, so UK time is UTC.
SENT = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def fhir_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def read_extract(path) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(path) as archive:
        return {
            name.removesuffix(".csv"): list(csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8")))
            for name in archive.namelist()
        }


@pytest.mark.django_db
def test_a_referral_sent_as_a_fhir_message_is_triaged_contacted_read_back_and_submitted_to_mhsds(
    client, intake, alice, trust, north_team, north_practice, tmp_path
):
    trust.ods_code = "RXX"
    trust.save(update_fields=["ods_code"])
    north_team.mhsds_team_type = "A06"  # a community mental health team
    north_team.save(update_fields=["mhsds_team_type"])

    with time_machine.travel(SENT, tick=False) as clock:
        # 1. The GP practice's system sends an urgent referral as a BaRS message.
        sent = fhir_client(intake).post(
            PROCESS_MESSAGE,
            json.dumps(referral_message(priority="urgent", practice="L81001", sender="L81001")),
            content_type="application/fhir+json",
        )
        assert sent.status_code == 200, sent.content
        [focus] = sent.json()["entry"][0]["resource"]["focus"]
        referral = Referral.objects.get(pk=focus["reference"].rsplit("/", 1)[1])
        first_response = referral.clocks.get(kind=Clock.Kind.FIRST_RESPONSE, is_current=True)

        # 2. It waits in North team's triage queue, its first response due by the urgent target.
        [queued] = triage_queue(alice)
        assert queued == referral and queued.first_response_due == first_response.due_at
        client.force_login(alice)
        page = client.get(reverse("referrals:triage"))
        assert referral.reference in page.content.decode()

        # 3. Alice rings the next morning (no answer recorded as did not attend), then sees them.
        contact_url = reverse("referrals:contact_new", args=[referral.pk])
        prefix = f"contact-{referral.pk}"
        for hours, mechanism, attendance in ((24, "02", "3"), (26, "01", "5")):
            clock.move_to(SENT + timedelta(hours=hours))
            posted = client.post(
                contact_url, {f"{prefix}-consultation_mechanism": mechanism, f"{prefix}-attendance": attendance}
            )
            assert posted.status_code == 302, posted.content.decode()

        # 4. A FHIR client reads the contacts back as Encounters on the referral.
        found = fhir_client(alice).get("/fhir/Encounter", {"based-on": f"ServiceRequest/{referral.pk}"}).json()
        encounters = [e["resource"] for e in found["entry"]]
        assert [(e["status"], e["class"]["code"]) for e in encounters] == [("finished", "AMB"), ("cancelled", "VR")]
        assert [{c["coding"][0]["code"] for c in e["type"]} for e in encounters] == [{"01", "5"}, {"02", "3"}]

    # 5. November's MHSDS extract holds the referral and both contacts, coded.
    path = tmp_path / "november.zip"
    extract_write(path=path, period=reporting_period("2026-11"), org_code="RXX", now=datetime(2026, 12, 2, tzinfo=UTC))
    tables = read_extract(path)
    [submitted] = tables["MHS101Referral"]
    assert (submitted["ServiceRequestId"], submitted["SourceOfReferralMH"], submitted["ClinRespPriorityType"]) == (
        referral.reference,
        "A1",  # a GP practice
        "2",  # urgent
    )
    assert submitted["ReferralRequestReceivedDate"] == "2026-11-03"
    contacts = {
        (row["CareContDate"], row["ConsMechanismMH"], row["AttendStatus"])
        for row in tables["MHS201CareContact"]
        if row["ServiceRequestId"] == referral.reference
    }
    assert contacts == {("2026-11-04", "02", "3"), ("2026-11-04", "01", "5")}
