"""A made-up SNOMED CT release in RF2, written for a test: the real four reference set ids the
measures read, with synthetic concepts, terms, modules and row ids (none of it SNOMED content).

    folder = write_release(tmp_path, members=[member(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL)],
                           terms=[term(SYNTHETIC_PSYCHOSOCIAL, "Synthetic befriending (test only)")])
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from codes.rf2 import DESCRIPTION_COLUMNS, FULLY_SPECIFIED_NAME, REFSET_COLUMNS, SYNONYM

SYNTHETIC_MODULE = "9999999999999101"
SYNTHETIC_CASE_SIGNIFICANCE = "9999999999999201"
# Made-up concepts, nowhere in SNOMED CT.
SYNTHETIC_PSYCHOSOCIAL = "9990000000001001"
SYNTHETIC_PSYCHOSOCIAL_OTHER = "9990000000001002"
SYNTHETIC_MEDICATION = "9990000000002001"
SYNTHETIC_ASSESSMENT = "9990000000003001"
SYNTHETIC_THERAPY = "9990000000004001"
SYNTHETIC_OTHER_REFSET = "9990000000009009"  # a reference set the loader does not keep


@dataclass(frozen=True)
class MemberRow:
    refset_id: str
    concept_id: str
    active: bool = True
    effective: str = "20260401"


@dataclass(frozen=True)
class TermRow:
    concept_id: str
    term: str
    type_id: str = SYNONYM
    active: bool = True
    effective: str = "20260401"
    description_id: str = ""


def member(refset_id: str, concept_id: str, *, active: bool = True, effective: str = "20260401") -> MemberRow:
    return MemberRow(refset_id, concept_id, active, effective)


def term(concept_id: str, text: str, *, fsn: bool = False, active: bool = True, effective: str = "20260401") -> TermRow:
    return TermRow(concept_id, text, FULLY_SPECIFIED_NAME if fsn else SYNONYM, active, effective)


def _write(path: Path, header: tuple[str, ...], lines: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        for line in [list(header), *lines]:
            out.write("\t".join(line) + "\r\n")  # RF2 lines end in CRLF


def write_release(
    folder: Path,
    *,
    members: Sequence[MemberRow],
    terms: Sequence[TermRow] = (),
    kind: str = "Snapshot",
    version: str = "20260401",
) -> Path:
    """Write a release folder the way a SNOMED CT UK release lays it out; returns the folder."""
    root = folder / f"SyntheticRF2_{version}" / kind
    _write(
        root / "Refset" / "Content" / f"der2_Refset_Simple{kind}_GB9999999_{version}.txt",
        REFSET_COLUMNS,
        [
            [
                f"00000000-0000-4000-8000-{n:012d}",
                m.effective,
                "1" if m.active else "0",
                SYNTHETIC_MODULE,
                m.refset_id,
                m.concept_id,
            ]
            for n, m in enumerate(members, start=1)
        ],
    )
    _write(
        root / "Terminology" / f"sct2_Description_{kind}-en_GB9999999_{version}.txt",
        DESCRIPTION_COLUMNS,
        [
            [
                t.description_id or f"99900000{n:06d}11",
                t.effective,
                "1" if t.active else "0",
                SYNTHETIC_MODULE,
                t.concept_id,
                "en",
                t.type_id,
                t.term,
                SYNTHETIC_CASE_SIGNIFICANCE,
            ]
            for n, t in enumerate(terms, start=1)
        ],
    )
    return folder / f"SyntheticRF2_{version}"
