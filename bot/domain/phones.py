"""Vietnamese phone numbers: parsing, validation and display.

`parse_phone` returns a code, never a message; handlers translate the code for the user.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final, Literal, TypeAlias

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

__all__ = [
    "OLD_MOBILE_PREFIXES",
    "OldMobile",
    "Phone",
    "PhoneError",
    "PhoneErrorCode",
    "PhoneKind",
    "PhoneResult",
    "format_phone",
    "parse_phone",
]

PhoneKind: TypeAlias = Literal["mobile", "landline"]
PhoneErrorCode: TypeAlias = Literal[
    "empty", "not_a_number", "too_short", "too_long", "not_vietnamese", "invalid"
]


@dataclass(frozen=True, slots=True)
class Phone:
    """A valid Vietnamese number."""

    e164: str
    kind: PhoneKind
    status: Literal["ok"] = field(default="ok", init=False)


@dataclass(frozen=True, slots=True)
class OldMobile:
    """An 11-digit mobile number retired in 2018; `suggested` is its new E.164 form."""

    old: str  # national digits as typed, e.g. "01621234567"
    suggested: str
    status: Literal["old_mobile"] = field(default="old_mobile", init=False)


@dataclass(frozen=True, slots=True)
class PhoneError:
    """Why the text is not a usable Vietnamese number."""

    code: PhoneErrorCode
    status: Literal["error"] = field(default="error", init=False)


PhoneResult: TypeAlias = Phone | OldMobile | PhoneError

_REGION: Final = "VN"
_COUNTRY_CODE: Final = 84

# Old 3-digit prefix (after the trunk 0) -> new 2-digit prefix; the subscriber's 7 digits stay.
# The Ministry of Information and Communications announced the table on 29 May 2018; the
# conversion ran from 15 Sep 2018 to 30 Jun 2019, so people still type the old numbers.
OLD_MOBILE_PREFIXES: Final[dict[str, str]] = {
    # Viettel
    "162": "32",
    "163": "33",
    "164": "34",
    "165": "35",
    "166": "36",
    "167": "37",
    "168": "38",
    "169": "39",
    # MobiFone
    "120": "70",
    "121": "79",
    "122": "77",
    "126": "76",
    "128": "78",
    # VinaPhone
    "123": "83",
    "124": "84",
    "125": "85",
    "127": "81",
    "129": "82",
    # Vietnamobile
    "186": "56",
    "188": "58",
    # Gmobile
    "199": "59",
}

# Separators people type between digit groups; anything else means it is not a number.
_SEPARATORS: Final = frozenset(" \t.-()+")
# National significant number lengths: landlines 2X(X) + subscriber, mobiles 3/5/7/8/9 + 8.
_LANDLINE_LENGTH: Final = 10
_MOBILE_LENGTH: Final = 9
_MOBILE_LEADS: Final = frozenset("35789")

_KINDS: Final[dict[int, PhoneKind]] = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
}


def parse_phone(text: str) -> PhoneResult:
    """Parses a Vietnamese mobile or landline number as typed by a user."""
    text = text.strip()
    if not text:
        return PhoneError("empty")
    if not any(ch.isdecimal() for ch in text) or any(
        not ch.isdecimal() and ch not in _SEPARATORS for ch in text
    ):
        return PhoneError("not_a_number")
    try:
        number = phonenumbers.parse(text, _REGION)
    except NumberParseException as exc:
        return PhoneError(_parse_error_code(exc))
    if number.country_code != _COUNTRY_CODE:
        return PhoneError("not_vietnamese")

    nsn = phonenumbers.national_significant_number(number)
    old = _convert_old_mobile(nsn)
    if old is not None:
        return OldMobile(old="0" + nsn, suggested=old)
    if phonenumbers.is_valid_number(number):
        kind = _KINDS.get(phonenumbers.number_type(number))
        if kind is None:  # toll-free, premium-rate, VoIP…: not a contact number for a workshop
            return PhoneError("invalid")
        return Phone(e164=phonenumbers.format_number(number, PhoneNumberFormat.E164), kind=kind)
    return PhoneError(_length_error(number, nsn))


@lru_cache(maxsize=4096)  # phonenumbers takes tens of microseconds; shown on every summary
@functools.lru_cache(maxsize=4096)  # lists of registrations show many, each again
def format_phone(e164: str) -> str:
    """Formats an E.164 number for display: national for Vietnam, international otherwise.

    Text that is not an E.164 number is returned unchanged.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    if number.country_code == _COUNTRY_CODE:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def _convert_old_mobile(nsn: str) -> str | None:
    """Returns the new E.164 number for a retired 11-digit mobile number, else None."""
    if len(nsn) != 10:
        return None
    new_prefix = OLD_MOBILE_PREFIXES.get(nsn[:3])
    if new_prefix is None:
        return None
    return f"+{_COUNTRY_CODE}{new_prefix}{nsn[3:]}"


def _parse_error_code(exc: NumberParseException) -> PhoneErrorCode:
    """Maps a phonenumbers parse failure onto our codes."""
    match exc.error_type:
        case NumberParseException.TOO_LONG:
            return "too_long"
        case NumberParseException.TOO_SHORT_NSN | NumberParseException.TOO_SHORT_AFTER_IDD:
            return "too_short"
        case NumberParseException.NOT_A_NUMBER:
            # Our character check has passed, so this is a digit or two with nothing more.
            return "too_short"
        case _:  # INVALID_COUNTRY_CODE: "+999 …" is no Vietnamese number
            return "not_vietnamese"


def _length_error(number: phonenumbers.PhoneNumber, nsn: str) -> PhoneErrorCode:
    """Says whether an invalid Vietnamese number has too few or too many digits, or neither."""
    expected = (
        _LANDLINE_LENGTH
        if nsn.startswith("2")
        else _MOBILE_LENGTH
        if nsn[:1] in _MOBILE_LEADS
        else None
    )
    if expected is not None:
        if len(nsn) < expected:
            return "too_short"
        if len(nsn) > expected:
            return "too_long"
        return "invalid"
    match phonenumbers.is_possible_number_with_reason(number):
        case phonenumbers.ValidationResult.TOO_SHORT:
            return "too_short"
        case phonenumbers.ValidationResult.TOO_LONG:
            return "too_long"
        case _:
            return "invalid"
