"""A local Telegram Bot API server for tests: the methods ketnoi uses, their errors, a user side."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = ["FakeTelegram"]

Json = dict[str, Any]
Predicate = Callable[[Json], bool]

# PTB sends a str value as it is and JSON-dumps every other value into its form field
# (telegram/request/_requestparameter.py, RequestParameter.json_value), so the text "42" and the
# chat_id 42 look alike on the wire: these parameters are strings and are never JSON-decoded.
_STRING_PARAMS = frozenset(
    {
        "action",
        "address",
        "callback_query_id",
        "caption",
        "document",
        "foursquare_id",
        "google_place_id",
        "inline_message_id",
        "language_code",
        "parse_mode",
        "photo",
        "secret_token",
        "text",
        "title",
        "url",
    }
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are"
    " exactly the same as a current content and reply markup of the message"
)
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_MEMBER_STATUSES = frozenset({"member", "kicked", "left"})


class _ApiError(Exception):
    """A Bot API error: HTTP status, description and optional ResponseParameters."""

    def __init__(self, status: int, description: str, parameters: Json | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters or {}

    def response(self) -> JSONResponse:
        """The error as Telegram sends it (https://core.telegram.org/bots/api#making-requests)."""
        body: Json = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return JSONResponse(body, status_code=self.status)


@dataclass
class _Failure:
    """An injected error waiting for its next matching call(s)."""

    method: str
    error: _ApiError
    times: int
    chat_id: int | str | None


class FakeTelegram:
    """Serves {url}/bot{token}/{method} from a background thread and records what the bot did."""

    def __init__(self, token: str = "123:ABC", *, bot_username: str = "ketnoi_test_bot") -> None:
        self.token = token
        bot_id = token.split(":", 1)[0]
        self.bot_user: Json = {
            "id": int(bot_id) if bot_id.isdigit() else 1,
            "is_bot": True,
            "first_name": "Kết nối",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self._lock = threading.Condition()  # guards all state below; notified on every change
        self._updates: list[Json] = []
        self._next_update_id = 1000
        self._allowed_updates: list[str] = []
        self._message_ids: Counter[int] = Counter()
        self._messages: list[Json] = []
        self._by_chat: dict[int, list[Json]] = {}
        self._read: dict[int, int] = {}
        self._calls: list[Json] = []
        self._calls_read: dict[str, int] = {}
        self._last_call = 0.0
        self._open_queries: set[str] = set()
        self._answers: list[Json] = []
        self._commands: dict[str, list[Json]] = {}
        self._webhook: Json = {"url": "", "secret_token": None, "allowed_updates": None}
        self._failures: list[_Failure] = []
        self._blocked: set[int] = set()
        self._rate: float | None = None
        self._tokens = 0.0
        self._refilled = 0.0
        self._stats: Counter[str] = Counter()
        self._names: dict[int, str] = {}
        self._next_file = 0
        self._closing = False
        self._pollers: set[asyncio.Event] = set()  # touched only on the server's loop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self._api: dict[str, Callable[[Json], Any]] = {
            "getme": lambda _: self.bot_user,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "senddocument": lambda p: self._send_file(p, "document"),
            "sendphoto": lambda p: self._send_file(p, "photo"),
            "sendlocation": self._send_location,
            "sendvenue": self._send_venue,
            "sendchataction": self._send_chat_action,
            "setmycommands": self._set_my_commands,
            "getmycommands": lambda p: self._commands.get(p.get("language_code", ""), []),
            "deletemycommands": self._delete_my_commands,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._webhook_info,
            "close": lambda _: True,
            "logout": lambda _: True,
        }

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        """Bind a free port on 127.0.0.1 and serve from a daemon thread with its own loop."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        routes = [Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])]
        app = Starlette(routes=routes)
        app.add_exception_handler(404, self._not_found)
        # log_config=None: uvicorn must not reconfigure the logging of the test process.
        config = uvicorn.Config(
            app, log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake Telegram server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """End pending long polls and shut the server down."""
        if self._server is None or self._thread is None:
            return
        self._closing = True
        self._wake_pollers_threadsafe()
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The Bot API root: the bot calls {url}/bot{token}/{method}."""
        if self._port is None:
            raise RuntimeError("call start() first")
        return f"http://127.0.0.1:{self._port}"

    def _serve(self, sock: socket.socket) -> None:
        """Run uvicorn on this thread's own event loop."""

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            assert self._server is not None
            await self._server.serve(sockets=[sock])

        asyncio.run(serve())

    # -- the HTTP side -----------------------------------------------------------------------

    async def _not_found(self, request: Request, exc: Exception) -> JSONResponse:
        """Answer any other path the way Telegram does."""
        return _ApiError(404, "Not Found").response()

    async def _endpoint(self, request: Request) -> JSONResponse:
        """Serve one Bot API call: token, parameters, injected errors, then the method."""
        method = request.path_params["method"]
        # Bot API method names are case-insensitive (https://core.telegram.org/bots/api).
        name = method.lower()
        with self._lock:
            self._stats["requests"] += 1
            self._stats[f"method:{method}"] += 1
        try:
            if request.path_params["token"] != self.token:
                raise _ApiError(401, "Unauthorized")
            if name not in self._api and name != "getupdates":
                raise _ApiError(404, "Not Found")
            try:
                params = await _read_params(request)
            except ValueError as exc:
                raise _ApiError(400, f"Bad Request: can't parse parameters: {exc}") from exc
            result = await self._call(method, params)
        except _ApiError as error:
            self._count(f"status:{error.status}", "errors")
            return error.response()
        self._count("status:200", "ok")
        return JSONResponse({"ok": True, "result": result})

    async def _call(self, method: str, params: Json) -> Any:
        """Log the call, apply injected errors, then run the method; every outcome is logged."""
        call = {"method": method, "params": params, "status": 200}
        with self._lock:
            self._calls.append(call)
            if method.lower() != "getupdates":
                self._last_call = time.monotonic()
            self._lock.notify_all()
        try:
            if method.lower() == "getupdates":
                return await self._get_updates(params)
            with self._lock:
                self._check_failures(method, params)
                return self._api[method.lower()](params)
        except _ApiError as error:
            call["status"] = error.status
            raise
        finally:
            with self._lock:
                self._lock.notify_all()

    def _count(self, *keys: str) -> None:
        """Add one to each of the counters keys."""
        with self._lock:
            self._stats.update(keys)

    def _check_failures(self, method: str, params: Json) -> None:
        """Raise the injected, blocked-chat or rate-limit error this call must get, if any."""
        chat_id = params.get("chat_id")
        for failure in self._failures:
            if failure.method == method.lower() and failure.chat_id in (None, chat_id):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                self._stats["injected"] += 1
                raise failure.error
        if chat_id is None:
            return
        if chat_id in self._blocked:
            self._stats["blocked"] += 1
            raise _ApiError(403, self._forbidden(chat_id))
        if not self._take_token():
            self._stats["rate_limited"] += 1
            raise _ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})

    def _take_token(self) -> bool:
        """Take one token from the global bucket; False when the rate limit is exceeded."""
        if self._rate is None:
            return True
        now = time.monotonic()
        burst = max(1.0, self._rate)
        self._tokens = min(burst, self._tokens + (now - self._refilled) * self._rate)
        self._refilled = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    # -- getUpdates --------------------------------------------------------------------------

    async def _get_updates(self, params: Json) -> list[Json]:
        """Confirm updates before offset, then long-poll up to timeout seconds for new ones."""
        with self._lock:
            self._check_failures("getUpdates", params)
            if self._webhook["url"]:
                raise _ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active;"
                    " use deleteWebhook to delete the webhook first",
                )
            self._confirm(params.get("offset"), params.get("allowed_updates"))
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        deadline = time.monotonic() + float(params.get("timeout", 0))
        while True:
            with self._lock:
                batch = copy.deepcopy(self._updates[:limit])
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self._closing:
                return batch
            # Registered before the next await, so a wake-up scheduled by _push cannot be lost.
            woken = asyncio.Event()
            self._pollers.add(woken)
            try:
                await asyncio.wait_for(woken.wait(), remaining)
            except TimeoutError:
                pass
            finally:
                self._pollers.discard(woken)

    def _confirm(self, offset: int | None, allowed_updates: list[str] | None) -> None:
        """Forget updates before offset (negative: keep the last -offset) and unwanted kinds."""
        if allowed_updates is not None:
            self._allowed_updates = list(allowed_updates)  # the Bot API keeps it for later calls
        if offset is not None and int(offset) < 0:
            self._updates = self._updates[int(offset) :]
        elif offset is not None:
            self._updates = [u for u in self._updates if u["update_id"] >= int(offset)]
        if self._allowed_updates:
            self._updates = [u for u in self._updates if _kind(u) in self._allowed_updates]

    def _wake_pollers(self) -> None:
        """Let every pending long poll look at the queue again."""
        for event in self._pollers:
            event.set()

    def _wake_pollers_threadsafe(self) -> None:
        """Schedule _wake_pollers on the server's loop from any thread."""
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                self._loop.call_soon_threadsafe(self._wake_pollers)

    # -- methods that send and edit ------------------------------------------------------------

    def _chat_id(self, params: Json) -> int:
        """The call's chat_id; only numeric ids of chats are known here."""
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise _ApiError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise _ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _send_message(self, params: Json) -> Json:
        """sendMessage: record the text and its keyboard."""
        return self._record("sendMessage", params, text=_text(params.get("text")))

    def _send_file(self, params: Json, kind: str) -> Json:
        """sendDocument / sendPhoto: an upload keeps its filename and bytes; a str its URL or id."""
        value = params.get(kind)
        if value is None or value == "":
            raise _ApiError(400, f"Bad Request: there is no {kind} in the request")
        self._next_file += 1
        upload = value if isinstance(value, dict) else {"filename": None, "bytes": None}
        file = {
            "file_id": f"{kind}-{self._next_file}",
            "file_unique_id": f"u{self._next_file}",
            "filename": upload.get("filename"),
            "mime_type": upload.get("mime_type"),
            "bytes": upload.get("bytes"),
            "url": value if isinstance(value, str) else None,
        }
        method = "sendDocument" if kind == "document" else "sendPhoto"
        return self._record(method, params, **{kind: file})

    def _send_chat_action(self, params: Json) -> bool:
        """sendChatAction: nothing to record beyond the call itself."""
        self._chat_id(params)
        return True

    def _send_location(self, params: Json) -> Json:
        """sendLocation: record the point."""
        return self._record("sendLocation", params, location=_location(params))

    def _send_venue(self, params: Json) -> Json:
        """sendVenue: record the place; Telegram also fills Message.location for a venue."""
        for key in ("title", "address"):
            if not params.get(key):
                raise _ApiError(400, f"Bad Request: {key} is empty")
        location = _location(params)
        venue = {"location": location, "title": params["title"], "address": params["address"]}
        return self._record("sendVenue", params, venue=venue, location=location)

    def _record(self, method: str, params: Json, **content: Any) -> Json:
        """Store a new bot message and return it as a Message object."""
        chat_id = self._chat_id(params)
        caption = params.get("caption")
        if caption is not None and len(caption) > 1024:
            raise _ApiError(400, "Bad Request: message caption is too long")
        self._message_ids[chat_id] += 1
        record: Json = {
            "message_id": self._message_ids[chat_id],
            "chat_id": chat_id,
            "method": method,
            "date": int(time.time()),
            "text": None,
            "caption": caption,
            "parse_mode": params.get("parse_mode"),
            "reply_markup": _markup(params.get("reply_markup")),
            "document": None,
            "photo": None,
            "location": None,
            "venue": None,
            "edits": [],
        }
        record.update(content)
        self._messages.append(record)
        self._by_chat.setdefault(chat_id, []).append(record)
        self._stats["messages"] += 1
        return self._message_json(record)

    def _edit_message_text(self, params: Json) -> Json:
        """editMessageText: replace text and keyboard (omitting reply_markup removes it)."""
        record = self._edited(params)
        if record["text"] is None:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        return self._apply_edit(record, "editMessageText", _text(params.get("text")), params)

    def _edit_message_reply_markup(self, params: Json) -> Json:
        """editMessageReplyMarkup: replace or remove the inline keyboard."""
        record = self._edited(params)
        return self._apply_edit(record, "editMessageReplyMarkup", record["text"], params)

    def _edited(self, params: Json) -> Json:
        """The recorded bot message named by chat_id and message_id."""
        chat_id = self._chat_id(params)
        for record in self._by_chat.get(chat_id, []):
            if record["message_id"] == params.get("message_id"):
                return record
        raise _ApiError(400, "Bad Request: message to edit not found")

    def _apply_edit(self, record: Json, method: str, text: str | None, params: Json) -> Json:
        """Change the message in place, keep the edit in its history, return the new Message."""
        markup = _markup(params.get("reply_markup"))
        if text == record["text"] and markup == record["reply_markup"]:
            raise _ApiError(400, _NOT_MODIFIED)
        record.update(text=text, reply_markup=markup)
        if "parse_mode" in params:
            record["parse_mode"] = params["parse_mode"]
        edit = {"method": method, "text": text, "reply_markup": markup, "date": int(time.time())}
        record["edits"].append(edit)
        self._stats["edits"] += 1
        return self._message_json(record)

    def _answer_callback_query(self, params: Json) -> bool:
        """answerCallbackQuery: each query can be answered once."""
        query_id = params.get("callback_query_id")
        if query_id not in self._open_queries:
            raise _ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._open_queries.discard(query_id)
        self._answers.append(params)
        return True

    # -- commands and webhook ----------------------------------------------------------------

    def _set_my_commands(self, params: Json) -> bool:
        """setMyCommands: keep the list per language_code ("" is the default list)."""
        commands = params.get("commands")
        if not isinstance(commands, list) or not all(
            isinstance(c, dict) and c.get("command") and c.get("description") for c in commands
        ):
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        self._commands[params.get("language_code", "")] = commands
        return True

    def _delete_my_commands(self, params: Json) -> bool:
        """deleteMyCommands: forget the list of one language_code."""
        self._commands.pop(params.get("language_code", ""), None)
        return True

    def _set_webhook(self, params: Json) -> bool:
        """setWebhook: keep url, secret_token and allowed_updates (an empty url removes it)."""
        self._webhook = {
            "url": params.get("url", ""),
            "secret_token": params.get("secret_token"),
            "allowed_updates": params.get("allowed_updates"),
        }
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _delete_webhook(self, params: Json) -> bool:
        """deleteWebhook: back to getUpdates, optionally dropping pending updates."""
        return self._set_webhook({"drop_pending_updates": params.get("drop_pending_updates")})

    def _webhook_info(self, params: Json) -> Json:
        """getWebhookInfo: the kept url and the number of updates waiting."""
        info = {"url": self._webhook["url"], "has_custom_certificate": False}
        info["pending_update_count"] = len(self._updates)
        if self._webhook["allowed_updates"]:
            info["allowed_updates"] = self._webhook["allowed_updates"]
        return info

    # -- Bot API objects -----------------------------------------------------------------------

    def _chat(self, chat_id: int) -> Json:
        """The Chat: positive ids are private chats, -100… supergroups, other negatives groups."""
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": self._names.get(chat_id, "Lan")}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": "Nhóm thử"}

    def _forbidden(self, chat_id: int) -> str:
        """The 403 description Telegram gives for a chat that shut the bot out."""
        if chat_id > 0:
            return "Forbidden: bot was blocked by the user"
        return "Forbidden: bot was kicked from the group chat"

    def _message_json(self, record: Json) -> Json:
        """Render a recorded bot message as the Message object PTB parses."""
        message: Json = {
            "message_id": record["message_id"],
            "date": record["date"],
            "chat": self._chat(record["chat_id"]),
            "from": self.bot_user,
        }
        if record["edits"]:
            message["edit_date"] = record["edits"][-1]["date"]
        message.update(
            {k: record[k] for k in ("text", "caption", "location", "venue") if record[k]}
        )
        # Message.reply_markup is only ever an InlineKeyboardMarkup; reply keyboards are not echoed.
        if record["reply_markup"] and "inline_keyboard" in record["reply_markup"]:
            message["reply_markup"] = record["reply_markup"]
        if document := record["document"]:
            message["document"] = _file_json(document) | {
                "file_name": document["filename"] or document["url"].rsplit("/", 1)[-1],
                "mime_type": document["mime_type"] or "application/octet-stream",
            }
        if photo := record["photo"]:
            small = _file_json(photo) | {"width": 90, "height": 60}
            big = _file_json(photo) | {"width": 800, "height": 600}
            message["photo"] = [small | {"file_unique_id": small["file_unique_id"] + "s"}, big]
        return message

    # -- the user side -------------------------------------------------------------------------

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        first_name: str = "Lan",
        language_code: str = "vi",
        user_id: int | None = None,
    ) -> int:
        """A user writes text; a leading /command carries its bot_command entity."""
        message = self._user_message(chat_id, first_name, language_code, user_id)
        message["text"] = text
        if text.startswith("/"):
            # Entity offsets and lengths count UTF-16 code units (Bot API, MessageEntity).
            length = len(text.split(maxsplit=1)[0].encode("utf-16-le")) // 2
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._push({"message": message})

    def press_button(
        self,
        chat_id: int,
        data: str,
        *,
        message_id: int | None = None,
        first_name: str = "Lan",
        language_code: str = "vi",
        user_id: int | None = None,
    ) -> int:
        """A user presses an inline button: by default on the last bot message carrying data."""
        with self._lock:
            records = self._by_chat.get(chat_id, [])
            if message_id is None:
                records = [r for r in records if data in _callback_data(r["reply_markup"])]
            else:
                records = [r for r in records if r["message_id"] == message_id]
            if not records:
                raise LookupError(f"no bot message in chat {chat_id} with button {data!r}")
            query_id = f"q{self._next_update_id}"
            self._open_queries.add(query_id)
            query = {
                "id": query_id,
                "from": self._user(chat_id, first_name, language_code, user_id),
                "message": self._message_json(records[-1]),
                "chat_instance": f"ci{chat_id}",
                "data": data,
            }
            return self._push({"callback_query": query})

    def share_contact(
        self,
        chat_id: int,
        phone_number: str,
        *,
        user_id: int | None = None,
        first_name: str = "Lan",
        language_code: str = "vi",
    ) -> int:
        """A user shares a contact: their own (the request_contact button) unless user_id."""
        message = self._user_message(chat_id, first_name, language_code, None)
        contact: Json = {"phone_number": phone_number, "first_name": first_name}
        contact["user_id"] = user_id if user_id is not None else message["from"]["id"]
        return self._push({"message": message | {"contact": contact}})

    def send_location(self, chat_id: int, latitude: float, longitude: float) -> int:
        """A user shares a location."""
        message = self._user_message(chat_id, "Lan", "vi", None)
        location = {"latitude": latitude, "longitude": longitude}
        return self._push({"message": message | {"location": location}})

    def send_sticker(self, chat_id: int) -> int:
        """A user sends a sticker (something the bot has no handler for)."""
        sticker = {
            "file_id": "sticker-1",
            "file_unique_id": "us1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        message = self._user_message(chat_id, "Lan", "vi", None)
        return self._push({"message": message | {"sticker": sticker}})

    def send_photo_from_user(self, chat_id: int, *, caption: str | None = None) -> int:
        """A user sends a photo, optionally captioned."""
        sizes = [
            {"file_id": "user-photo-s", "file_unique_id": "ups", "width": 90, "height": 60},
            {"file_id": "user-photo-b", "file_unique_id": "upb", "width": 1280, "height": 960},
        ]
        message = self._user_message(chat_id, "Lan", "vi", None) | {"photo": sizes}
        if caption is not None:
            message["caption"] = caption
        return self._push({"message": message})

    def my_chat_member(self, chat_id: int, status: str) -> int:
        """The bot's membership changes: "kicked" when a user blocks it, "member" when back."""
        if status not in _MEMBER_STATUSES:
            raise ValueError(f"status must be one of {sorted(_MEMBER_STATUSES)}")
        old = "member" if status != "member" else "kicked" if chat_id > 0 else "left"
        with self._lock:
            change = {
                "chat": self._chat(chat_id),
                "from": self._user(chat_id, "Lan", "vi", None),
                "date": int(time.time()),
                "old_chat_member": _member(old, self.bot_user),
                "new_chat_member": _member(status, self.bot_user),
            }
            return self._push({"my_chat_member": change})

    def _user(self, chat_id: int, first_name: str, language_code: str, user_id: int | None) -> Json:
        """The User writing in chat_id: the chat itself when private."""
        if user_id is None:
            user_id = chat_id if chat_id > 0 else 4242
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }

    def _user_message(
        self, chat_id: int, first_name: str, language_code: str, user_id: int | None
    ) -> Json:
        """Start a user's Message in chat_id (message ids are per chat, shared with the bot)."""
        with self._lock:
            if chat_id > 0:
                self._names[chat_id] = first_name
            self._message_ids[chat_id] += 1
            return {
                "message_id": self._message_ids[chat_id],
                "date": int(time.time()),
                "chat": self._chat(chat_id),
                "from": self._user(chat_id, first_name, language_code, user_id),
            }

    def _push(self, body: Json) -> int:
        """Queue an update for getUpdates and wake long polls; return its update_id."""
        with self._lock:
            update_id = self._next_update_id
            self._next_update_id += 1
            self._updates.append({"update_id": update_id, **body})
            self._stats["updates"] += 1
            self._lock.notify_all()
        self._wake_pollers_threadsafe()
        return update_id

    # -- what the bot did ----------------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[Json]:
        """Copies of the bot's messages (all, or in one chat), edits applied, in order."""
        with self._lock:
            records = self._messages if chat_id is None else self._by_chat.get(chat_id, [])
            return copy.deepcopy(records)

    def calls(self, method: str | None = None) -> list[Json]:
        """Copies of every request ({method, params, status}), or of one method's."""
        with self._lock:
            wanted = method.lower() if method else None
            return copy.deepcopy([c for c in self._calls if wanted in (None, c["method"].lower())])

    @property
    def callback_answers(self) -> list[Json]:
        """The parameters of every successful answerCallbackQuery."""
        with self._lock:
            return copy.deepcopy(self._answers)

    @property
    def commands(self) -> dict[str, list[Json]]:
        """setMyCommands lists by language_code ("" for the default list)."""
        with self._lock:
            return copy.deepcopy(self._commands)

    @property
    def webhook(self) -> Json:
        """The webhook as set: url ("" when none), secret_token, allowed_updates."""
        with self._lock:
            return dict(self._webhook)

    @property
    def stats(self) -> dict[str, int]:
        """Counters: requests, ok, errors, injected, blocked, rate_limited, messages, edits,
        updates, and per method ("method:sendMessage") and per status ("status:429")."""
        with self._lock:
            return dict(self._stats)

    # -- waiting -------------------------------------------------------------------------------

    def wait_for_message(
        self, chat_id: int, predicate: Predicate | None = None, timeout: float = 10.0
    ) -> Json:
        """Block until an unread bot message in chat_id matches; reading moves past it."""
        return self._wait(lambda: self._next_message(chat_id, predicate), timeout, chat_id)

    async def await_message(
        self, chat_id: int, predicate: Predicate | None = None, timeout: float = 10.0
    ) -> Json:
        """wait_for_message for a bot running on the caller's event loop."""
        return await self._await(lambda: self._next_message(chat_id, predicate), timeout, chat_id)

    def wait_for_call(
        self, method: str, predicate: Predicate | None = None, timeout: float = 10.0
    ) -> Json:
        """Block until an unread call of method (e.g. editMessageText) matches; return it."""
        return self._wait(lambda: self._next_call(method, predicate), timeout, method)

    async def await_call(
        self, method: str, predicate: Predicate | None = None, timeout: float = 10.0
    ) -> Json:
        """wait_for_call for a bot running on the caller's event loop."""
        return await self._await(lambda: self._next_call(method, predicate), timeout, method)

    def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Block until every update was fetched and no other call came for quiet seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                idle = not self._updates and time.monotonic() - self._last_call >= quiet
            if idle:
                return
            time.sleep(0.02)
        raise TimeoutError(f"the bot was still busy after {timeout} s")

    def _next_message(self, chat_id: int, predicate: Predicate | None) -> Json | None:
        """The first unread matching bot message in chat_id, marked read (call under the lock)."""
        messages = self._by_chat.get(chat_id, [])
        for index in range(self._read.get(chat_id, 0), len(messages)):
            if predicate is None or predicate(messages[index]):
                self._read[chat_id] = index + 1
                return copy.deepcopy(messages[index])
        return None

    def _next_call(self, method: str, predicate: Predicate | None) -> Json | None:
        """The first unread matching call of method, marked read (call under the lock)."""
        key = method.lower()
        for index in range(self._calls_read.get(key, 0), len(self._calls)):
            call = self._calls[index]
            if call["method"].lower() == key and (predicate is None or predicate(call)):
                self._calls_read[key] = index + 1
                return copy.deepcopy(call)
        return None

    def _wait(self, take: Callable[[], Json | None], timeout: float, where: object) -> Json:
        """Block on the state's condition until take() finds something."""
        with self._lock:
            found = self._lock.wait_for(take, timeout)
        if found is None:
            raise TimeoutError(self._nothing(where, timeout))
        return found

    async def _await(self, take: Callable[[], Json | None], timeout: float, where: object) -> Json:
        """Poll take() every 10 ms without blocking the caller's event loop."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = take()
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(self._nothing(where, timeout))
            await asyncio.sleep(0.01)

    def _nothing(self, where: object, timeout: float) -> str:
        """A timeout message showing what the bot did send there."""
        with self._lock:
            if isinstance(where, int):
                seen = [r["text"] or r["method"] for r in self._by_chat.get(where, [])]
                return f"no new matching bot message in chat {where} after {timeout} s; {seen=}"
            seen = [c["method"] for c in self._calls[-20:]]
            return f"no new matching {where} call after {timeout} s; last calls: {seen}"

    # -- error injection -----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status_code: int,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next times calls of method (to chat_id, if given) fail like Telegram does."""
        parameters: Json = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
            description = description or (
                "Bad Request: group chat was upgraded to a supergroup chat"
            )
        description = description or _DEFAULT_DESCRIPTIONS.get(status_code, "Error")
        error = _ApiError(status_code, description, parameters)
        with self._lock:
            self._failures.append(_Failure(method.lower(), error, times, chat_id))

    def block(self, chat_id: int) -> None:
        """Every call to chat_id gets 403 until unblock, as after the user blocked the bot."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """Let calls to chat_id through again."""
        with self._lock:
            self._blocked.discard(chat_id)

    def rate_limit(self, per_second: float | None) -> None:
        """Cap calls to chats at per_second overall (None: no cap); the excess gets 429."""
        with self._lock:
            self._rate = per_second
            self._tokens = max(1.0, per_second or 0.0)
            self._refilled = time.monotonic()


# -- wire format -------------------------------------------------------------------------------

_FORM_PARAM = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


async def _read_params(request: Request) -> Json:
    """The call's parameters from the query string and a form, multipart or JSON body."""
    raw: Json = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    if content_type.startswith("application/json") and body:
        raw.update(json.loads(body))
    elif content_type.startswith("application/x-www-form-urlencoded"):
        raw.update(parse_qsl(body.decode(), keep_blank_values=True))
    elif content_type.startswith("multipart/form-data"):
        raw.update(_parse_multipart(content_type, body))
    params = {name: _decode(name, value) for name, value in raw.items()}
    # PTB uploads a file as the part named after its parameter (document, photo) or, for
    # secondary files such as a thumbnail, as a part the parameter points to with attach://.
    for name, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            params[name] = params.pop(value.removeprefix("attach://"), value)
    return params


