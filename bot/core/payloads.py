"""Button payloads as small typed values, in the manner of aiogram's `CallbackData`.

A payload class declares a prefix and typed fields; it packs itself to `prefix:field:field`
and refuses to build past Telegram's 64 bytes, so a button too long for the platform fails
where it is made, in a test, and not when Telegram refuses the message. A `PayloadTable`
reads a pressed payload back into the class it was made from, every field checked (ids in
SQLite's range, choices among those declared): the router does that once for every button,
so a malformed, out-of-range or forged payload is turned away in one place and a handler
matches on a value it can trust::

    @dataclass(frozen=True, slots=True)
    class BoothAction(Payload, prefix="booth"):
        app: Id
        action: Literal["show", "withdraw"]

    BoothAction(12, "show").pack()  # 'booth:12:show'

Fields are `int` (with a `Range`; `Id` and `Page` are the common ones), `bool` ('1'/'0'),
`str` with a `Pattern` or `OneOf`, a `Literal` of strings, a `StrEnum`, or any of these
`| None` (written '-'). No field may contain ':'.

The payloads that code outside `handlers/` puts on buttons (reminders, notices, broadcasts'
progress) or that several handler modules make are declared at the end of this module; the
others next to the handler that reads them.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import types
import typing
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Final, Literal, Self

from bot.core.types import Button

__all__ = [
    "ID_MAX",
    "MAX_BYTES",
    "BoothAction",
    "BroadcastStop",
    "DataRequestAction",
    "FairAction",
    "FairsPage",
    "Feedback",
    "Id",
    "Key",
    "MenuChoice",
    "MenuEntry",
    "OneOf",
    "Page",
    "Pattern",
    "Payload",
    "PayloadError",
    "PayloadTable",
    "PayloadTooLong",
    "Range",
    "Reminders",
    "Visitors",
    "WardCode",
    "Which",
    "Word",
]

MAX_BYTES: Final = 64  # Telegram's limit for callback_data (Bot API, InlineKeyboardButton)
ID_MAX: Final = 2**63 - 1  # SQLite's largest integer, so the largest rowid
_SEP: Final = ":"
_NONE: Final = "-"
_PREFIX: Final = re.compile(r"[a-z][a-z_]*(?::[a-z_]+)*")
# Digits as written by str(int): no sign, no leading zero, no '_' or non-ASCII digits (which
# int() would take), and never more than ID_MAX has (19), so no huge number is ever made.
_REMEMBERED: Final = 1024  # checked text values kept per field, so as not to check them again
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


Id = Annotated[int, Range(1, ID_MAX)]  # a row's id
Page = Annotated[int, Range(0, 999_999)]  # a page of a list, from 0
Key = Annotated[
    str, Pattern(r"[a-z0-9]+(?:-[a-z0-9]+)*")
]  # a fair's key (bot/services/fair_files.py)
# a key the handler looks up: an FAQ topic (storage/faq.py), an intent, a sector
Word = Annotated[str, Pattern(r"[a-z0-9][a-z0-9_-]{0,39}")]
WardCode = Annotated[str, Pattern(r"[0-9]{5}")]  # a ward's GSO code (bot/domain/places.py)


@dataclass(frozen=True, slots=True)
class _Codec:
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
class _Field:
    """How one field is written and read back."""

    name: str
    codec: _Codec

    @property
    def read(self) -> Callable[[str], Any]:
        return self.codec.read


class Payload:
    """A button payload: subclass it with `prefix=` as a frozen dataclass of typed fields."""

    __slots__ = ()
    prefix: ClassVar[str]
    _codec: ClassVar[tuple[_Field, ...] | None] = None

    def __init_subclass__(cls, prefix: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # dataclass(slots=True) makes the class again, without the keyword: it keeps its prefix
        if prefix is not None:
            if not _PREFIX.fullmatch(prefix):
                raise ValueError(f"{cls.__name__}: {prefix!r} is not a payload prefix")
            cls.prefix = prefix
            cls._codec = None

    @classmethod
    def fields(cls) -> tuple[_Field, ...]:
        """How each field is written and read (worked out once, from the annotations)."""
        if cls._codec is None:
            if not dataclasses.is_dataclass(cls) or "prefix" not in vars(cls):
                raise TypeError(f"{cls.__name__} must be a dataclass declared with prefix=")
            hints = typing.get_type_hints(cls, include_extras=True)
            cls._codec = tuple(
                _field(f"{cls.__name__}.{f.name}", f.name, hints[f.name])
                for f in dataclasses.fields(cls)
            )
        return cls._codec

    def pack(self) -> str:
        """`prefix:field:…`; ValueError if a field is out of its range or the whole is past
        Telegram's 64 bytes (PayloadTooLong)."""
        pack = _packer(type(self))
        type(self).pack = pack  # type: ignore[assignment,method-assign]  # from now on, in its place
        return pack(self)

    def button(self, label: str) -> Button:
        """A button showing `label` that sends this payload."""
        return Button(label, self.pack())

    @classmethod
    def read(cls, parts: list[str]) -> Self:
        """The payload from the parts after the prefix; PayloadError if any will not do."""
        read = _reader(cls)
        cls.read = read  # type: ignore[assignment,method-assign]  # from now on, in its place
        return read(parts)

    @classmethod
    def parse(cls, data: str) -> Self:
        """This class's payload from its packed form; PayloadError if it is not one."""
        if data == cls.prefix:
            return cls.read([])
        if not data.startswith(cls.prefix + _SEP):
            raise PayloadError(f"not a {cls.prefix} payload")
        return cls.read(data[len(cls.prefix) + 1 :].split(_SEP))


