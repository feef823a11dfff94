"""The completed waits of a rollup cell, sorted and packed, and ``Runs``: a period's centiles from
its days' sorted runs, exactly as ``percentile_cont`` gives them."""

import binascii
import math
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from itertools import chain
from typing import Any

from django.db.models import Aggregate, BinaryField, F, Field, Func, TextField, Value

from reporting.percentiles import interpolate, on_postgresql

# A day's waits are packed 4 bytes each (PostgreSQL's int4send) when every one of them fits, 8
# bytes (int8send) otherwise: a wait of more than 68 years, a referral received in 1950 by mistake,
# still counts exactly. A row says which by its length: ``completed`` waits in ``len(waits)``
# bytes. The waits take half the bytes they took at 8 each (issue 17: the rollup 908 -> 806 MB at
# a million referrals), and the equality and waits pages read half as much (docs/performance.md,
# "Waits packed in 4 bytes").
NARROW, WIDE = "i", "q"  # array typecodes: 4 and 8 bytes
_INT4 = (-(2**31), 2**31 - 1)


def fits_in_4_bytes(low: int, high: int) -> bool:
    return _INT4[0] <= low and high <= _INT4[1]


def pack(sorted_waits: list[int]) -> bytes:
    """Big-endian integers, as int4send or int8send give them, so SQL and Python agree: 4 bytes
    each when they all fit (``fits_in_4_bytes``), else 8."""
    narrow = not sorted_waits or fits_in_4_bytes(sorted_waits[0], sorted_waits[-1])
    packed = array(NARROW if narrow else WIDE, sorted_waits)
    if sys.byteorder == "little":
        packed.byteswap()
    return packed.tobytes()


def width(packed: bytes | memoryview, count: int) -> int:
    """The bytes each of ``count`` packed waits takes (4 or 8)."""
    found = len(packed) // count if count else 4
    if found not in (4, 8) or found * count != len(packed):
        raise ValueError(f"{len(packed)} bytes do not hold {count} packed waits")
    return found


def unpack(packed: bytes | memoryview, count: int) -> list[int]:
    values = array(NARROW if width(packed, count) == 4 else WIDE)
    values.frombytes(packed)
    if sys.byteorder == "little":
        values.byteswap()
    return values.tolist()


def packed_waits(column: str = "waits") -> "Func | F":
    """A query's packed waits, read compactly: on PostgreSQL as base64 text (``encode``), which
    is a third longer than the bytes where bytea's hexadecimal is twice as long, so a year's
    waits cross to Python in about half the time; elsewhere the bytes. ``from_text`` reads
    either back."""
    if on_postgresql():
        return Func(F(column), Value("base64"), function="encode", output_field=TextField())
    return F(column)


def from_text(read: str | bytes | memoryview) -> bytes | memoryview:
    """What ``packed_waits`` read (the column is never NULL), as bytes."""
    return binascii.a2b_base64(read) if isinstance(read, str) else read


class PackedWaits(Aggregate):
    """``string_agg(int8send(wait), '' ORDER BY wait)``: a group's waits sorted and packed 8 bytes
    each, as ``pack`` writes a day with a wait too long for 4 (so no row needs a check), for
    ``Runs`` beside the rollup's days."""

    template = "string_agg(int8send(%(expressions)s), ''::bytea ORDER BY %(expressions)s)"
    output_field: "Field[Any, Any]" = BinaryField()


class PackedWaitsText(PackedWaits):
    """``PackedWaits`` read as base64 text (``packed_waits``; ``from_text`` reads it back)."""

    template = f"encode({PackedWaits.template}, 'base64')"
    output_field = TextField()


class Runs:
    """A period's waits for one group: each day's sorted waits, one after another.

    ``centiles`` gives exactly what ``percentile_cont`` over all the waits gives, without
    sorting them all: a sample brackets each rank, a binary search in every day's run counts
    the waits below the bracket, and only the waits inside it are sorted. Days packed 4 bytes a
    wait and days packed 8 are held in an array of each width, so neither is ever converted.
    """

    STRIDE = 32  # one wait in this many makes the sample
    MARGIN = 24  # sample places either side of the guess, at first
    SORT_UP_TO = 5_000  # this many waits or fewer: just sort them

    def __init__(self) -> None:
        # Each width's waits as stored (big-endian) until ``centiles`` puts them in this machine's order.
        self.arrays = {NARROW: array(NARROW), WIDE: array(WIDE)}
        self.bounds: list[tuple[array, int, int]] = []  # each day's run: its array, [start, end)
        self.native = False  # byte order swapped from the stored one yet

    def add(self, packed: bytes | memoryview, count: int) -> None:
        """One day's ``count`` waits, sorted and packed (``pack``)."""
        if not count:
            return
        values = self.arrays[NARROW if width(packed, count) == 4 else WIDE]
        start = len(values)
        if self.native and sys.byteorder == "little":  # added after ``centiles``: swap this day alone
            day = array(values.typecode)
            day.frombytes(packed)
            day.byteswap()
            values.extend(day)
        else:
            values.frombytes(packed)
        self.bounds.append((values, start, len(values)))

    def __len__(self) -> int:
        return sum(len(values) for values in self.arrays.values())

    def _every(self) -> list[int]:
        return sorted(chain.from_iterable(self.arrays.values()))

    def centiles(self, fractions: Iterable[float]) -> list[float | None]:
        if sys.byteorder == "little" and not self.native:
            for values in self.arrays.values():
                values.byteswap()  # stored big-endian (int4send, int8send); now in this machine's order
        self.native = True
        n = len(self)
        if n <= self.SORT_UP_TO:
            ordered = self._every()
            return [interpolate(ordered, f) for f in fractions]
        sample = sorted(chain.from_iterable(values[:: self.STRIDE] for values in self.arrays.values()))
        found: list[float | None] = []
        for fraction in fractions:
            position = fraction * (n - 1)
            rank = math.floor(position)
            low, high = self._ranks(rank, min(rank + 1, n - 1), sample)
            found.append(low + (high - low) * (position - rank))
        return found

    def _ranks(self, first: int, second: int, sample: list[int]) -> tuple[float, float]:
        """The waits at two neighbouring ranks (0-based) of the sorted whole."""
        # A narrow bracket nearly always holds the ranks; each run (and each width's array) can
        # put the sample at most one stride out, so one more per run always does (unless many
        # waits are equal).
        for margin in (self.MARGIN, len(self.bounds) + 3):
            found = self._bracketed(first, second, sample, margin)
            if found is not None:
                return found
        ordered = self._every()  # still exact, just slower
        return float(ordered[first]), float(ordered[second])

    def _bracketed(self, first: int, second: int, sample: list[int], margin: int) -> tuple[float, float] | None:
        guess = first // self.STRIDE
        floor_value = sample[max(guess - margin, 0)]
        ceiling_value = sample[min(guess + margin, len(sample) - 1)]
        below = inside = 0
        slices = []
        for values, start, end in self.bounds:
            left = bisect_left(values, floor_value, start, end)
            right = bisect_right(values, ceiling_value, start, end)
            below += left - start
            inside += right - left
            if right > left:
                slices.append(values[left:right])
        if not (below <= first and second < below + inside):
            return None  # the ranks are outside the bracket
        band = sorted(chain.from_iterable(slices))
        return float(band[first - below]), float(band[second - below])
