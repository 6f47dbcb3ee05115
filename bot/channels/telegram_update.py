"""A Telegram update from the webhook, checked before python-telegram-bot parses it: PTB checks
no types (`"text": 5` or `"from": {"id": "x"}` pass, then fail deep in a handler), so the parts
ketnoi reads are held to the Bot API's types here and a body that does not fit is refused."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from telegram import Bot, Update

from bot.channels.webhook import BadUpdate

__all__ = ["parse_update"]


class _Model(BaseModel):
    # Telegram adds fields over time; the ones read here have the Bot API's types, exactly.
    model_config = ConfigDict(extra="allow", strict=True)


class _User(_Model):
    id: int
    is_bot: bool
    first_name: str
    last_name: str | None = None
    language_code: str | None = None


class _Chat(_Model):
    id: int
    type: str


class _Contact(_Model):
    phone_number: str
    first_name: str
    user_id: int | None = None


class _Location(_Model):
    latitude: float
    longitude: float


class _File(_Model):
    file_id: str
    file_unique_id: str


class _PhotoSize(_File):
    width: int
    height: int


class _Document(_File):
    file_name: str | None = None


class _Message(_Model):
    message_id: int
    date: int
    chat: _Chat
    sender: _User | None = Field(None, alias="from")
    text: str | None = None
    caption: str | None = None
    contact: _Contact | None = None
    location: _Location | None = None
    photo: list[_PhotoSize] | None = None
    document: _Document | None = None


class _CallbackQuery(_Model):
    id: str
    sender: _User = Field(alias="from")
    chat_instance: str
    data: str | None = None


class _Member(_Model):
    status: str


class _MemberUpdated(_Model):
    chat: _Chat
    sender: _User = Field(alias="from")
    date: int
    old_chat_member: _Member
    new_chat_member: _Member


class _Update(_Model):
    update_id: int
    message: _Message | None = None
    callback_query: _CallbackQuery | None = None
    my_chat_member: _MemberUpdated | None = None


def parse_update(body: dict[str, Any], bot: Bot) -> Update:
    """The body as python-telegram-bot's Update; BadUpdate if it is not a Telegram update."""
    try:
        _Update.model_validate(body)
    except ValidationError as exc:
        error = exc.errors()[0]  # where and what, never the value sent
        where = ".".join(str(part) for part in error["loc"])
        raise BadUpdate(f"{where}: {error['msg']}") from None
    try:
        return Update.de_json(body, bot)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:  # in the parts not read here
        raise BadUpdate(f"python-telegram-bot: {type(exc).__name__}") from None
