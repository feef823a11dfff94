"""Typed helpers for reading settings from the environment.

Every helper fails loudly on a value it cannot parse: a misspelt boolean or a
non-numeric timeout must stop the process at start-up, not silently fall back.
"""

import os
from datetime import timedelta

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ImproperSetting(Exception):
    pass


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperSetting(f"Environment variable {name} is required")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperSetting(f"{name}={raw!r} is not a boolean (use true/false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperSetting(f"{name}={raw!r} is not an integer") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_seconds(name: str, default: timedelta) -> timedelta:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return timedelta(seconds=int(raw))
    except ValueError as exc:
        raise ImproperSetting(f"{name}={raw!r} is not a number of seconds") from exc
