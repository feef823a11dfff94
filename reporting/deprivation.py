"""Deprivation decile from a postcode, when a lookup is configured.

``REPORTING_DEPRIVATION_LOOKUP`` (a setting; unset by default) names a CSV file with the
columns ``postcode`` and ``decile``: the Index of Multiple Deprivation decile (1 = most
deprived 10% of areas) for a full postcode ("BS5 6XX") or an outward code ("BS5"). A full
postcode match wins over its outward code. With no lookup the equality page says so and
leaves deprivation out, rather than guessing.
"""

import csv
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from localities.selectors import outward_code


def lookup_path() -> str:
    return getattr(settings, "REPORTING_DEPRIVATION_LOOKUP", "") or ""


def is_configured() -> bool:
    return bool(lookup_path())


@lru_cache(maxsize=4)
def _table(path: str) -> dict[str, int]:
    file = Path(path)
    if not file.is_file():
        raise ImproperlyConfigured(f"REPORTING_DEPRIVATION_LOOKUP names {path!r}, which is not a file.")
    table: dict[str, int] = {}
    with file.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            decile = int(row["decile"])
            if not 1 <= decile <= 10:
                raise ImproperlyConfigured(f"{path}: decile {decile} for {row['postcode']!r} is not 1 to 10.")
            table[_compact(row["postcode"])] = decile
    return table


def _compact(postcode: str) -> str:
    return postcode.replace(" ", "").upper()


def decile_for(postcode: str) -> int | None:
    path = lookup_path()
    if not path or not postcode:
        return None
    table = _table(path)
    return table.get(_compact(postcode)) or table.get(outward_code(postcode))
