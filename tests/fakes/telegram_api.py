"""A local Telegram Bot API server for tests: the methods ketnoi uses, their errors, a user side.

with FakeTelegram(token="123:ABC") as fake:      # serves fake.url from a background thread
    bot = telegram.Bot("123:ABC", base_url=f"{fake.url}/bot")
    fake.send_text(42, "/start")                  # the user side queues updates
    fake.wait_for_message(42)                     # what the bot sent, edits applied
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Literal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from ._http import Endpoint, LostAnswer
from ._reading import Reader
from ._telegram_state import BotApiState, Failure, Hang
from ._telegram_wire import ApiError, Json, callback_data, member_json, read_params, user_json

__all__ = ["FakeTelegram"]

Predicate = Callable[[Json], bool]

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_MEMBER_STATUSES = ("member", "kicked", "left")
_STICKER = {
    "file_id": "sticker-1",
    "file_unique_id": "us1",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
    "emoji": "👍",
}
_USER_PHOTO = [
    {"file_id": "user-photo-s", "file_unique_id": "ups", "width": 90, "height": 60},
    {"file_id": "user-photo-b", "file_unique_id": "upb", "width": 1280, "height": 960},
]


class _Server(uvicorn.Server):
    """uvicorn's Server, stopping within milliseconds.

    Server.main_loop checks should_exit every 0.1 s and Server.shutdown sleeps 0.1 s, which
    adds up when every test starts and stops its own fake.
    """

    async def main_loop(self) -> None:
        """Wait for should_exit."""
        while not self.should_exit:
            await asyncio.sleep(0.005)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Stop listening, close idle connections, give requests in flight 2 s to finish."""
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        deadline = time.monotonic() + 2
        while self.server_state.tasks and time.monotonic() < deadline:
            await asyncio.sleep(0.005)


