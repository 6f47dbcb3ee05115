"""How the fields of a button payload are written and read back (bot/core/payloads.py).

Each kind of field (an int in a range, a bool, a choice, a StrEnum, text of a form, any of
them optional) has a codec: a writer that checks a value when a payload is built, a reader
that checks a pressed payload's part, and the same checks written as one expression for the
common case. A payload class's `pack` and `read` are written out from its fields' codecs once,
as `dataclasses` writes `__init__`: every button shown is packed (fifteen on some questions),
and a loop calling a checker per field cost three times as much.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

__all__ = [
    "ID_MAX",
    "MAX_BYTES",
    "SEP",
    "Codec",
    "Field",
    "OneOf",
    "Pattern",
    "PayloadError",
    "PayloadTooLong",
    "Range",
    "field_of",
    "packer",
    "reader",
]

MAX_BYTES: Final = 64  # Telegram's limit for callback_data (Bot API, InlineKeyboardButton)
ID_MAX: Final = 2**63 - 1  # SQLite's largest integer, so the largest rowid
SEP: Final = ":"
_NONE: Final = "-"
_REMEMBERED: Final = 1024  # checked text values kept per field, so as not to check them again
# Digits as written by str(int): no sign, no leading zero, no '_' or non-ASCII digits (which
# int() would take), and never more than ID_MAX has (19), so no huge number is ever made.
_DIGITS: Final = re.compile(r"0|[1-9][0-9]{0,18}", re.ASCII)


class PayloadError(ValueError):
    """A pressed payload we cannot read: not ours, malformed, out of range, or from a version
    of the bot that made it differently."""


class PayloadTooLong(ValueError):
    """A payload that would not fit Telegram's 64 bytes (raised when it is built)."""


@dataclass(frozen=True, slots=True)
class Range:
    """The values an `int` field may take, both ends included."""

    low: int
    high: int


@dataclass(frozen=True, slots=True)
class Pattern:
    """The form a `str` field must have (the whole value must match; ':' never does)."""

    regex: str


@dataclass(frozen=True, slots=True, init=False)
class OneOf:
    """The values a `str` field may take, when they are known at run time (sector keys)."""

    values: frozenset[str]

    def __init__(self, values: Iterable[str]) -> None:
        object.__setattr__(self, "values", frozenset(values))


@dataclass(frozen=True, slots=True)
class Codec:
    """How a kind of field is written and read back. `fast` writes a valid value in one
    expression ({v}: the value, {c}: `known`, {w}: `write`), falling back on `write`, which
    checks everything and says what is wrong."""

    write: Callable[[Any], str]
    read: Callable[[str], Any]
    fast: str = "{w}({v})"
    known: Any = None
    fast_read: str = "{r}({v})"  # the same for reading ({r}: `read`, {k}: `read_known`)
    read_known: Any = None


@dataclass(frozen=True, slots=True)
class Field:
    """How one field is written and read back."""

    name: str
    codec: Codec

    @property
    def read(self) -> Callable[[str], Any]:
        return self.codec.read


def packer(prefix: str, fields: tuple[Field, ...], qualname: str) -> Callable[[Any], str]:
    """A payload class's `pack`, written out for its fields: `prefix:field:…`, each field
    checked, PayloadTooLong past 64 bytes."""
    scope: dict[str, Any] = {"too_long": _too_long}
    lines = ["def pack(self):"]
    parts = [repr(prefix)]
    for i, f in enumerate(fields):
        scope[f"w{i}"], scope[f"c{i}"] = f.codec.write, f.codec.known
        lines.append(f"    v{i} = self.{f.name}")
        parts.append(f"({f.codec.fast.format(v=f'v{i}', c=f'c{i}', w=f'w{i}')})")
    lines += [
        f"    data = {(' + ' + repr(SEP) + ' + ').join(parts)}",
        f"    if len(data) > {MAX_BYTES} if data.isascii() else len(data.encode()) > {MAX_BYTES}:",
        "        too_long(data)",
        "    return data",
    ]
    exec("\n".join(lines), scope)
    pack: Callable[[Any], str] = scope["pack"]
    pack.__qualname__ = f"{qualname}.pack"
    return pack


def reader(
    make: Callable[..., Any], prefix: str, fields: tuple[Field, ...], qualname: str
) -> Callable[[list[str]], Any]:
    """A payload class's `read`, written out for its fields: `make(field, …)` from the parts
    after the prefix, each checked; PayloadError if any will not do."""
    codec = fields
    scope: dict[str, Any] = {"make": make, "PayloadError": PayloadError}
    lines = [
        "def read(parts):",
        f"    if len(parts) != {len(codec)}:",
        f"        raise PayloadError(f'{prefix}: {{len(parts)}} fields, not {len(codec)}')",
    ]
    values = []
    for i, f in enumerate(codec):
        scope[f"r{i}"], scope[f"k{i}"] = f.codec.read, f.codec.read_known
        lines.append(f"    v{i} = parts[{i}]")
        values.append(f.codec.fast_read.format(v=f"v{i}", k=f"k{i}", r=f"r{i}"))
    lines.append(f"    return make({', '.join(values)})")
    exec("\n".join(lines), scope)
    read: Callable[[list[str]], Any] = scope["read"]
    read.__qualname__ = f"{qualname}.read"
    return read


def _too_long(data: str) -> None:
    raise PayloadTooLong(f"{data!r} is longer than {MAX_BYTES} bytes")


def _unwrap(hint: Any) -> tuple[Any, tuple[Any, ...]]:
    """`Annotated[int, Range(…)]` -> (int, (Range(…),)); anything else -> (it, ())."""
    if typing.get_origin(hint) is Annotated:
        base, *meta = typing.get_args(hint)
        return base, tuple(meta)
    return hint, ()


