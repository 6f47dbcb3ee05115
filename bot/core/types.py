"""The channel-neutral message model: what a channel hands the router and gets back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "Attachment",
    "Blocked",
    "Button",
    "ChatMoved",
    "Document",
    "Incoming",
    "Kind",
    "Notice",
    "Reply",
    "RetryLater",
    "SendError",
    "UnknownOutcome",
    "Unreachable",
    "UserRef",
    "Venue",
]


@dataclass(frozen=True, slots=True)
class UserRef:
    """Who wrote, as the platform knows them: `telegram:123456`, `zalo:8f3a`, `console:local`."""

    channel: str
    external_id: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


class Kind(StrEnum):
    """What sort of update arrived."""

    COMMAND = "command"
    TEXT = "text"
    BUTTON = "button"
    CONTACT = "contact"
    LOCATION = "location"
    FILE = "file"  # a photo or document; its caption is the text (only some flows take them)
    UNSUPPORTED = "unsupported"  # stickers, photos, voice… anything we cannot read


class Attachment(BaseModel):
    """A photo or document a user sent, kept by the platform's id so it can be sent again
    without downloading it (only on the channel it came from)."""

    model_config = ConfigDict(frozen=True)

    channel: str
    kind: Literal["photo", "document"]
    file_id: str  # Telegram's file_id: valid for the bot that received it
    file_name: str | None = None


@dataclass(slots=True, kw_only=True)
class Incoming:
    """One update from a user, already stripped of its platform (each channel parses the
    platform's payload into its models first, then makes this)."""

    user: UserRef
    kind: Kind
    text: str = ""
    payload: str | None = None
    phone: str | None = None
    # With a contact: whose it is, as the platform knows them (None: not one of its users)
    contact_user_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    display_name: str | None = None
    language_hint: str | None = None
    attachment: Attachment | None = None  # with Kind.FILE; the caption is `text`
    # Called inside the turn's transaction once the handler is done: what the channel records
    # with the turn's COMMIT (the Zalo OA marks the webhook event done, so that an event whose
    # turn committed is never handled again, and one whose turn did not is not lost).
    within_turn: Callable[[], None] | None = field(default=None, compare=False, repr=False)

    @property
    def command(self) -> str | None:
        """The command name without the slash and bot mention (`/start@ketnoi_bot x` -> `start`)."""
        if self.kind is not Kind.COMMAND:
            return None
        head = self.text.strip().split(maxsplit=1)[0] if self.text.strip() else "/"
        return head[1:].split("@", 1)[0].lower()

    @property
    def own_contact(self) -> bool:
        """Whether this is a contact and the sender's own, not one from their address book."""
        return self.kind is Kind.CONTACT and self.contact_user_id == self.user.external_id

    @property
    def args(self) -> str:
        """What follows a command, e.g. `fair_gom-su` in `/start fair_gom-su`."""
        parts = self.text.strip().split(maxsplit=1)
        return parts[1] if len(parts) > 1 else ""


# What handlers return is made by our own code, typed and checked by mypy: plain dataclasses,
# not validated again at every reply (a pydantic Reply with a dozen buttons cost 30 µs a
# question). pydantic still reads and writes them as JSON for the outbox (storage/outbox.py).
_BYTES_AS_BASE64 = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")


@dataclass(frozen=True, slots=True)
class Button:
    """An option shown to the user; `payload` is stable and never translated."""

    label: str
    payload: str


@dataclass(frozen=True, slots=True)
class Document:
    """A file to send (an .ics, an export)."""

    __pydantic_config__: ClassVar[ConfigDict] = _BYTES_AS_BASE64

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"
    # The file as plain text, shown in its place by channels that cannot send files (Zalo);
    # without it they say the file cannot be sent here.
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Venue:
    """A place with a map pin."""

    title: str
    address: str
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Notice:
    """What a message to someone other than the person typing is about, as a kind of
    bot.core.notices.NOTICE_KINDS and the values of its fields: for a channel that may have to
    send it another way (a Zalo OA template message outside the chat window)."""

    kind: str
    fields: dict[str, str]


@dataclass(slots=True, kw_only=True)
class Reply:
    """Something to show the user. Channels decide how it looks."""

    __pydantic_config__: ClassVar[ConfigDict] = _BYTES_AS_BASE64

    text: str = ""
    buttons: list[list[Button]] = field(default_factory=list)
    document: Document | None = None
    photo: bytes | None = None
    photo_url: str | None = None
    venue: Venue | None = None
    request_contact: str | None = None  # label of the "share my phone" keyboard button
    remove_keyboard: bool = False
    edit_key: str | None = None  # replies with the same key replace the earlier message
    attachment: Attachment | None = None  # sent again by id on its own channel
    # Said instead of the attachment on the other channels, in the recipient's language
    # (channels do not translate); required with an attachment, so none is dropped silently.
    attachment_note: str | None = None
    notice: Notice | None = None  # a reminder's or a decision's kind and fields

    def __post_init__(self) -> None:
        if self.attachment is not None and not self.attachment_note:
            raise ValueError("a reply with an attachment needs an attachment_note")

    @property
    def options(self) -> list[Button]:
        """The buttons in reading order, as numbered on channels without buttons."""
        return [b for row in self.buttons for b in row]


class SendError(Exception):
    """A channel could not deliver a message; subclasses say what to do about it."""


class Blocked(SendError):
    """The user blocked the bot (Telegram 403): stop sending until they write again."""


class Unreachable(SendError):
    """The platform no longer lets this message reach the person (a Zalo OA follower silent
    for more than 7 days, with no template or consent to go by): recorded, counted, not sent."""


class RetryLater(SendError):
    """The platform asks us to slow down (429) or is briefly unavailable (5xx, network)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnknownOutcome(SendError):
    """The request reached the platform but no answer came back (a read timeout, a connection
    closed before the answer): the message may or may not have arrived. Like a crash
    mid-send, it is never sent again in bulk; errors that certainly did not deliver (no
    connection, 5xx, 429) are RetryLater."""


class ChatMoved(SendError):
    """The chat has a new id (a group upgraded to a supergroup); resend there."""

    def __init__(self, message: str, new_id: str) -> None:
        super().__init__(message)
        self.new_id = new_id
