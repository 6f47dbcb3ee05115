"""Parsing of enterprise tax codes (MST), branch codes and personal ids."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.vn import mst

from bot.domain.taxcode import (
    CCCD_PROVINCE_CODES,
    TaxCode,
    TaxCodeError,
    TaxCodeErrorCode,
    mask_tax_code,
    parse_tax_code,
    redact_personal_ids,
)

# Viettel's enterprise tax code: 9 digits 010010910, check digit 6.
VIETTEL = "0100109106"


def test_check_digit_of_the_example_is_computed_not_assumed() -> None:
    assert mst.calc_check_digit(VIETTEL[:9]) == VIETTEL[9]


@pytest.mark.parametrize(
    "text",
    [VIETTEL, "0100 109 106", "0100.109.106", "01-00-109-106", f"  {VIETTEL}\n"],
)
def test_mst_with_a_good_check_digit(text: str) -> None:
    assert parse_tax_code(text) == TaxCode(kind="mst", value=VIETTEL)


@pytest.mark.parametrize("last", [d for d in "0123456789" if d != VIETTEL[9]])
def test_mst_with_any_other_check_digit_is_refused(last: str) -> None:
    assert parse_tax_code(VIETTEL[:9] + last) == TaxCodeError("bad_check_digit")


def test_mst_whose_check_digit_would_be_ten_is_refused() -> None:
    # 31·0 + 29·1 + 23·0 + … + 3·5 = 44 ≡ 0 (mod 11): no single digit can check this number.
    assert mst.calc_check_digit("010000005") == "10"

    for last in "0123456789":
        assert parse_tax_code("010000005" + last) == TaxCodeError("bad_check_digit")


def test_mst_with_an_all_zero_sequence_is_invalid() -> None:
    assert mst.calc_check_digit("010000000") == "3"

    assert parse_tax_code("0100000003") == TaxCodeError("invalid")


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_mst_agrees_with_stdnum(digits: str) -> None:
    result = parse_tax_code(digits)

    assert (result == TaxCode(kind="mst", value=digits)) == mst.is_valid(digits)


@pytest.mark.parametrize(
    "text",
    [
        f"{VIETTEL}-001",
        f"{VIETTEL}001",
        f"{VIETTEL} 001",
        f"{VIETTEL} - 001",
        "0100 109 106 001",
    ],
)
def test_branch_is_normalised_with_a_dash(text: str) -> None:
    assert parse_tax_code(text) == TaxCode(kind="mst_branch", value=f"{VIETTEL}-001")


def test_branch_keeps_its_own_number() -> None:
    assert parse_tax_code(f"{VIETTEL}-123") == TaxCode(kind="mst_branch", value=f"{VIETTEL}-123")


def test_branch_of_a_bad_parent_is_refused() -> None:
    assert parse_tax_code("0100109107-001") == TaxCodeError("bad_check_digit")


def test_branch_zero_is_invalid() -> None:
    assert parse_tax_code(f"{VIETTEL}-000") == TaxCodeError("invalid")


@pytest.mark.parametrize(
    "text", ["001085012345", "001 085 012 345", "079205000123", "096399000001", "038185000777"]
)
def test_personal_id(text: str) -> None:
    assert parse_tax_code(text) == TaxCode(kind="personal_id", value=text.replace(" ", ""))


@pytest.mark.parametrize("century_and_sex", "0123456789")
def test_personal_id_accepts_every_century_and_sex_digit(century_and_sex: str) -> None:
    value = f"001{century_and_sex}85012345"

    assert parse_tax_code(value) == TaxCode(kind="personal_id", value=value)


@pytest.mark.parametrize("province", ["000", "003", "097", "099", "100", "999"])
def test_personal_id_with_an_unknown_province(province: str) -> None:
    assert parse_tax_code(f"{province}085012345") == TaxCodeError("bad_province")


def test_province_codes_are_the_63_provinces_between_001_and_096() -> None:
    assert len(CCCD_PROVINCE_CODES) == 63
    assert min(CCCD_PROVINCE_CODES) == "001"
    assert max(CCCD_PROVINCE_CODES) == "096"
    assert {"001", "079"} <= CCCD_PROVINCE_CODES  # Hà Nội, Hồ Chí Minh City


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("  ", "empty"),
        (" - . ", "empty"),
        ("MST 0100109106", "not_digits"),
        ("01001O9106", "not_digits"),  # letter O for zero
        ("0100109106/001", "not_digits"),
        ("０１００１０９１０６", "not_digits"),
        ("12345", "wrong_length"),
        ("010010910", "wrong_length"),  # 9 digits
        ("01001091060", "wrong_length"),  # 11 digits
        ("0100109106-1", "wrong_length"),
        ("0100109106-0001", "wrong_length"),
        ("097085012345", "bad_province"),
        ("0100109107", "bad_check_digit"),
    ],
)
def test_error_codes(text: str, code: TaxCodeErrorCode) -> None:
    assert parse_tax_code(text) == TaxCodeError(code)


def test_result_status_tells_success_from_error() -> None:
    assert parse_tax_code(VIETTEL).status == "ok"
    assert parse_tax_code("12").status == "error"


def test_a_personal_id_is_masked_and_an_mst_is_not() -> None:
    assert mask_tax_code("001185012389") == "0011******89"
    assert mask_tax_code("0100109106") == "0100109106"
    assert mask_tax_code("0100109106-001") == "0100109106-001"
    assert mask_tax_code(None) == ""


def test_twelve_digit_numbers_are_redacted_in_free_text() -> None:
    text = "tax 001185012389, phone +84912345678, ref HN-2026-000123, long 0011850123890"
    assert redact_personal_ids(text) == (
        "tax 0011******89, phone +84912345678, ref HN-2026-000123, long 0011850123890"
    )
