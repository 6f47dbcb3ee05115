"""What the fake Zalo Bot API server holds and how its methods change it."""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._http import ApiError, Json

MAX_TEXT = 2000  # sendMessage text and sendPhoto caption: 1 to 2,000 characters
EVENTS = {
    "text": "message.text.received",
    "image": "message.image.received",
    "sticker": "message.sticker.received",
    "unsupported": "message.unsupported.received",
}


@dataclass
class Failure:
    """An injected error waiting for its next matching call(s)."""

    method: str
    error: ApiError
    times: int
    chat_id: str | None


def now_ms() -> int:
    """Zalo dates are milliseconds since the epoch."""
    return int(time.time() * 1000)


def _chat_id(params: Json) -> str:
    chat_id = params.get("chat_id")
    if not isinstance(chat_id, str | int) or isinstance(chat_id, bool) or str(chat_id) == "":
        raise ApiError(400, "Bad Request: chat_id is required")
    return str(chat_id)


def _text(value: Any, name: str, *, required: bool) -> str | None:
    """A text or caption as the API accepts it: 1 to 2,000 characters."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"Bad Request: {name} is empty")
    if len(value) > MAX_TEXT:
        raise ApiError(400, f"Bad Request: {name} must be at most {MAX_TEXT} characters")
    return value


class ZaloState:
    """The server's side of one bot; every method runs with `lock` held."""

    def __init__(self, bot: Json) -> None:
        self.bot = bot
        self.lock = threading.Condition()  # notified on every change, for the waiting helpers
        self.updates: deque[Json] = deque()
        self.chats: dict[str, str] = {}  # chat id -> display name; the bot may write to these
        self.messages: list[Json] = []
        self.by_chat: dict[str, list[Json]] = {}
        self.calls: list[Json] = []
        self.webhook: Json = {"url": "", "secret_token": None, "updated_at": now_ms()}
        self.failures: list[Failure] = []
        self.blocked: set[str] = set()
        self.stats: Counter[str] = Counter()
        self.methods: dict[str, Callable[[Json], Any]] = {
            "getme": lambda _: self.bot,
            "sendmessage": self.send_message,
            "sendphoto": self.send_photo,
            "sendchataction": self.send_chat_action,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getwebhookinfo": lambda _: self._webhook_info(),
        }

    # -- errors ----------------------------------------------------------------------------

    def check_failures(self, method: str, params: Json) -> None:
        """Raise the injected or blocked-chat error this call must get, if any."""
        chat_id = params.get("chat_id")
        chat_id = None if chat_id is None else str(chat_id)
        for failure in self.failures:
            if failure.method == method.lower() and failure.chat_id in (None, chat_id):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                self.stats["injected"] += 1
                raise failure.error
        if chat_id is not None and chat_id in self.blocked:
            self.stats["blocked"] += 1
            raise ApiError(403, "Forbidden: the user has blocked the bot")

    # -- updates -----------------------------------------------------------------------------

    def user_message(self, chat_id: str, display_name: str) -> Json:
        """A new message from the user of a private chat (whose id is the chat's)."""
        self.chats[chat_id] = display_name
        return {
            "from": {"id": chat_id, "display_name": display_name, "is_bot": False},
            "chat": {"id": chat_id, "chat_type": "PRIVATE"},
            "message_id": secrets.token_hex(10),
            "date": now_ms(),
        }

    def push(self, update: Json) -> None:
        """Queue an update for getUpdates."""
        self.updates.append(update)
        self.stats["updates"] += 1
        self.lock.notify_all()

    def take_update(self) -> Json | None:
        """The oldest waiting update, removed: getUpdates hands out one per call."""
        if self.webhook["url"]:
            raise ApiError(409, "Conflict: getUpdates is not available while a webhook is set")
        return self.updates.popleft() if self.updates else None

    # -- sending -----------------------------------------------------------------------------

    def send_message(self, params: Json) -> Json:
        """sendMessage: 1 to 2,000 characters to a chat that wrote to the bot."""
        return self._record(
            "sendMessage", params, text=_text(params.get("text"), "text", required=True)
        )

    def send_photo(self, params: Json) -> Json:
        """sendPhoto: an image by URL, with an optional caption."""
        photo = params.get("photo")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: photo must be an image URL")
        caption = _text(params.get("caption"), "caption", required=False)
        return self._record("sendPhoto", params, photo=photo, caption=caption)

    def send_chat_action(self, params: Json) -> bool:
        """sendChatAction: typing (upload_photo is announced, not yet available)."""
        self._known_chat(params)
        if params.get("action") not in ("typing", "upload_photo"):
            raise ApiError(400, "Bad Request: action must be typing or upload_photo")
        return True

    def _known_chat(self, params: Json) -> str:
        chat_id = _chat_id(params)
        if chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _record(self, method: str, params: Json, **content: Any) -> Json:
        """Store a bot message and return its {message_id, date}."""
        chat_id = self._known_chat(params)
        record: Json = {
            "message_id": secrets.token_hex(10),
            "chat_id": chat_id,
            "method": method,
            "date": now_ms(),
            "text": None,
            "photo": None,
            "caption": None,
        }
        record.update(content)
        self.messages.append(record)
        self.by_chat.setdefault(chat_id, []).append(record)
        self.stats["messages"] += 1
        return {"message_id": record["message_id"], "date": record["date"]}

    # -- webhook -----------------------------------------------------------------------------

    def set_webhook(self, params: Json) -> Json:
        """setWebhook: an HTTPS url and a secret_token of 8 to 256 characters."""
        url, secret = params.get("url"), params.get("secret_token")
        if not isinstance(url, str) or not url.startswith("https://"):
            raise ApiError(400, "Bad Request: url must be an HTTPS URL")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            raise ApiError(400, "Bad Request: secret_token must be 8 to 256 characters")
        self.webhook = {"url": url, "secret_token": secret, "updated_at": now_ms()}
        return self._webhook_info()

    def delete_webhook(self, params: Json) -> Json:
        """deleteWebhook: back to getUpdates."""
        self.webhook = {"url": "", "secret_token": None, "updated_at": now_ms()}
        return self._webhook_info()

    def _webhook_info(self) -> Json:
        return {"url": self.webhook["url"], "updated_at": self.webhook["updated_at"]}