class FakeTelegram(Reader, Endpoint):
    """Serves {url}/bot{token}/{method} from a background thread and records what the bot did."""

    def __init__(self, token: str = "123:ABC", *, bot_username: str = "ketnoi_test_bot") -> None:
        self.token = token
        bot_id = token.split(":", 1)[0]
        self._state = BotApiState(
            {
                "id": int(bot_id) if bot_id.isdigit() else 1,
                "is_bot": True,
                "first_name": "Kết nối",
                "username": bot_username,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        )
        self._lock = self._state.lock
        self._read: dict[int, int] = {}  # per chat: bot messages already returned by a wait
        self._calls_read: dict[str, int] = {}  # per method: calls already returned by a wait
        self._lost: list[LostAnswer] = []  # calls carried out whose answer is late or dropped
        self._closing = False
        self._pollers: set[asyncio.Event] = set()  # touched only on the server's loop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        """Bind a free port on 127.0.0.1 and serve from a daemon thread with its own loop."""
        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so
        # (base_events._set_nodelay); without it Nagle adds 40 ms to every response.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        routes = [Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])]
        app = Starlette(routes=routes, exception_handlers={404: self._not_found})
        # log_config=None: uvicorn must not reconfigure the logging of the test process.
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
        self._server = _Server(config)
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
        self._wake_pollers()
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

    @property
    def bot_user(self) -> Json:
        """The bot's User object, as getMe returns it."""
        return dict(self._state.bot_user)

    def _serve(self, sock: socket.socket) -> None:
        """Run uvicorn on this thread's own event loop."""

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            assert self._server is not None
            await self._server.serve(sockets=[sock])

        asyncio.run(serve())

    # -- the HTTP side -----------------------------------------------------------------------

    async def _call(self, request: Request, method: str) -> Any:
        """Check the token, parse the parameters, apply injected errors, run the method."""
        if request.path_params["token"] != self.token:
            raise ApiError(401, "Unauthorized")
        # Bot API method names are case-insensitive (https://core.telegram.org/bots/api).
        name = method.lower()
        if name not in self._state.methods and name != "getupdates":
            raise ApiError(404, "Not Found")
        try:
            params = await read_params(request)
        except ValueError as exc:
            raise ApiError(400, f"Bad Request: can't parse parameters: {exc}") from exc
        call = {"method": method, "params": params, "status": 200}
        request.state.params = params
        with self._lock:
            self._state.calls.append(call)
            if name != "getupdates":
                self._state.last_call = time.monotonic()
            self._lock.notify_all()
        try:
            if name == "getupdates":
                return await self._get_updates(params)
            with self._lock:
                hang = self._state.take_hang(method, params)
                if hang is None:
                    self._state.check_failures(method, params)
                    return self._state.methods[name](params)
            await asyncio.sleep(hang.seconds)  # the client has given up waiting by now
            raise ApiError(504, "Gateway Timeout")
        except ApiError as error:
            call["status"] = error.status
            raise
        finally:
            with self._lock:
                self._lock.notify_all()

    async def _get_updates(self, params: Json) -> list[Json]:
        """Confirm updates before offset, then long-poll up to timeout seconds for new ones."""
        with self._lock:
            self._state.check_failures("getUpdates", params)
            self._state.confirm(params.get("offset"), params.get("allowed_updates"))
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        deadline = time.monotonic() + float(params.get("timeout", 0))
        while True:
            with self._lock:
                batch = copy.deepcopy(self._state.updates[:limit])
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

    def _wake_pollers(self) -> None:
        """Let every pending long poll look at the queue again (callable from any thread)."""

        def wake() -> None:
            for event in self._pollers:
                event.set()

        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                self._loop.call_soon_threadsafe(wake)

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

    def send_texts(self, chat_id: int, texts: list[str], **who: Any) -> list[int]:
        """A user sends many texts at once: queued together, so whoever waits on the fake
        (the long polls, the waiting helpers) wakes once rather than for each."""
        with self._lock:
            return [self.send_text(chat_id, text, **who) for text in texts]

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
            records = self._state.by_chat.get(chat_id, [])
            if message_id is None:
                records = [r for r in records if data in callback_data(r["reply_markup"])]
            else:
                records = [r for r in records if r["message_id"] == message_id]
            if not records:
                raise LookupError(f"no bot message in chat {chat_id} with button {data!r}")
            query_id = f"q{self._state.next_update_id}"
            self._state.open_queries.add(query_id)
            query = {
                "id": query_id,
                "from": self._user(chat_id, first_name, language_code, user_id),
                "message": self._state.message(records[-1]),
                "chat_instance": f"ci{chat_id}",
                "data": data,
            }
            return self._push({"callback_query": query})

    def share_contact(
        self,
        chat_id: int,
        phone_number: str,
        *,
        user_id: int | Literal["own"] | None = "own",
        first_name: str = "Lan",
        language_code: str = "vi",
    ) -> int:
        """A user shares a contact: their own (the request_contact button), another Telegram
        user's (user_id), or one from their address book who is on no Telegram (None: the
        Bot API then leaves user_id out)."""
        message = self._user_message(chat_id, first_name, language_code, None)
        contact: Json = {"phone_number": phone_number, "first_name": first_name}
        if user_id is not None:
            contact["user_id"] = message["from"]["id"] if user_id == "own" else user_id
        return self._push({"message": message | {"contact": contact}})

    def send_location(self, chat_id: int, latitude: float, longitude: float) -> int:
        """A user shares a location."""
        message = self._user_message(chat_id, "Lan", "vi", None)
        point = {"latitude": latitude, "longitude": longitude}
        return self._push({"message": message | {"location": point}})

    def send_sticker(self, chat_id: int) -> int:
        """A user sends a sticker (something the bot has no handler for)."""
        message = self._user_message(chat_id, "Lan", "vi", None)
        return self._push({"message": message | {"sticker": _STICKER}})

    def send_photo_from_user(self, chat_id: int, *, caption: str | None = None) -> int:
        """A user sends a photo, optionally captioned."""
        message = self._user_message(chat_id, "Lan", "vi", None) | {"photo": _USER_PHOTO}
        if caption is not None:
            message["caption"] = caption
        return self._push({"message": message})

    def send_document_from_user(
        self, chat_id: int, *, file_name: str = "ke-hoach.pdf", caption: str | None = None
    ) -> int:
        """A user sends a document, optionally captioned; its file_id is "user-doc-1"."""
        document = {
            "file_id": "user-doc-1",
            "file_unique_id": "ud1",
            "file_name": file_name,
            "mime_type": "application/pdf",
            "file_size": 2048,
        }
        message = self._user_message(chat_id, "Lan", "vi", None) | {"document": document}
        if caption is not None:
            message["caption"] = caption
        return self._push({"message": message})

    def my_chat_member(self, chat_id: int, status: str) -> int:
        """The bot's membership changes: "kicked" when a user blocks it, "member" when back."""
        if status not in _MEMBER_STATUSES:
            raise ValueError(f"status must be one of {_MEMBER_STATUSES}")
        old = "member" if status != "member" else "kicked" if chat_id > 0 else "left"
        with self._lock:
            change = {
                "chat": self._state.chat(chat_id),
                "from": self._user(chat_id, "Lan", "vi", None),
                "date": int(time.time()),
                "old_chat_member": member_json(old, self._state.bot_user),
                "new_chat_member": member_json(status, self._state.bot_user),
            }
            return self._push({"my_chat_member": change})

    def _user(self, chat_id: int, first_name: str, language_code: str, user_id: int | None) -> Json:
        """The User writing in chat_id: the chat itself when private."""
        if user_id is None:
            user_id = chat_id if chat_id > 0 else 4242
        return user_json(user_id, first_name, language_code)

    def _user_message(
        self, chat_id: int, first_name: str, language_code: str, user_id: int | None
    ) -> Json:
        """Start a user's Message in chat_id."""
        with self._lock:
            if chat_id > 0:
                self._state.names[chat_id] = first_name
            return {
                "message_id": self._state.next_message_id(chat_id),
                "date": int(time.time()),
                "chat": self._state.chat(chat_id),
                "from": self._user(chat_id, first_name, language_code, user_id),
            }

    def _push(self, body: Json) -> int:
        """Queue an update and wake the long polls; return its update_id."""
        with self._lock:
            update_id = self._state.push(body)
        self._wake_pollers()
        return update_id

    def take_updates(self) -> list[Json]:
        """The updates queued so far, taken out of the queue: what Telegram would POST to the
        bot's webhook (a test delivers them itself, to the process it picks)."""
        with self._lock:
            taken, self._state.updates = self._state.updates, []
            return taken

    # -- what the bot did ----------------------------------------------------------------------

    def sent(self, chat_id: int | None = None, *, since: int = 0) -> list[Json]:
        """Copies of the bot's messages (all, or in one chat), edits applied, in order; from
        the `since`-th on (copying only those keeps a benchmark's polling cheap)."""
        with self._lock:
            state = self._state
            messages = state.messages if chat_id is None else state.by_chat.get(chat_id, [])
            return copy.deepcopy(messages[since:])

    def calls(self, method: str | None = None) -> list[Json]:
        """Copies of every request ({method, params, status}), or of one method's."""
        with self._lock:
            wanted = method.lower() if method else None
            calls = self._state.calls
            return copy.deepcopy([c for c in calls if wanted in (None, c["method"].lower())])

    @property
    def callback_answers(self) -> list[Json]:
        """The parameters of every successful answerCallbackQuery."""
        with self._lock:
            return copy.deepcopy(self._state.answers)

    @property
    def commands(self) -> dict[str, list[Json]]:
        """setMyCommands lists by language_code ("" for the default list)."""
        with self._lock:
            return copy.deepcopy(self._state.commands)

    @property
    def webhook(self) -> Json:
        """The webhook as set: url ("" when none), secret_token, allowed_updates."""
        with self._lock:
            return dict(self._state.webhook)

    @property
    def stats(self) -> dict[str, int]:
        """Counters: requests, ok, errors, injected, hung, blocked, rate_limited, messages, edits,
        updates, and per method ("method:sendMessage") and per status ("status:429")."""
        with self._lock:
            return dict(self._state.stats)

    # -- waiting -------------------------------------------------------------------------------

    def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Block until every update was fetched and no other call came for quiet seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                state = self._state
                if not state.updates and time.monotonic() - state.last_call >= quiet:
                    return
            time.sleep(0.02)
        raise TimeoutError(f"the bot was still busy after {timeout} s")

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
            description = description or "Bad Request: group chat was upgraded to a supergroup chat"
        description = description or _DEFAULT_DESCRIPTIONS.get(status_code, "Error")
        error = ApiError(status_code, description, parameters)
        with self._lock:
            self._state.failures.append(Failure(method.lower(), error, times, chat_id))

    def hang_next(
        self, method: str, seconds: float, *, times: int = 1, chat_id: int | None = None
    ) -> None:
        """Lose the next `times` calls of method (to chat_id, if given): not carried out, and
        answered only after `seconds`, when the client has stopped waiting (a timeout after
        which nothing arrived; `lose_answers` is the one after which it did)."""
        with self._lock:
            self._state.hangs.append(Hang(method.lower(), seconds, times, chat_id))

    def block(self, chat_id: int) -> None:
        """Every call to chat_id gets 403 until unblock, as after the user blocked the bot."""
        with self._lock:
            self._state.blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """Let calls to chat_id through again."""
        with self._lock:
            self._state.blocked.discard(chat_id)

    def rate_limit(self, per_second: float | None) -> None:
        """Cap calls to chats at per_second overall (None: no cap); the excess gets 429."""
        with self._lock:
            self._state.rate = per_second
            self._state.tokens = max(1.0, per_second or 0.0)
            self._state.refilled = time.monotonic()


def booth_walk(fake: FakeTelegram, fair: str) -> list[tuple[Callable[[int], object], str]]:
    """What a producer sends, step by step, to walk a booth application of `fair` up to its
    summary, each with the payload of the button that step shows next (the last: Confirm)."""
    return [
        (lambda c: fake.send_text(c, f"/start fair_{fair}"), f"fair:{fair}:apply"),
        (lambda c: fake.press_button(c, f"fair:{fair}:apply"), "apply:booths:1"),
        (lambda c: fake.press_button(c, "apply:booths:1"), "apply:products:same"),
        (lambda c: fake.press_button(c, "apply:products:same"), "apply:needs:none"),
        (lambda c: fake.press_button(c, "apply:needs:none"), "apply:confirm"),
    ]
