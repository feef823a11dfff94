"""NHS numbers: ten digits, the last a modulus-11 check digit; validated here, and printed as 3-3-4."""

from django.core.exceptions import ValidationError


def normalise_nhs_number(value: str) -> str:
    """Drop the spaces and dashes people type: '943 476 5919' -> '9434765919'."""
    return value.replace(" ", "").replace("-", "")


def format_nhs_number(number: str | None) -> str:
    """'4857773456' -> '485 777 3456', as NHS numbers are printed and read out; anything else as it is."""
    if not number or len(number) != 10:
        return number or ""
    return f"{number[:3]} {number[3:6]} {number[6:]}"


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid check digit exists."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str) -> bool:
    number = normalise_nhs_number(value)
    if len(number) != 10 or not number.isdigit():
        return False
    return nhs_number_check_digit(number[:9]) == int(number[9])


def validate_nhs_number(value: str) -> None:
    number = normalise_nhs_number(value)
    if len(number) != 10 or not number.isdigit():
        raise ValidationError("An NHS number is 10 digits.", code="nhs_number_format")
    if nhs_number_check_digit(number[:9]) != int(number[9]):
        raise ValidationError(
            "This is not a valid NHS number: its check digit does not match.", code="nhs_number_check"
        )