def _decode(name: str, value: Any) -> Any:
    """Undo PTB's JSON encoding of a non-string parameter (it arrives as a str)."""
    if name in _STRING_PARAMS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # a plain string such as chat_id "@channel"


def _parse_multipart(content_type: str, body: bytes) -> Json:
    """Split multipart/form-data into str fields and uploads {filename, mime_type, bytes}."""
    found = re.search(r'boundary="?([^";]+)', content_type)
    if found is None:
        raise ValueError("multipart body without boundary")
    fields: Json = {}
    for part in body.split(b"--" + found.group(1).encode())[1:-1]:
        head, _, data = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        data = data.removesuffix(b"\r\n")
        headers = {}
        for line in head.decode().split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = dict(_FORM_PARAM.findall(headers.get("content-disposition", "")))
        name = _unescape(disposition["name"])
        if "filename" in disposition:
            mime_type = headers.get("content-type", "application/octet-stream")
            fields[name] = {
                "filename": _unescape(disposition["filename"]),
                "mime_type": mime_type,
                "bytes": data,
            }
        else:
            fields[name] = data.decode()
    return fields


def _unescape(value: str) -> str:
    """Undo httpx's HTML5 form escaping in a part header: %22 for '"', %XX controls, '\\\\'."""
    value = re.sub(r"%(22|[01][0-9A-F])", lambda m: chr(int(m.group(1), 16)), value)
    return value.replace("\\\\", "\\")