class PayloadTable:
    """The payload classes a router knows, and the one place a pressed payload is read."""

    def __init__(self) -> None:
        # first part of the prefix -> (the rest of the prefix, classes by number of fields),
        # the longest prefixes first
        self._by_head: dict[str, list[tuple[list[str], dict[int, type[Payload]]]]] = {}
        # Payloads are immutable: the same button pressed again is read once (a refused one
        # is read again, as nothing is kept of an exception).
        self._read = functools.lru_cache(maxsize=4096)(self._parse)

    def add(self, cls: type[Payload]) -> None:
        """Know `cls`; two classes share a prefix only with different numbers of fields."""
        width = len(cls.fields())  # also checks the declaration, at start-up
        head, *tail = cls.prefix.split(_SEP)
        entries = self._by_head.setdefault(head, [])
        by_width = next((w for t, w in entries if t == tail), None)
        if by_width is None:
            by_width = {}
            entries.append((tail, by_width))
            entries.sort(key=lambda entry: -len(entry[0]))
        if width in by_width:
            raise ValueError(f"payload {cls.prefix!r} with {width} fields declared twice")
        by_width[width] = cls
        self._read.cache_clear()

    def parse(self, data: str) -> Payload:
        """The payload `data` was packed from: the class with the longest prefix it starts
        with, and the number of fields it has. PayloadError if there is none or a field will
        not do."""
        return self._read(data)

    def _parse(self, data: str) -> Payload:
        # the length first: a 5,000-digit string is not encoded, split or read
        if len(data) > MAX_BYTES or (not data.isascii() and len(data.encode()) > MAX_BYTES):
            raise PayloadError(f"longer than {MAX_BYTES} bytes")
        parts = data.split(_SEP)
        for tail, by_width in self._by_head.get(parts[0], ()):
            n = len(tail) + 1
            if not tail or parts[1:n] == tail:
                cls = by_width.get(len(parts) - n)
                if cls is None:
                    raise PayloadError(f"{parts[0]}: {len(parts) - n} fields")
                return cls.read(parts[n:])
        raise PayloadError("unknown prefix")


# -- reading and writing one field ------------------------------------------------------------


