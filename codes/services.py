"""Loading the four reference sets from a trust's SNOMED CT UK release (docs/measures.md, "Code
lists"). The acting user's audit row is written by the caller, in the same transaction
(``referrals.services.codes.snomed_refsets_load``): codes sits below accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import transaction

from .models import SnomedRefsetMember
from .rf2 import ReleaseError, concept_terms, refset_members, release_files
from .selectors import loaded_sets
from .snomed import REFERENCE_SETS

BATCH = 1_000


@dataclass(frozen=True)
class RefsetLoad:
    """One reference set after a load: its members now, and what this load changed."""

    refset_id: str
    title: str
    active: int
    inactive: int
    added: int
    changed: int


@transaction.atomic
def refset_members_load(*, paths: Sequence[Path], now: datetime, loaded_by: str) -> list[RefsetLoad]:
    """Read the simple reference set and description files at ``paths`` (RF2 files, or folders
    holding them) and keep the members of the four reference sets the measures read.

    Per member the row with the latest effectiveTime wins, against the files and what is already
    loaded (an older release loaded after a newer one changes nothing); an inactive member is
    kept, inactive. Loading the same release again changes nothing.
    """
    files = release_files(paths)
    if not files.refsets:
        raise ReleaseError(f"No simple reference set file (der2_Refset_Simple*.txt) in {', '.join(map(str, paths))}.")
    members = refset_members(files.refsets, refset_ids=frozenset(REFERENCE_SETS))
    terms = concept_terms(files.descriptions, concept_ids={m.concept_id for m in members.values()})
    existing = {
        (row.refset_id, row.concept_id): row
        for row in SnomedRefsetMember.objects.select_for_update().filter(refset_id__in=list(REFERENCE_SETS))
    }
    added: list[SnomedRefsetMember] = []
    changed: list[SnomedRefsetMember] = []
    for key, member in members.items():
        row = existing.get(key)
        if row is None:
            added.append(
                SnomedRefsetMember(
                    refset_id=member.refset_id,
                    concept_id=member.concept_id,
                    term=terms.get(member.concept_id, ""),
                    active=member.active,
                    effective_time=member.effective_time,
                    loaded_at=now,
                    loaded_by=loaded_by,
                )
            )
            continue
        if member.effective_time < row.effective_time:
            continue  # what is loaded is newer than these files
        term = terms.get(member.concept_id, row.term)
        if (row.active, row.effective_time, row.term) != (member.active, member.effective_time, term):
            row.active, row.effective_time, row.term = member.active, member.effective_time, term
            row.loaded_at, row.loaded_by = now, loaded_by
            changed.append(row)
    SnomedRefsetMember.objects.bulk_create(added, batch_size=BATCH)
    SnomedRefsetMember.objects.bulk_update(
        changed, ["active", "effective_time", "term", "loaded_at", "loaded_by"], batch_size=BATCH
    )
    now_loaded = loaded_sets(*REFERENCE_SETS.values())
    loads = []
    for refset_id, code_list in REFERENCE_SETS.items():
        loaded = now_loaded.get(refset_id)
        loads.append(
            RefsetLoad(
                refset_id=refset_id,
                title=code_list.title,
                active=loaded.active if loaded else 0,
                inactive=loaded.inactive if loaded else 0,
                added=sum(1 for row in added if row.refset_id == refset_id),
                changed=sum(1 for row in changed if row.refset_id == refset_id),
            )
        )
    return loads
