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
`| None` (written '-'). No field may contain ':'. How each is written and read:
bot/core/payload_fields.py.

The payloads that code outside `handlers/` puts on buttons (reminders, notices, broadcasts'
progress) or that several handler modules make are declared at the end of this module; the
others next to the handler that reads them.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import typing
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Final, Literal, Self

from bot.core.payload_fields import (
    ID_MAX,
    MAX_BYTES,
    SEP,
    Field,
    OneOf,
    Pattern,
    PayloadError,
    PayloadTooLong,
    Range,
    field_of,
    packer,
    reader,
)
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
    "OpenProfile",
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

_PREFIX: Final = re.compile(r"[a-z][a-z_]*(?::[a-z_]+)*")

Id = Annotated[int, Range(1, ID_MAX)]  # a row's id
Page = Annotated[int, Range(0, 999_999)]  # a page of a list, from 0
# a fair's key (bot/services/fair_files.py)
Key = Annotated[str, Pattern(r"[a-z0-9]+(?:-[a-z0-9]+)*")]
# a key the handler looks up: an FAQ topic (storage/faq.py), an intent, a sector
Word = Annotated[str, Pattern(r"[a-z0-9][a-z0-9_-]{0,39}")]
WardCode = Annotated[str, Pattern(r"[0-9]{5}")]  # a ward's GSO code (bot/domain/places.py)


class Payload:
    """A button payload: subclass it with `prefix=` as a frozen dataclass of typed fields."""

    __slots__ = ()
    prefix: ClassVar[str]
    _codec: ClassVar[tuple[Field, ...] | None] = None

    def __init_subclass__(cls, prefix: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # dataclass(slots=True) makes the class again, without the keyword: it keeps its prefix
        if prefix is not None:
            if not _PREFIX.fullmatch(prefix):
                raise ValueError(f"{cls.__name__}: {prefix!r} is not a payload prefix")
            cls.prefix = prefix
            cls._codec = None

    @classmethod
    def fields(cls) -> tuple[Field, ...]:
        """How each field is written and read (worked out once, from the annotations)."""
        if cls._codec is None:
            if not dataclasses.is_dataclass(cls) or "prefix" not in vars(cls):
                raise TypeError(f"{cls.__name__} must be a dataclass declared with prefix=")
            hints = typing.get_type_hints(cls, include_extras=True)
            cls._codec = tuple(
                field_of(f"{cls.__name__}.{f.name}", f.name, hints[f.name])
                for f in dataclasses.fields(cls)
            )
        return cls._codec

    def pack(self) -> str:
        """`prefix:field:…`; ValueError if a field is out of its range or the whole is past
        Telegram's 64 bytes (PayloadTooLong)."""
        cls = type(self)
        pack = packer(cls.prefix, cls.fields(), cls.__qualname__)
        cls.pack = pack  # type: ignore[assignment,method-assign]  # in place of this method now
        return pack(self)

    def button(self, label: str) -> Button:
        """A button showing `label` that sends this payload."""
        return Button(label, self.pack())

    @classmethod
    def read(cls, parts: list[str]) -> Self:
        """The payload from the parts after the prefix; PayloadError if any will not do."""
        read = reader(cls, cls.prefix, cls.fields(), cls.__qualname__)
        cls.read = read  # type: ignore[assignment,method-assign]  # in place of this method now
        result: Self = read(parts)
        return result

    @classmethod
    def parse(cls, data: str) -> Self:
        """This class's payload from its packed form; PayloadError if it is not one."""
        if data == cls.prefix:
            return cls.read([])
        if not data.startswith(cls.prefix + SEP):
            raise PayloadError(f"not a {cls.prefix} payload")
        return cls.read(data[len(cls.prefix) + 1 :].split(SEP))


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
        head, *tail = cls.prefix.split(SEP)
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
        parts = data.split(SEP)
        for tail, by_width in self._by_head.get(parts[0], ()):
            n = len(tail) + 1
            if not tail or parts[1:n] == tail:
                cls = by_width.get(len(parts) - n)
                if cls is None:
                    raise PayloadError(f"{parts[0]}: {len(parts) - n} fields")
                return cls.read(parts[n:])
        raise PayloadError("unknown prefix")


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
    """Withdraw what a broadcast has not sent yet: `bcast:stop:3` (handlers/staff/broadcast.py)."""

    broadcast: Id


@dataclass(frozen=True, slots=True)
class OpenProfile(Payload, prefix="reg:profile:open"):
    """The registration sent, to see and change: `reg:profile:open` (handlers/registration;
    the request for a correction that staff send, chat or web, carries it)."""
