"""Loading the SNOMED CT reference sets the records are coded from, from a trust's licensed
SNOMED CT UK release, audited (docs/measures.md, "Code lists"). The reading and the rows are
``codes``' own (``codes.services``); the audit row is written here, in the same transaction,
because ``codes`` sits below ``accounts``."""

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from codes.models import SnomedRefsetMember
from codes.services import RefsetLoad, refset_members_load


@transaction.atomic
def snomed_refsets_load(*, paths: Sequence[Path], by: User | None, now: datetime) -> list[RefsetLoad]:
    """Load the four reference sets from the RF2 files (or release folders) at ``paths``; one
    audit row with the counts per reference set. ``by`` is None for a load run by the system."""
    loads = refset_members_load(paths=paths, now=now, loaded_by=by.username if by is not None else "")
    audit_record(
        by=by,
        action="snomed_refsets.load",
        obj=None,
        object_type=SnomedRefsetMember._meta.label_lower,
        now=now,
        detail={"files": [str(path) for path in paths], "refsets": [asdict(load) for load in loads]},
    )
    return loads
