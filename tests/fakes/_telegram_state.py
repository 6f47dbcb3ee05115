"""What the fake Telegram server holds and how its Bot API methods change it."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._telegram_wire import (
    ApiError,
    Json,
    chat_id_of,
    chat_json,
    checked_markup,
    checked_text,
    location,
    message_json,
    update_kind,
)

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are"
    " exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@dataclass
class Failure:
    """An injected error waiting for its next matching call(s)."""

    method: str
    error: ApiError
    times: int
    chat_id: int | None


@dataclass
class Hang:
    """An injected lost request: the next matching call(s) are not carried out, and answered
    (with an error) only after `seconds`, when the client has given up."""

    method: str
    seconds: float
    times: int
    chat_id: int | None


class BotApiState:
    """The server's side of one bot; every method runs with lock held."""

    def __init__(self, bot_user: Json) -> None:
        self.bot_user = bot_user
        self.lock = threading.Condition()  # notified on every change, for the waiting helpers
        self.updates: list[Json] = []
        self.next_update_id = 1000
        self.allowed_updates: list[str] = []
        self.message_ids: Counter[int] = Counter()
        self.messages: list[Json] = []
        self.by_chat: dict[int, list[Json]] = {}
        self.names: dict[int, str] = {}
        self.calls: list[Json] = []
        self.last_call = 0.0
        self.open_queries: set[str] = set()
        self.answers: list[Json] = []
        self.commands: dict[str, list[Json]] = {}
        self.webhook: Json = {"url": "", "secret_token": None, "allowed_updates": None}
        self.failures: list[Failure] = []
        self.hangs: list[Hang] = []
        self.blocked: set[int] = set()
        self.rate: float | None = None
        self.tokens = 0.0
        self.refilled = 0.0
        self.stats: Counter[str] = Counter()
        self.next_file = 0
        self.methods: dict[str, Callable[[Json], Any]] = {
            "getme": lambda _: self.bot_user,
            "sendmessage": self.send_message,
            "editmessagetext": self.edit_message_text,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "answercallbackquery": self.answer_callback_query,
            "senddocument": lambda params: self.send_file(params, "document"),
            "sendphoto": lambda params: self.send_file(params, "photo"),
            "sendlocation": self.send_location,
            "sendvenue": self.send_venue,
            "sendchataction": self.send_chat_action,
            "setmycommands": self.set_my_commands,
            "getmycommands": lambda params: self.commands.get(params.get("language_code", ""), []),
            "deletemycommands": self.delete_my_commands,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getwebhookinfo": self.webhook_info,
            "close": lambda _: True,
            "logout": lambda _: True,
        }

    # -- errors ----------------------------------------------------------------------------

    def check_failures(self, method: str, params: Json) -> None:
        """Raise the injected, blocked-chat or rate-limit error this call must get, if any."""
        chat_id = params.get("chat_id")
        for failure in self.failures:
            if failure.method == method.lower() and failure.chat_id in (None, chat_id):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                self.stats["injected"] += 1
                raise failure.error
        if chat_id is None:
            return
        if chat_id in self.blocked:
            self.stats["blocked"] += 1
            raise ApiError(403, self.forbidden(chat_id))
        if not self._take_token():
            self.stats["rate_limited"] += 1
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})

    def take_hang(self, method: str, params: Json) -> Hang | None:
        """The injected lost request this call is, if any."""
        for hang in self.hangs:
            if hang.method == method.lower() and hang.chat_id in (None, params.get("chat_id")):
                hang.times -= 1
                if hang.times <= 0:
                    self.hangs.remove(hang)
                self.stats["hung"] += 1
                return hang
        return None

    def forbidden(self, chat_id: int) -> str:
        """The 403 description Telegram gives for a chat that shut the bot out."""
        if chat_id > 0:
            return "Forbidden: bot was blocked by the user"
        return "Forbidden: bot was kicked from the group chat"

    def _take_token(self) -> bool:
        """Take one token from the global bucket; False when the rate limit is exceeded."""
        if self.rate is None:
            return True
        now = time.monotonic()
        self.tokens = min(max(1.0, self.rate), self.tokens + (now - self.refilled) * self.rate)
        self.refilled = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    # -- updates -----------------------------------------------------------------------------

    def push(self, body: Json) -> int:
        """Queue an update for getUpdates; return its update_id."""
        update_id = self.next_update_id
        self.next_update_id += 1
        self.updates.append({"update_id": update_id, **body})
        self.stats["updates"] += 1
        self.lock.notify_all()
        return update_id

    def confirm(self, offset: int | None, allowed_updates: list[str] | None) -> None:
        """Forget updates before offset (negative: keep the last -offset) and unwanted kinds."""
        if self.webhook["url"]:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active;"
                " use deleteWebhook to delete the webhook first",
            )
        if allowed_updates is not None:
            self.allowed_updates = list(allowed_updates)  # the Bot API keeps it for later calls
        if offset is not None and int(offset) < 0:
            self.updates = self.updates[int(offset) :]
        elif offset is not None:
            self.updates = [u for u in self.updates if u["update_id"] >= int(offset)]
        if self.allowed_updates:
            self.updates = [u for u in self.updates if update_kind(u) in self.allowed_updates]

    # -- objects -----------------------------------------------------------------------------

    def chat(self, chat_id: int) -> Json:
        """The Chat object of chat_id, named after its user."""
        return chat_json(chat_id, self.names.get(chat_id, "Lan"))

    def message(self, record: Json) -> Json:
        """A recorded bot message as a Message object."""
        return message_json(record, self.chat(record["chat_id"]), self.bot_user)

    def next_message_id(self, chat_id: int) -> int:
        """Message ids count up per chat, shared by the user and the bot, as in private chats."""
        self.message_ids[chat_id] += 1
        return self.message_ids[chat_id]

    # -- sending -----------------------------------------------------------------------------

    def send_message(self, params: Json) -> Json:
        """sendMessage: record the text and its keyboard."""
        return self._record("sendMessage", params, text=checked_text(params.get("text")))

    def send_file(self, params: Json, kind: str) -> Json:
        """sendDocument / sendPhoto: an upload keeps its filename and bytes; a str its URL or id."""
        value = params.get(kind)
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        self.next_file += 1
        upload = value if isinstance(value, dict) else {}
        file = {
            "file_id": f"{kind}-{self.next_file}",
            "file_unique_id": f"u{self.next_file}",
            "filename": upload.get("filename"),
            "mime_type": upload.get("mime_type"),
            "bytes": upload.get("bytes"),
            "url": value if isinstance(value, str) else None,
        }
        method = "sendDocument" if kind == "document" else "sendPhoto"
        return self._record(method, params, **{kind: file})

    def send_chat_action(self, params: Json) -> bool:
        """sendChatAction: nothing to record beyond the call itself."""
        chat_id_of(params)
        return True

    def send_location(self, params: Json) -> Json:
        """sendLocation: record the point."""
        return self._record("sendLocation", params, location=location(params))

    def send_venue(self, params: Json) -> Json:
        """sendVenue: record the place; Telegram also fills Message.location for a venue."""
        for key in ("title", "address"):
            if not params.get(key):
                raise ApiError(400, f"Bad Request: {key} is empty")
        point = location(params)
        venue = {"location": point, "title": params["title"], "address": params["address"]}
        return self._record("sendVenue", params, venue=venue, location=point)

    def _record(self, method: str, params: Json, **content: Any) -> Json:
        """Store a new bot message and return it as a Message object."""
        chat_id = chat_id_of(params)
        caption = params.get("caption")
        if caption is not None and len(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        record: Json = {
            "message_id": self.next_message_id(chat_id),
            "chat_id": chat_id,
            "method": method,
            "date": int(time.time()),
            "at": time.monotonic(),  # when the server took it, for benchmarks (not on the wire)
            "text": None,
            "caption": caption,
            "parse_mode": params.get("parse_mode"),
            "reply_markup": checked_markup(params.get("reply_markup")),
            "document": None,
            "photo": None,
            "location": None,
            "venue": None,
            "edits": [],
        }
        record.update(content)
        self.messages.append(record)
        self.by_chat.setdefault(chat_id, []).append(record)
        self.stats["messages"] += 1
        return self.message(record)

    # -- editing -----------------------------------------------------------------------------

    def edit_message_text(self, params: Json) -> Json:
        """editMessageText: replace text and keyboard (omitting reply_markup removes it)."""
        record = self._edited(params)
        if record["text"] is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = checked_text(params.get("text"))
        return self._apply_edit(record, "editMessageText", text, params)

    def edit_message_reply_markup(self, params: Json) -> Json:
        """editMessageReplyMarkup: replace or remove the inline keyboard."""
        record = self._edited(params)
        return self._apply_edit(record, "editMessageReplyMarkup", record["text"], params)

    def _edited(self, params: Json) -> Json:
        """The recorded bot message named by chat_id and message_id."""
        for record in self.by_chat.get(chat_id_of(params), []):
            if record["message_id"] == params.get("message_id"):
                return record
        raise ApiError(400, "Bad Request: message to edit not found")

    def _apply_edit(self, record: Json, method: str, text: str | None, params: Json) -> Json:
        """Change the message in place, keep the edit in its history, return the new Message."""
        markup = checked_markup(params.get("reply_markup"))
        if text == record["text"] and markup == record["reply_markup"]:
            raise ApiError(400, _NOT_MODIFIED)
        record.update(text=text, reply_markup=markup)
        if "parse_mode" in params:
            record["parse_mode"] = params["parse_mode"]
        edit = {"method": method, "text": text, "reply_markup": markup, "date": int(time.time())}
        record["edits"].append(edit)
        self.stats["edits"] += 1
        return self.message(record)

    def answer_callback_query(self, params: Json) -> bool:
        """answerCallbackQuery: each query can be answered once."""
        query_id = params.get("callback_query_id")
        if query_id not in self.open_queries:
            raise ApiError(400, _QUERY_TOO_OLD)
        self.open_queries.discard(query_id)
        self.answers.append(params)
        return True

    # -- commands and webhook ----------------------------------------------------------------

    def set_my_commands(self, params: Json) -> bool:
        """setMyCommands: keep the list per language_code ("" is the default list)."""
        commands = params.get("commands")
        if not isinstance(commands, list) or not all(
            isinstance(c, dict) and c.get("command") and c.get("description") for c in commands
        ):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        self.commands[params.get("language_code", "")] = commands
        return True

    def delete_my_commands(self, params: Json) -> bool:
        """deleteMyCommands: forget the list of one language_code."""
        self.commands.pop(params.get("language_code", ""), None)
        return True

    def set_webhook(self, params: Json) -> bool:
        """setWebhook: keep url, secret_token and allowed_updates (an empty url removes it)."""
        self.webhook = {
            "url": params.get("url", ""),
            "secret_token": params.get("secret_token"),
            "allowed_updates": params.get("allowed_updates"),
        }
        if params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    def delete_webhook(self, params: Json) -> bool:
        """deleteWebhook: back to getUpdates, optionally dropping pending updates."""
        return self.set_webhook({"drop_pending_updates": params.get("drop_pending_updates")})

    def webhook_info(self, params: Json) -> Json:
        """getWebhookInfo: the kept url and the number of updates waiting."""
        info: Json = {"url": self.webhook["url"], "has_custom_certificate": False}
        info["pending_update_count"] = len(self.updates)
        if self.webhook["allowed_updates"]:
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return info