# -- small Bot API helpers -----------------------------------------------------------------------


def _kind(update: Json) -> str:
    """The update's type, the one key besides update_id (message, callback_query, …)."""
    return next(key for key in update if key != "update_id")


def _text(text: Any) -> str:
    """A message text as Telegram accepts it: 1 to 4096 characters."""
    if not isinstance(text, str) or not text.strip():
        raise _ApiError(400, "Bad Request: message text is empty")
    if len(text) > 4096:
        raise _ApiError(400, "Bad Request: message is too long")
    return text


def _markup(markup: Any) -> Json | None:
    """A reply_markup object; callback_data must be 1-64 bytes (InlineKeyboardButton)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for data in _callback_data(markup):
        if not 1 <= len(data.encode()) <= 64:
            raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _callback_data(markup: Json | None) -> list[str]:
    """The callback_data of every button of an inline keyboard."""
    rows = (markup or {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row if "callback_data" in button]


def _location(params: Json) -> Json:
    """The latitude and longitude parameters as a Location."""
    try:
        return {"latitude": float(params["latitude"]), "longitude": float(params["longitude"])}
    except (KeyError, TypeError, ValueError) as exc:
        raise _ApiError(400, "Bad Request: wrong latitude or longitude") from exc


def _file_json(file: Json) -> Json:
    """The file_id part of a Document or PhotoSize, with file_size when the bytes are known."""
    result: Json = {"file_id": file["file_id"], "file_unique_id": file["file_unique_id"]}
    if file["bytes"] is not None:
        result["file_size"] = len(file["bytes"])
    return result


def _member(status: str, user: Json) -> Json:
    """A ChatMember with this status; a ban needs until_date (0 means for ever)."""
    member = {"status": status, "user": user}
    return member | {"until_date": 0} if status == "kicked" else member
