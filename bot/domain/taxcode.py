"""Vietnamese tax codes: enterprise MST, branch MST and the personal id used by households.

`parse_tax_code` returns a code, never a message; handlers translate the code for the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final, Literal, TypeAlias

from stdnum.vn import mst

__all__ = [
    "CCCD_PROVINCE_CODES",
    "TaxCode",
    "TaxCodeError",
    "TaxCodeErrorCode",
    "TaxCodeKind",
    "TaxCodeResult",
    "is_personal_id",
    "mask_personal_id",
    "mask_tax_code",
    "parse_tax_code",
    "redact_personal_ids",
]

TaxCodeKind: TypeAlias = Literal["mst", "mst_branch", "personal_id"]
TaxCodeErrorCode: TypeAlias = Literal[
    "empty", "wrong_length", "bad_check_digit", "not_digits", "bad_province", "invalid"
]


@dataclass(frozen=True, slots=True)
class TaxCode:
    """A well-formed tax code; `value` is normalised ("0100109106", "0100109106-001")."""

    kind: TaxCodeKind
    value: str
    status: Literal["ok"] = field(default="ok", init=False)


@dataclass(frozen=True, slots=True)
class TaxCodeError:
    """Why the text is not a tax code."""

    code: TaxCodeErrorCode
    status: Literal["error"] = field(default="error", init=False)


TaxCodeResult: TypeAlias = TaxCode | TaxCodeError

# First three digits of a 12-digit personal id: the province where the birth was registered,
# one code for each of the 63 provinces before the 2025 merger (Thông tư 07/2016/TT-BCA,
# Phụ lục 1). An id never changes once issued, so the merger does not touch these codes.
CCCD_PROVINCE_CODES: Final = frozenset(
    {
        "001", "002", "004", "006", "008", "010", "011", "012", "014", "015",
        "017", "019", "020", "022", "024", "025", "026", "027", "030", "031",
        "033", "034", "035", "036", "037", "038", "040", "042", "044", "045",
        "046", "048", "049", "051", "052", "054", "056", "058", "060", "062",
        "064", "066", "067", "068", "070", "072", "074", "075", "077", "079",
        "080", "082", "083", "084", "086", "087", "089", "091", "092", "093",
        "094", "095", "096",
    }
)  # fmt: skip

_SEPARATORS: Final = " \t.-"
_MST_LENGTH: Final = 10
_PERSONAL_ID_LENGTH: Final = 12
_BRANCH_LENGTH: Final = 13


def parse_tax_code(text: str) -> TaxCodeResult:
    """Parses an enterprise MST (10 digits), a branch MST (10 + 3) or a 12-digit personal id."""
    digits = "".join(ch for ch in text.strip() if ch not in _SEPARATORS)
    if not digits:
        return TaxCodeError("empty")
    if not (digits.isascii() and digits.isdecimal()):
        return TaxCodeError("not_digits")
    if len(digits) == _MST_LENGTH:
        return _parse_mst(digits)
    if len(digits) == _BRANCH_LENGTH:
        return _parse_branch(digits)
    if len(digits) == _PERSONAL_ID_LENGTH:
        return _parse_personal_id(digits)
    return TaxCodeError("wrong_length")


def _parse_mst(digits: str) -> TaxCodeResult:
    """Checks the check digit of a 10-digit MST."""
    # A weighted sum ≡ 0 (mod 11) gives a check "digit" of 10: such numbers are never issued.
    if digits[9] != mst.calc_check_digit(digits[:9]):
        return TaxCodeError("bad_check_digit")
    if digits[2:9] == "0000000":  # the 7-digit sequence starts at 0000001
        return TaxCodeError("invalid")
    return TaxCode(kind="mst", value=digits)


def _parse_branch(digits: str) -> TaxCodeResult:
    """Checks the parent MST of a branch code and formats it as XXXXXXXXXX-NNN."""
    parent = _parse_mst(digits[:_MST_LENGTH])
    if isinstance(parent, TaxCodeError):
        return parent
    branch = digits[_MST_LENGTH:]
    if branch == "000":  # branches are numbered 001–999
        return TaxCodeError("invalid")
    return TaxCode(kind="mst_branch", value=f"{parent.value}-{branch}")


def _parse_personal_id(digits: str) -> TaxCodeResult:
    """Checks the province code of a 12-digit personal identification number."""
    # Digit 4 encodes century and sex (0–9, all meaningful); digits 5–6 the year of birth.
    if digits[:3] not in CCCD_PROVINCE_CODES:
        return TaxCodeError("bad_province")
    return TaxCode(kind="personal_id", value=digits)


# Twelve digits not inside a longer run of digits: how a personal id appears in free text.
_PERSONAL_ID_IN_TEXT: Final = re.compile(r"(?<!\d)(\d{4})\d{6}(\d{2})(?!\d)")


def is_personal_id(value: str | None) -> bool:
    """Whether a stored tax code is a 12-digit personal identification number."""
    return value is not None and len(value) == _PERSONAL_ID_LENGTH and value.isdecimal()


def mask_personal_id(value: str) -> str:
    """`001185012389` -> `0011******89`: enough to tell two apart, not enough to use."""
    return f"{value[:4]}{'*' * 6}{value[-2:]}"


def mask_tax_code(value: str | None) -> str:
    """A stored tax code as shown to those who do not review it: a personal id masked, an
    enterprise's MST (public in the business register) as it is; '' for none."""
    if not value:
        return ""
    return mask_personal_id(value) if is_personal_id(value) else value


def redact_personal_ids(text: str) -> str:
    """Every 12-digit number in `text` masked (for the logs, which must never hold one)."""
    return _PERSONAL_ID_IN_TEXT.sub(r"\1******\2", text)
