"""Search text as people type it."""

import re

# Groups of digits split by spaces or dashes, standing alone ("943 476 5919", "943-476-5919"), not
# digits inside a word such as a reference ("RF-8ZK54-9VFAF" stays as it is).
_DIGIT_GROUPS = re.compile(r"(?<!\w)\d+(?:[ \t-]+\d+)+(?!\w)")


def join_digit_groups(text: str) -> str:
    """Digits split by spaces or dashes become one number, so an NHS number typed as it is printed
    ("943 476 5919") is searched as one word: 'Harbour 943 476 5919' -> 'Harbour 9434765919'."""
    return _DIGIT_GROUPS.sub(lambda match: re.sub(r"\D", "", match.group()), text)
