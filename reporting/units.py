"""How waits are written: first responses in hours, treatment waits in days, one decimal place."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from referrals.models import Clock

from .periods import LONDON

KIND_LABELS = {
    Clock.Kind.FIRST_RESPONSE: "First response",
    Clock.Kind.TREATMENT: "Treatment (4-week wait)",
}
# kind -> (unit name, seconds per unit)
WAIT_UNITS = {Clock.Kind.FIRST_RESPONSE: ("hours", 3600), Clock.Kind.TREATMENT: ("days", 86400)}


def in_units(kind: str, seconds: float) -> Decimal:
    _, per = WAIT_UNITS[kind]
    return (Decimal(str(seconds)) / per).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def wait_text(kind: str, seconds: float) -> str:
    unit, _ = WAIT_UNITS[kind]
    return f"{in_units(kind, seconds)} {unit}"


def wait_formatter(kind: str):
    return lambda seconds: wait_text(kind, seconds)


def london(instant: datetime | date) -> str:
    """'Sat 14 Mar 2026, 02:00' in Europe/London time; a date alone gives 'Sat 14 Mar 2026'."""
    if isinstance(instant, datetime):
        local = instant.astimezone(LONDON)
        return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"
    return f"{instant:%a} {instant.day} {instant:%b %Y}"
