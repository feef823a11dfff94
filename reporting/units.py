"""How waits are written: first responses in hours, treatment waits in days, one decimal place."""

from decimal import ROUND_HALF_UP, Decimal

from referrals.models import Clock

KIND_LABELS: dict[str, str] = {
    Clock.Kind.FIRST_RESPONSE: "First response",
    Clock.Kind.TREATMENT: "Treatment (4-week wait)",
}
# kind -> (unit name, seconds per unit)
WAIT_UNITS: dict[str, tuple[str, int]] = {
    Clock.Kind.FIRST_RESPONSE: ("hours", 3600),
    Clock.Kind.TREATMENT: ("days", 86400),
}


def in_units(kind: str, seconds: float) -> Decimal:
    _, per = WAIT_UNITS[kind]
    return (Decimal(str(seconds)) / per).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def wait_text(kind: str, seconds: float) -> str:
    unit, _ = WAIT_UNITS[kind]
    return f"{in_units(kind, seconds)} {unit}"


def wait_formatter(kind: str):
    return lambda seconds: wait_text(kind, seconds)
