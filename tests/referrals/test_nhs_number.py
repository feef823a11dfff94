import pytest
from django.core.exceptions import ValidationError

from referrals.nhs_number import is_valid_nhs_number, nhs_number_check_digit, validate_nhs_number


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "943-476-5919", "4010232137"])
def test_valid_nhs_numbers_pass(number):
    assert is_valid_nhs_number(number)
    validate_nhs_number(number)


@pytest.mark.parametrize("number", ["9434765918", "1234567890", "943476591", "94347659190", "94347659AB", ""])
def test_invalid_nhs_numbers_fail(number):
    assert not is_valid_nhs_number(number)
    with pytest.raises(ValidationError):
        validate_nhs_number(number)


def _weighted_sum(stem: str) -> int:
    return sum(int(d) * w for d, w in zip(stem, range(10, 1, -1), strict=True))


def test_a_remainder_of_zero_gives_check_digit_zero():
    stem = next(f"{n:09d}" for n in range(100_000_000, 100_001_000) if _weighted_sum(f"{n:09d}") % 11 == 0)
    assert nhs_number_check_digit(stem) == 0
    assert is_valid_nhs_number(stem + "0")


def test_a_stem_whose_check_would_be_ten_has_no_valid_nhs_number():
    stem = next(f"{n:09d}" for n in range(100_000_000, 100_001_000) if _weighted_sum(f"{n:09d}") % 11 == 1)
    assert nhs_number_check_digit(stem) is None
    assert not any(is_valid_nhs_number(stem + str(d)) for d in range(10))
