"""manage.py mhsds_extract: a month's extract from the command line, audited as a run with no user."""

import zipfile

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditEvent
from interchange.models import ExtractRun
from tests.reporting.measures.cases import refer, uk

pytestmark = pytest.mark.django_db


def test_the_command_writes_the_months_zip_where_told_and_says_what_is_in_it(tmp_path, capsys, alice, community_team):
    refer(by=alice, team=community_team, at=uk(2026, 11, 2, 9, 0))
    out = tmp_path / "out" / "november.zip"

    call_command("mhsds_extract", "--period", "2026-11", "--out", str(out))

    printed = capsys.readouterr().out
    assert f"Wrote {out}" in printed and "MHS101Referral: 1 rows" in printed
    with zipfile.ZipFile(out) as archive:
        assert "MHS001MPI.csv" in archive.namelist()
    run = ExtractRun.objects.get()
    assert (run.status, run.requested_by, run.file_path) == ("done", None, str(out))
    assert AuditEvent.objects.filter(action="mhsds.extract.request", actor=None, object_id=str(run.pk)).exists()


def test_the_command_refuses_a_period_that_is_not_a_month():
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("mhsds_extract", "--period", "2026-13")