def _packer(cls: type[Payload]) -> Callable[[Payload], str]:
    """The class's `pack`, written out for its fields, as dataclasses writes `__init__`: every
    button shown is packed (fifteen on some questions), and a loop over the fields calling a
    checker for each cost three times as much."""
    scope: dict[str, Any] = {"too_long": _too_long}
    lines = ["def pack(self):"]
    parts = [repr(cls.prefix)]
    for i, f in enumerate(cls.fields()):
        scope[f"w{i}"], scope[f"c{i}"] = f.codec.write, f.codec.known
        lines.append(f"    v{i} = self.{f.name}")
        parts.append(f"({f.codec.fast.format(v=f'v{i}', c=f'c{i}', w=f'w{i}')})")
    lines += [
        f"    data = {(' + ' + repr(_SEP) + ' + ').join(parts)}",
        f"    if len(data) > {MAX_BYTES} if data.isascii() else len(data.encode()) > {MAX_BYTES}:",
        "        too_long(data)",
        "    return data",
    ]
    exec("\n".join(lines), scope)
    pack: Callable[[Payload], str] = scope["pack"]
    pack.__qualname__ = f"{cls.__qualname__}.pack"
    pack.__doc__ = Payload.pack.__doc__
    return pack


def _reader(cls: type[Payload]) -> Callable[[list[str]], Any]:
    """The class's `read`, written out for its fields as `_packer` writes `pack`."""
    codec = cls.fields()
    scope: dict[str, Any] = {"make": cls, "PayloadError": PayloadError}
    lines = [
        "def read(parts):",
        f"    if len(parts) != {len(codec)}:",
        f"        raise PayloadError(f'{cls.prefix}: {{len(parts)}} fields, not {len(codec)}')",
    ]
    values = []
    for i, f in enumerate(codec):
        scope[f"r{i}"], scope[f"k{i}"] = f.codec.read, f.codec.read_known
        lines.append(f"    v{i} = parts[{i}]")
        values.append(f.codec.fast_read.format(v=f"v{i}", k=f"k{i}", r=f"r{i}"))
    lines.append(f"    return make({', '.join(values)})")
    exec("\n".join(lines), scope)
    read: Callable[[list[str]], Any] = scope["read"]
    read.__qualname__ = f"{cls.__qualname__}.read"
    return read


def _too_long(data: str) -> None:
    raise PayloadTooLong(f"{data!r} is longer than {MAX_BYTES} bytes")


def _unwrap(hint: Any) -> tuple[Any, tuple[Any, ...]]:
    """`Annotated[int, Range(…)]` -> (int, (Range(…),)); anything else -> (it, ())."""
    if typing.get_origin(hint) is Annotated:
        base, *meta = typing.get_args(hint)
        return base, tuple(meta)
    return hint, ()


def _field(where: str, name: str, hint: Any) -> _Field:
    """The codec of one annotated field; TypeError for a type payloads cannot carry."""
    base, meta = _unwrap(hint)
    if typing.get_origin(base) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(base) if a is not type(None)]
        if len(options) != 1 or len(typing.get_args(base)) != 2:
            raise TypeError(f"{where}: only `X | None` unions are supported")
        inner, more = _unwrap(options[0])
        codec = _codec_of(where, inner, meta + more)
        return _Field(name, _Codec(_optional_writer(codec.write), _optional_reader(codec.read)))
    return _Field(name, _codec_of(where, base, meta))


def _codec_of(where: str, base: Any, meta: tuple[Any, ...]) -> _Codec:
    if typing.get_origin(base) is Literal:
        choices = typing.get_args(base)
        if not all(isinstance(c, str) and c and _SEP not in c for c in choices):
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


def _int_codec(where: str, bounds: Range) -> _Codec:
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
    return _Codec(write, read, fast)


def _bool_codec(where: str) -> _Codec:
    def write(value: Any) -> str:
        if not isinstance(value, bool):
            raise ValueError(f"{where}: {value!r} is not a bool")
        return "1" if value else "0"

    def read(text: str) -> bool:
        if text not in ("0", "1"):
            raise PayloadError(f"{where}: not 0 or 1")
        return text == "1"

    return _Codec(write, read)


def _choice_codec(where: str, choices: Collection[str], make: Callable[[str], Any]) -> _Codec:
    if any(_SEP in c or c == _NONE for c in choices):
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
    return _Codec(
        write,
        read,
        "{v} if type({v}) is str and {v} in {c} else {w}({v})",
        known,
        "{v} if {v} in {k} else {r}({v})" if make is str else "{r}({v})",
        known,
    )


