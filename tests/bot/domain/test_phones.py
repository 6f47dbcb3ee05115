"""Parsing and display of Vietnamese phone numbers."""

from __future__ import annotations

import phonenumbers
import pytest

from bot.domain.phones import (
    OLD_MOBILE_PREFIXES,
    OldMobile,
    Phone,
    PhoneError,
    PhoneErrorCode,
    format_phone,
    parse_phone,
)


@pytest.mark.parametrize(
    "text",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84912345678",
        "+84 912 345 678",
        "+84 912.345.678",
        "+84-912-345-678",
        "(+84) 912 345 678",
        "+84 (0) 912 345 678",
        "+84 0912 345 678",
        "84912345678",
        "84-912-345-678",
        "84 912 345 678",
        "0084 912 345 678",
        "912345678",
        "  0912 345 678\n",
        "(0912) 345678",
        "０９１２３４５６７８",
    ],
)
def test_mobile_formats_give_one_e164(text: str) -> None:
    assert parse_phone(text) == Phone(e164="+84912345678", kind="mobile")


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("0321 234 567", "+84321234567"),
        ("0562 345 678", "+84562345678"),
        ("0592 345 678", "+84592345678"),
        ("0701 234 567", "+84701234567"),
        ("0771 234 567", "+84771234567"),
        ("0843 123 456", "+84843123456"),
        ("0861 234 567", "+84861234567"),
        ("0987 654 321", "+84987654321"),
    ],
)
def test_mobile_prefixes_of_every_lead_digit(text: str, e164: str) -> None:
    assert parse_phone(text) == Phone(e164=e164, kind="mobile")


@pytest.mark.parametrize(
    "text",
    [
        "024 3825 1234",
        "(024) 38251234",
        "(024) 3825 1234",
        "02438251234",
        "024.3825.1234",
        "024-3825-1234",
        "+84 24 3825 1234",
        "+84 (24) 3825 1234",
        "84 24 3825 1234",
        "+84 024 3825 1234",
    ],
)
def test_hanoi_landline_formats_give_one_e164(text: str) -> None:
    assert parse_phone(text) == Phone(e164="+842438251234", kind="landline")


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("028 3825 1234", "+842838251234"),  # Hồ Chí Minh City
        ("0203 3123 456", "+842033123456"),  # Quảng Ninh: 4-digit area code, 7-digit subscriber
    ],
)
def test_other_landlines(text: str, e164: str) -> None:
    assert parse_phone(text) == Phone(e164=e164, kind="landline")


def test_old_mobile_example_from_the_conversion() -> None:
    assert parse_phone("0162 123 4567") == OldMobile(old="01621234567", suggested="+84321234567")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("0162", "032"),
        ("0163", "033"),
        ("0164", "034"),
        ("0165", "035"),
        ("0166", "036"),
        ("0167", "037"),
        ("0168", "038"),
        ("0169", "039"),
        ("0120", "070"),
        ("0121", "079"),
        ("0122", "077"),
        ("0126", "076"),
        ("0128", "078"),
        ("0123", "083"),
        ("0124", "084"),
        ("0125", "085"),
        ("0127", "081"),
        ("0129", "082"),
        ("0186", "056"),
        ("0188", "058"),
        ("0199", "059"),
    ],
)
def test_every_old_mobile_prefix_is_converted(old: str, new: str) -> None:
    suggested = f"+84{new[1:]}7654321"

    assert parse_phone(f"{old} 765 4321") == OldMobile(old=f"{old}7654321", suggested=suggested)
    assert parse_phone(f"{new}7654321") == Phone(e164=suggested, kind="mobile")


def test_the_table_above_covers_every_old_prefix() -> None:
    assert len(OLD_MOBILE_PREFIXES) == 21


@pytest.mark.parametrize(
    "text", ["+84 162 123 4567", "84 162 123 4567", "84 0162 123 4567", "0162.123.4567"]
)
def test_old_mobile_with_country_code_or_dots(text: str) -> None:
    assert parse_phone(text) == OldMobile(old="01621234567", suggested="+84321234567")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("abc", "not_a_number"),
        ("không có", "not_a_number"),
        ("0912 345 678 ext 1", "not_a_number"),
        ("0912/345/678", "not_a_number"),
        ("+-()", "not_a_number"),
        ("0", "too_short"),
        ("12", "too_short"),
        ("0912 34", "too_short"),
        ("091234567", "too_short"),
        ("+84 91234567", "too_short"),
        ("024 3825 123", "too_short"),
        ("0912 345 6789", "too_long"),
        ("024 3825 12345", "too_long"),
        ("0912345678901234567890", "too_long"),
        ("+1 650 253 0000", "not_vietnamese"),
        ("+44 20 7946 0958", "not_vietnamese"),
        ("0033 1 23 45 67 89", "not_vietnamese"),
        ("+999 123456", "not_vietnamese"),
        ("0521 234 567", "invalid"),  # 052 is not allocated
        ("0202 1234 567", "invalid"),  # no such area code
        ("0130 123 4567", "invalid"),  # 11 digits, but not one of the converted prefixes
        ("1800 1234", "invalid"),  # toll-free, not a contact number
        ("1900 1234", "invalid"),  # premium rate
    ],
)
def test_error_codes(text: str, code: PhoneErrorCode) -> None:
    assert parse_phone(text) == PhoneError(code)


def test_result_status_tells_the_three_outcomes_apart() -> None:
    statuses = [parse_phone(t).status for t in ("0912345678", "01621234567", "abc")]

    assert statuses == ["ok", "old_mobile", "error"]


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+84912345678", "0912 345 678"),
        ("+84321234567", "0321 234 567"),
        ("+842438251234", "024 3825 1234"),
        ("+842033123456", "0203 3123 456"),
        ("+16502530000", "+1 650-253-0000"),
    ],
)
def test_format_phone(e164: str, shown: str) -> None:
    assert format_phone(e164) == shown


def test_format_phone_leaves_text_it_cannot_read() -> None:
    assert format_phone("không rõ") == "không rõ"


@pytest.mark.parametrize("text", ["0912 345 678", "(024) 38251234", "0203 3123 456"])
def test_formatted_number_parses_back_to_the_same_number(text: str) -> None:
    parsed = parse_phone(text)
    assert isinstance(parsed, Phone)

    assert parse_phone(format_phone(parsed.e164)) == parsed


def test_e164_is_what_phonenumbers_calls_e164() -> None:
    parsed = parse_phone("0912 345 678")
    assert isinstance(parsed, Phone)

    number = phonenumbers.parse(parsed.e164, None)
    assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == parsed.e164