def field_of(where: str, name: str, hint: Any) -> Field:
    """The codec of one annotated field; TypeError for a type payloads cannot carry."""
    base, meta = _unwrap(hint)
    if typing.get_origin(base) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(base) if a is not type(None)]
        if len(options) != 1 or len(typing.get_args(base)) != 2:
            raise TypeError(f"{where}: only `X | None` unions are supported")
        inner, more = _unwrap(options[0])
        codec = _codec_of(where, inner, meta + more)
        return Field(name, Codec(_optional_writer(codec.write), _optional_reader(codec.read)))
    return Field(name, _codec_of(where, base, meta))


def _codec_of(where: str, base: Any, meta: tuple[Any, ...]) -> Codec:
    if typing.get_origin(base) is Literal:
        choices = typing.get_args(base)
        if not all(isinstance(c, str) and c and SEP not in c for c in choices):
            raise TypeError(f"{where}: Literal choices must be strings without ':'")
        return _choice_codec(where, frozenset(choices), str)
    if not isinstance(base, type):
        raise TypeError(f"{where}: {base!r} cannot be carried in a payload")
    if issubclass(base, StrEnum):
        return _enum_codec(where, base)
    if issubclass(base, bool):
        return _bool_codec(where)
    if issubclass(base, int):
        bounds = next((m for m in meta if isinstance(m, Range)), Range(0, ID_MAX))
        return _int_codec(where, bounds)
    if issubclass(base, str):
        one_of = next((m for m in meta if isinstance(m, OneOf)), None)
        if one_of is not None:
            return _choice_codec(where, one_of.values, str)
        pattern = next((m for m in meta if isinstance(m, Pattern)), None)
        if pattern is None:
            raise TypeError(f"{where}: a str field needs a Pattern or OneOf")
        return _text_codec(where, re.compile(pattern.regex))
    raise TypeError(f"{where}: {base.__name__} cannot be carried in a payload")


def _int_codec(where: str, bounds: Range) -> Codec:
    def write(value: Any) -> str:
        if type(value) is not int or not bounds.low <= value <= bounds.high:
            raise ValueError(f"{where}: {value!r} is not from {bounds.low} to {bounds.high}")
        return str(value)

    def read(text: str) -> int:
        if not _DIGITS.fullmatch(text):
            raise PayloadError(f"{where}: not a number")
        value = int(text)
        if not bounds.low <= value <= bounds.high:
            raise PayloadError(f"{where}: out of range")
        return value

    fast = f"str({{v}}) if type({{v}}) is int and {bounds.low} <= {{v}} <= {bounds.high}"
    fast += " else {w}({v})"
    return Codec(write, read, fast)


def _bool_codec(where: str) -> Codec:
    def write(value: Any) -> str:
        if not isinstance(value, bool):
            raise ValueError(f"{where}: {value!r} is not a bool")
        return "1" if value else "0"

    def read(text: str) -> bool:
        if text not in ("0", "1"):
            raise PayloadError(f"{where}: not 0 or 1")
        return text == "1"

    return Codec(write, read)


def _choice_codec(where: str, choices: Collection[str], make: Callable[[str], Any]) -> Codec:
    if any(SEP in c or c == _NONE for c in choices):
        raise TypeError(f"{where}: a choice may not be '-' or contain ':'")

    def write(value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            raise ValueError(f"{where}: {value!r} is not one of the choices")
        return value if type(value) is str else str(value)

    def read(text: str) -> Any:
        if text not in choices:
            raise PayloadError(f"{where}: not one of the choices")
        return make(text)

    known = frozenset(choices)
    return Codec(
        write,
        read,
        "{v} if type({v}) is str and {v} in {c} else {w}({v})",
        known,
        "{v} if {v} in {k} else {r}({v})" if make is str else "{r}({v})",
        known,
    )


def _enum_codec(where: str, enum: type[StrEnum]) -> Codec:
    read = _choice_codec(where, frozenset(m.value for m in enum), enum).read

    def write(value: Any) -> str:
        # A member is a str equal to its value (StrEnum), so it is written as it is, without
        # hashing it (Enum's hash runs Python code); a plain str must be one of the values.
        if type(value) is enum:
            return str.__str__(value)
        if isinstance(value, str) and value in enum.__members__.values():
            return str(value)
        raise ValueError(f"{where}: {value!r} is not a {enum.__name__}")

    members = {m.value: m for m in enum}
    return Codec(
        write,
        read,
        "{v} if type({v}) is {c} else {w}({v})",  # concatenated, a member is its value
        enum,
        "{k}[{v}] if {v} in {k} else {r}({v})",
        members,
    )


def _text_codec(where: str, pattern: re.Pattern[str]) -> Codec:
    def check(text: str) -> bool:
        return bool(pattern.fullmatch(text)) and SEP not in text and text != _NONE

    made: set[str] = set()  # values written before: the same options are shown again and again

    def write(value: Any) -> str:
        if type(value) is str and value in made:
            return value
        if not isinstance(value, str) or not check(value):
            raise ValueError(f"{where}: {value!r} does not have the declared form")
        if len(made) < _REMEMBERED:
            made.add(value)
        return str(value)

    def read(text: str) -> str:
        if not check(text):
            raise PayloadError(f"{where}: not of the declared form")
        return text

    return Codec(write, read, "{v} if type({v}) is str and {v} in {c} else {w}({v})", made)


def _optional_writer(write: Callable[[Any], str]) -> Callable[[Any], str]:
    def optional(value: Any) -> str:
        return _NONE if value is None else write(value)

    return optional


def _optional_reader(read: Callable[[str], Any]) -> Callable[[str], Any]:
    def optional(text: str) -> Any:
        return None if text == _NONE else read(text)

    return optional