def _enum_codec(where: str, enum: type[StrEnum]) -> _Codec:
    read = _choice_codec(where, frozenset(m.value for m in enum), enum).read

    def write(value: Any) -> str:
        # A member's value at once (hashing a member runs Python code); its value as a str too.
        if type(value) is enum:
            return value._value_
        if isinstance(value, str) and value in enum.__members__.values():
            return str(value)
        raise ValueError(f"{where}: {value!r} is not a {enum.__name__}")

    members = {m.value: m for m in enum}
    return _Codec(
        write,
        read,
        "{v}._value_ if type({v}) is {c} else {w}({v})",
        enum,
        "{k}[{v}] if {v} in {k} else {r}({v})",
        members,
    )


def _text_codec(where: str, pattern: re.Pattern[str]) -> _Codec:
    def check(text: str) -> bool:
        return bool(pattern.fullmatch(text)) and _SEP not in text and text != _NONE

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

    return _Codec(write, read, "{v} if type({v}) is str and {v} in {c} else {w}({v})", made)


def _optional_writer(write: Callable[[Any], str]) -> Callable[[Any], str]:
    def optional(value: Any) -> str:
        return _NONE if value is None else write(value)

    return optional


def _optional_reader(read: Callable[[str], Any]) -> Callable[[str], Any]:
    def optional(text: str) -> Any:
        return None if text == _NONE else read(text)

    return optional


# -- payloads made outside handlers/ (reminders, notices, broadcasts) or by several modules ----

MenuChoice = Literal["register", "fairs", "booths", "reminders", "faq", "language"]


@dataclass(frozen=True, slots=True)
class MenuEntry(Payload, prefix="menu"):
    """An entry of the main menu: `menu:fairs` (handlers/start.py runs its command)."""

    entry: MenuChoice


Which = Literal["up", "past"]


@dataclass(frozen=True, slots=True)
class FairsPage(Payload, prefix="fairs"):
    """A page of the calendar: `fairs:up:0`, `fairs:past:2` (handlers/fairs.py)."""

    which: Which
    page: Page


@dataclass(frozen=True, slots=True)
class FairAction(Payload, prefix="fair"):
    """Something to do with a fair: `fair:gom-su-2026:card` (handlers/fairs.py)."""

    key: Key
    action: Literal["card", "ics", "apply", "register", "follow", "unfollow"]


@dataclass(frozen=True, slots=True)
class BoothAction(Payload, prefix="booth"):
    """Something to do with one's own booth application: `booth:12:show`
    (handlers/booths.py; someone else's is refused)."""

    app: Id
    action: Literal["show", "withdraw", "withdraw_yes", "accept", "decline", "qr"]


@dataclass(frozen=True, slots=True)
class Reminders(Payload, prefix="remind"):
    """The reminder settings: `remind:off` (handlers/reminders.py)."""

    action: Literal["show", "sectors", "fairs", "on", "off", "news_on", "news_off"]


Visitors = Literal["lt50", "50_200", "200_500", "gt500"]


@dataclass(frozen=True, slots=True)
class Feedback(Payload, prefix="fb"):
    """An exhibitor's answer to the question after a fair: `fb:7:v:50_200` (how many
    visitors), `fb:7:again:1` (would come again) (handlers/reminders.py)."""

    fair: Id
    question: Literal["v", "again"]
    answer: Literal[Visitors, "0", "1"]


@dataclass(frozen=True, slots=True)
class DataRequestAction(Payload, prefix="datareq"):
    """A request about personal data as staff see it, and finishing an erasure:
    `datareq:show:7`, `datareq:done:7` (handlers/staff/data_requests.py)."""

    action: Literal["show", "done"]
    request: Id


@dataclass(frozen=True, slots=True)
class BroadcastStop(Payload, prefix="bcast:stop"):
    """Withdraw what a broadcast has not sent yet: `bcast:stop:3` (handlers/broadcast.py)."""

    broadcast: Id
