"""manage.py load_snomed_refsets: a trust loads the assessment and intervention reference sets
from its SNOMED CT UK release, so a psychosocial or medication intervention can be coded
(docs/measures.md, "Code lists"). The releases here are synthetic (tests/codes/release.py)."""

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditEvent
from codes.models import SnomedRefsetMember
from codes.snomed import ASSESSMENT_REFSET, MEDICATION_REFSET, PSYCHOLOGICAL_THERAPY_REFSET, PSYCHOSOCIAL_REFSET

from .release import (
    SYNTHETIC_ASSESSMENT,
    SYNTHETIC_MEDICATION,
    SYNTHETIC_OTHER_REFSET,
    SYNTHETIC_PSYCHOSOCIAL,
    SYNTHETIC_PSYCHOSOCIAL_OTHER,
    SYNTHETIC_THERAPY,
    member,
    term,
    write_release,
)

pytestmark = pytest.mark.django_db

APRIL = [
    member(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL),
    member(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL_OTHER),
    member(MEDICATION_REFSET, SYNTHETIC_MEDICATION),
    member(ASSESSMENT_REFSET, SYNTHETIC_ASSESSMENT),
    member(PSYCHOLOGICAL_THERAPY_REFSET, SYNTHETIC_THERAPY),
]
APRIL_TERMS = [
    term(SYNTHETIC_PSYCHOSOCIAL, "Synthetic befriending intervention (test only)"),
    term(SYNTHETIC_PSYCHOSOCIAL_OTHER, "Synthetic housing support (test only)"),
    term(SYNTHETIC_MEDICATION, "Synthetic medication review (test only)"),
    term(SYNTHETIC_ASSESSMENT, "Synthetic needs assessment (test only)"),
    term(SYNTHETIC_THERAPY, "Synthetic talking therapy (test only)"),
]


def load(*paths: Path, by: str = "") -> str:
    out = StringIO()
    call_command("load_snomed_refsets", *map(str, paths), *(["--by", by] if by else []), stdout=out)
    return out.getvalue()


def members() -> dict[tuple[str, str], tuple[bool, str, date]]:
    return {(m.refset_id, m.concept_id): (m.active, m.term, m.effective_time) for m in SnomedRefsetMember.objects.all()}


def test_loading_a_release_keeps_each_member_with_its_term_and_prints_the_counts(tmp_path):
    release = write_release(tmp_path, members=APRIL, terms=APRIL_TERMS)

    printed = load(release)

    assert members()[(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL)] == (
        True,
        "Synthetic befriending intervention (test only)",
        date(2026, 4, 1),
    )
    assert len(members()) == 5
    assert f"{PSYCHOSOCIAL_REFSET} Psychosocial interventions: 2 active, 0 inactive (2 added, 0 changed)" in printed
    assert f"{MEDICATION_REFSET} Medication and physical therapy interventions: 1 active" in printed
    assert f"{ASSESSMENT_REFSET} Assessment procedures: 1 active" in printed
    assert f"{PSYCHOLOGICAL_THERAPY_REFSET} Psychological therapies: 1 active" in printed


def test_only_the_four_reference_sets_the_clock_stop_reads_are_kept(tmp_path):
    release = write_release(
        tmp_path,
        members=[*APRIL, member(SYNTHETIC_OTHER_REFSET, "9990000000005001")],
        terms=[*APRIL_TERMS, term("9990000000005001", "Synthetic unrelated procedure (test only)")],
    )

    load(release)

    assert {refset for refset, _concept in members()} == {
        ASSESSMENT_REFSET,
        PSYCHOLOGICAL_THERAPY_REFSET,
        PSYCHOSOCIAL_REFSET,
        MEDICATION_REFSET,
    }
    assert not SnomedRefsetMember.objects.filter(concept_id="9990000000005001").exists()


def test_loading_the_same_release_again_changes_nothing(tmp_path):
    release = write_release(tmp_path, members=APRIL, terms=APRIL_TERMS)
    load(release)
    first = {m.pk: (m.loaded_at, m.active, m.term) for m in SnomedRefsetMember.objects.all()}

    printed = load(release)

    assert {m.pk: (m.loaded_at, m.active, m.term) for m in SnomedRefsetMember.objects.all()} == first
    assert f"{PSYCHOSOCIAL_REFSET} Psychosocial interventions: 2 active, 0 inactive (0 added, 0 changed)" in printed


def test_a_later_release_that_inactivates_a_member_keeps_it_as_inactive(tmp_path):
    load(write_release(tmp_path / "april", members=APRIL, terms=APRIL_TERMS))
    october = [
        member(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL, active=False, effective="20261001"),
        *APRIL[1:],
    ]

    printed = load(write_release(tmp_path / "october", members=october, version="20261001"))

    assert members()[(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL)] == (
        False,
        "Synthetic befriending intervention (test only)",  # the term is kept when the release has none
        date(2026, 10, 1),
    )
    assert f"{PSYCHOSOCIAL_REFSET} Psychosocial interventions: 1 active, 1 inactive (0 added, 1 changed)" in printed


