"""Reading the two kinds of SNOMED CT RF2 file the reference-set loader needs, line by line (a
UK release's description files run to millions of lines, so nothing is read whole).

- Simple reference sets, ``der2_Refset_Simple*.txt``: id, effectiveTime, active, moduleId,
  refsetId, referencedComponentId.
- Descriptions, ``sct2_Description_*.txt``: id, effectiveTime, active, moduleId, conceptId,
  languageCode, typeId, term, caseSignificanceId.

Both are UTF-8, tab-separated, with a header line. A file holds every version of a row (Full),
the latest (Snapshot) or the changes since the last release (Delta): whichever it is, the row
with the latest effectiveTime wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REFSET_PATTERN = "der2_Refset_Simple*.txt"
DESCRIPTION_PATTERN = "sct2_Description_*.txt"
REFSET_COLUMNS = ("id", "effectiveTime", "active", "moduleId", "refsetId", "referencedComponentId")
DESCRIPTION_COLUMNS = (
    "id",
    "effectiveTime",
    "active",
    "moduleId",
    "conceptId",
    "languageCode",
    "typeId",
    "term",
    "caseSignificanceId",
)
SYNONYM = "900000000000013009"
FULLY_SPECIFIED_NAME = "900000000000003001"
# A synonym reads better than the fully specified name, which ends in its semantic tag.
_TYPE_PREFERENCE = {SYNONYM: 0, FULLY_SPECIFIED_NAME: 1}


class ReleaseError(ValueError):
    """A path or a line the loader cannot read as RF2; the message names the file and line."""


@dataclass(frozen=True)
class ReleaseFiles:
    refsets: tuple[Path, ...]
    descriptions: tuple[Path, ...]


@dataclass(frozen=True)
class Member:
    """A reference set member's latest state in the files read."""

    refset_id: str
    concept_id: str
    active: bool
    effective_time: date


def _kind(path: Path) -> str:
    if path.match(REFSET_PATTERN):
        return "refset"
    if path.match(DESCRIPTION_PATTERN):
        return "description"
    return ""


def _prefer_snapshot(found: list[Path]) -> list[Path]:
    """A release folder holds the same rows as Full, Snapshot and Delta files: read the Snapshot
    when there is one (the latest state, the smallest file), else everything found."""
    snapshots = [path for path in found if "Snapshot" in path.name]
    return snapshots or found


def release_files(paths: Iterable[Path]) -> ReleaseFiles:
    """The simple reference set and description files among ``paths``: files as given, folders
    searched (with their subfolders), preferring a folder's Snapshot files."""
    refsets: list[Path] = []
    descriptions: list[Path] = []
    for path in paths:
        if path.is_dir():
            refsets += _prefer_snapshot(sorted(path.rglob(REFSET_PATTERN)))
            descriptions += _prefer_snapshot(sorted(path.rglob(DESCRIPTION_PATTERN)))
        elif path.is_file():
            kind = _kind(path)
            if not kind:
                raise ReleaseError(
                    f"{path} is not an RF2 simple reference set ({REFSET_PATTERN}) or description "
                    f"({DESCRIPTION_PATTERN}) file."
                )
            (refsets if kind == "refset" else descriptions).append(path)
        else:
            raise ReleaseError(f"{path} does not exist.")
    return ReleaseFiles(tuple(dict.fromkeys(refsets)), tuple(dict.fromkeys(descriptions)))


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, list[str]]]:
    """Each data line of an RF2 file, split on tabs, with its line number; the header checked."""
    with path.open(encoding="utf-8", newline="") as lines:
        header = next(lines, "").rstrip("\r\n").lstrip("\ufeff").split("\t")
        if tuple(header) != columns:
            raise ReleaseError(f"{path}: line 1 is not the RF2 header ({' '.join(columns)}).")
        for number, line in enumerate(lines, start=2):
            line = line.rstrip("\r\n")
            if not line:
                continue
            fields = line.split("\t")
            if len(fields) != len(columns):
                raise ReleaseError(f"{path}: line {number} has {len(fields)} columns, not {len(columns)}.")
            yield number, fields


def _state(path: Path, number: int, effective_time: str, active: str) -> tuple[date, bool]:
    try:
        if len(effective_time) != 8 or not effective_time.isdigit():
            raise ValueError(effective_time)
        when = date.fromisoformat(effective_time)  # YYYYMMDD, ISO 8601's basic format
    except ValueError:
        raise ReleaseError(f"{path}: line {number} has effectiveTime {effective_time!r}, not YYYYMMDD.") from None
    if active not in ("0", "1"):
        raise ReleaseError(f"{path}: line {number} has active {active!r}, not 0 or 1.")
    return when, active == "1"


def refset_members(files: Iterable[Path], *, refset_ids: frozenset[str]) -> dict[tuple[str, str], Member]:
    """The members of ``refset_ids`` (other reference sets are skipped), keyed by (refset,
    concept): the row with the latest effectiveTime wins, and an active row wins a tie."""
    members: dict[tuple[str, str], Member] = {}
    for path in files:
        for number, (_id, effective_time, active, _module, refset_id, concept_id) in _rows(path, REFSET_COLUMNS):
            if refset_id not in refset_ids:
                continue
            when, is_active = _state(path, number, effective_time, active)
            key = (refset_id, concept_id)
            known = members.get(key)
            if known is None or (when, is_active) > (known.effective_time, known.active):
                members[key] = Member(refset_id, concept_id, is_active, when)
    return members


def concept_terms(files: Iterable[Path], *, concept_ids: set[str]) -> dict[str, str]:
    """A term for each of ``concept_ids`` that has an active synonym or fully specified name:
    a synonym before the fully specified name, then the latest, each description in its latest
    state. (Which synonym is preferred in UK English is in the language reference set, which
    this does not read.)"""
    latest: dict[str, tuple[date, bool, str, str, str]] = {}  # description id: its latest state
    for path in files:
        for number, fields in _rows(path, DESCRIPTION_COLUMNS):
            description_id, effective_time, active, _module, concept_id, _lang, type_id, term, _case = fields
            if concept_id not in concept_ids or type_id not in _TYPE_PREFERENCE:
                continue
            when, is_active = _state(path, number, effective_time, active)
            known = latest.get(description_id)
            if known is None or when >= known[0]:
                latest[description_id] = (when, is_active, concept_id, type_id, term)
    best: dict[str, tuple[tuple[int, int, str], str]] = {}
    for description_id, (when, is_active, concept_id, type_id, term) in latest.items():
        if not is_active:
            continue
        rank = (_TYPE_PREFERENCE[type_id], -when.toordinal(), description_id)
        if concept_id not in best or rank < best[concept_id][0]:
            best[concept_id] = (rank, term)
    return {concept_id: term for concept_id, (_rank, term) in best.items()}
