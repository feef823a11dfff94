"""The MHSDS extract pages: service managers and IG leads ask for a month, watch it build and
download it; each step is in the audit log; everyone else gets a 404."""

import zipfile
from io import BytesIO

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from interchange.models import ExtractRun
from interchange.tasks import build_mhsds_extract
from tests.reporting.measures.cases import contact, refer, uk

pytestmark = pytest.mark.django_db
INDEX = reverse("interchange:mhsds")


@pytest.fixture
def a_month_of_records(alice, community_team):
    referral = refer(by=alice, team=community_team, at=uk(2026, 11, 2, 9, 0))
    contact(referral, alice, uk(2026, 11, 3, 9, 0))
    return referral


@pytest.mark.parametrize("who", ["alice", "bob", "tina", "intake", "charlie"])
def test_clinical_and_intake_staff_get_404_on_every_extract_page(client, request, who, sam):
    run = ExtractRun.objects.create(period="2026-11", org_code="RXX", requested_by=sam, created_at=uk(2026, 12, 1))
    client.force_login(request.getfixturevalue(who))

    for url in (
        INDEX,
        reverse("interchange:mhsds_run", args=[run.pk]),
        reverse("interchange:mhsds_zip", args=[run.pk]),
        reverse("interchange:mhsds_validation", args=[run.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(INDEX, {"period": "2026-11"}).status_code == 404
    assert not ExtractRun.objects.exclude(pk=run.pk).exists()


def test_a_service_manager_asks_for_a_month_watches_it_build_and_downloads_the_zip(client, sam, a_month_of_records):
    client.force_login(sam)

    response = client.post(INDEX, {"period": "2026-11"})
    run = ExtractRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("interchange:mhsds_run", args=[run.pk])
    assert (run.status, run.period, run.org_code, run.requested_by) == ("queued", "2026-11", "RXX", sam)
    waiting = client.get(response["Location"], headers={"HX-Request": "true"})
    assert b'hx-trigger="every 2s"' in waiting.content and b"Queued" in waiting.content

    build_mhsds_extract(run.pk)  # what the worker does with the queued task

    run.refresh_from_db()
    assert (run.status, run.progress, run.counts["MHS101Referral"], run.counts["MHS201CareContact"]) == (
        "done",
        100,
        1,
        1,
    )
    page = client.get(reverse("interchange:mhsds_run", args=[run.pk]))
    assert b"hx-trigger" not in page.content and b"MHSDS_RXX_2026-11.zip" in page.content
    assert b"No GP practice" in page.content  # the person has no GP: named, with its effect
    download = client.get(reverse("interchange:mhsds_zip", args=[run.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="MHSDS_RXX_2026-11.zip"'
    with zipfile.ZipFile(BytesIO(b"".join(download.streaming_content))) as archive:
        assert "MHS101Referral.csv" in archive.namelist()
    report = client.get(reverse("interchange:mhsds_validation", args=[run.pk]))
    assert b"".join(report.streaming_content).decode("utf-8-sig").startswith("check,table,data_element,record")

    actions = list(AuditEvent.objects.filter(object_type="interchange.extractrun").values_list("action", "actor_id"))
    assert sorted(actions) == sorted(
        [
            ("mhsds.extract.request", sam.pk),
            ("mhsds.extract.build", None),
            ("mhsds.extract.download.zip", sam.pk),
            ("mhsds.extract.download.validation", sam.pk),
        ]
    )


def test_an_ig_lead_may_make_extracts_too_and_a_bad_month_is_refused_with_what_to_type(client, ingrid):
    client.force_login(ingrid)

    response = client.post(INDEX, {"period": "11/2026"})

    assert response.status_code == 200
    assert b"give the reporting period as YYYY-MM" in response.content
    assert not ExtractRun.objects.exists()


def test_a_second_worker_given_the_same_run_finds_it_taken(sam, a_month_of_records):
    from interchange.services import extract_run_claim

    run = ExtractRun.objects.create(period="2026-11", org_code="RXX", requested_by=sam, created_at=uk(2026, 12, 1))

    assert extract_run_claim(run_id=run.pk, now=uk(2026, 12, 1, 9, 1)) is True
    assert extract_run_claim(run_id=run.pk, now=uk(2026, 12, 1, 9, 1)) is False


def test_a_build_that_cannot_write_its_file_is_recorded_as_failed_with_the_reason_and_shown(
    client, tmp_path, sam, a_month_of_records
):
    from interchange.services import extract_run_build, extract_run_claim, extract_run_request

    run = extract_run_request(period="2026-11", org_code="RXX", by=sam, now=uk(2026, 12, 1, 9, 0))
    extract_run_claim(run_id=run.pk, now=uk(2026, 12, 1, 9, 0))
    (tmp_path / "taken.zip").mkdir()  # a directory where the zip should go

    run = extract_run_build(run_id=run.pk, now=uk(2026, 12, 1, 9, 0), out=tmp_path / "taken.zip")

    assert (run.status, run.file_path) == ("failed", "")
    assert run.error.startswith("IsADirectoryError")
    assert AuditEvent.objects.filter(action="mhsds.extract.fail", object_id=str(run.pk)).exists()
    client.force_login(sam)
    page = client.get(reverse("interchange:mhsds_run", args=[run.pk]))
    assert b"The extract failed" in page.content and b"hx-trigger" not in page.content
    assert client.get(reverse("interchange:mhsds_zip", args=[run.pk])).status_code == 404


def test_the_menu_offers_the_extract_to_service_managers_and_ig_leads_only(client, sam, ingrid, alice):
    for user, offered in ((sam, True), (ingrid, True), (alice, False)):
        client.force_login(user)
        assert (b'href="/interchange/mhsds/"' in client.get("/").content) is offered, user.username
