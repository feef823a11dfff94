"""Search text as people type it: an NHS number printed 3-3-4 is one number."""

import pytest

from common.search import join_digit_groups


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("943 476 5919", "9434765919"),
        ("943-476-5919", "9434765919"),
        ("943 - 476  5919", "9434765919"),
        ("Harbour 943 476", "Harbour 943476"),
        ("Robin Harbour", "Robin Harbour"),
        ("RF-8ZK54-9VFAF", "RF-8ZK54-9VFAF"),
        ("rf-8zk54-9vfaf 943 476", "rf-8zk54-9vfaf 943476"),
    ],
)
def test_digit_groups_split_by_spaces_or_dashes_are_one_number(typed, searched):
    assert join_digit_groups(typed) == searched