def test_an_older_release_loaded_after_a_newer_one_changes_nothing(tmp_path):
    october = [member(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL, active=False, effective="20261001")]
    load(write_release(tmp_path / "october", members=october, version="20261001"))

    load(write_release(tmp_path / "april", members=APRIL[:1]))

    assert members()[(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL)][0] is False


def test_in_a_full_file_the_row_with_the_latest_effective_time_wins(tmp_path):
    history = [
        member(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL, effective="20250401"),
        member(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL, active=False, effective="20261001"),
        member(MEDICATION_REFSET, SYNTHETIC_MEDICATION, active=False, effective="20250401"),
        member(MEDICATION_REFSET, SYNTHETIC_MEDICATION, effective="20251001"),
    ]

    load(write_release(tmp_path, members=history, kind="Full", version="20261001"))

    assert members()[(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL)][::2] == (False, date(2026, 10, 1))
    assert members()[(MEDICATION_REFSET, SYNTHETIC_MEDICATION)][::2] == (True, date(2025, 10, 1))


def test_a_release_folder_is_read_from_its_snapshot_when_it_has_one(tmp_path):
    write_release(tmp_path, members=APRIL[:1], kind="Full")
    release = write_release(tmp_path, members=APRIL[1:2], kind="Snapshot")

    load(release)

    assert set(members()) == {(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL_OTHER)}


def test_the_term_is_an_active_synonym_before_the_fully_specified_name(tmp_path):
    terms = [
        term(SYNTHETIC_PSYCHOSOCIAL, "Synthetic befriending intervention (procedure)", fsn=True),
        term(SYNTHETIC_PSYCHOSOCIAL, "Synthetic old befriending name (test only)", active=False, effective="20260401"),
        term(SYNTHETIC_PSYCHOSOCIAL, "Synthetic befriending (test only)", effective="20250401"),
        term(SYNTHETIC_MEDICATION, "Synthetic medication review (procedure)", fsn=True),
    ]

    load(write_release(tmp_path, members=APRIL[:1] + APRIL[2:3], terms=terms))

    assert members()[(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL)][1] == "Synthetic befriending (test only)"
    assert members()[(MEDICATION_REFSET, SYNTHETIC_MEDICATION)][1] == "Synthetic medication review (procedure)"


def test_files_can_be_named_one_by_one(tmp_path):
    release = write_release(tmp_path, members=APRIL, terms=APRIL_TERMS)
    [refsets] = release.rglob("der2_Refset_Simple*.txt")
    [descriptions] = release.rglob("sct2_Description_*.txt")

    load(refsets, descriptions)

    assert members()[(MEDICATION_REFSET, SYNTHETIC_MEDICATION)][1] == "Synthetic medication review (test only)"


def test_the_load_is_audited_once_with_who_ran_it_and_the_counts(tmp_path, alice):
    load(write_release(tmp_path, members=APRIL, terms=APRIL_TERMS), by=alice.username)

    [event] = AuditEvent.objects.filter(action="snomed_refsets.load")
    assert event.actor == alice
    assert event.object_type == "codes.snomedrefsetmember"
    psychosocial = next(r for r in event.detail["refsets"] if r["refset_id"] == PSYCHOSOCIAL_REFSET)
    assert (psychosocial["active"], psychosocial["added"]) == (2, 2)
    assert SnomedRefsetMember.objects.filter(loaded_by=alice.username).count() == 5


def test_a_load_from_the_command_line_without_a_user_is_audited_without_one(tmp_path):
    load(write_release(tmp_path, members=APRIL))

    [event] = AuditEvent.objects.filter(action="snomed_refsets.load")
    assert event.actor is None


def test_a_line_that_is_not_rf2_is_refused_naming_the_file_and_line_and_nothing_is_loaded(tmp_path):
    release = write_release(tmp_path, members=APRIL)
    [refsets] = release.rglob("der2_Refset_Simple*.txt")
    with refsets.open("a", encoding="utf-8") as out:
        out.write("not\tan\tRF2 row\r\n")

    with pytest.raises(CommandError, match=rf"{refsets.name}: line 7 has 3 columns"):
        load(release)

    assert not SnomedRefsetMember.objects.exists()
    assert not AuditEvent.objects.filter(action="snomed_refsets.load").exists()


def test_a_folder_without_a_reference_set_file_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()

    with pytest.raises(CommandError, match="No simple reference set file"):
        load(tmp_path / "empty")
