"""A local Zalo Bot API server for tests: the methods ketnoi uses, their errors, a user side.

with FakeZalo(token="zbot:ABC") as fake:         # serves fake.url from a background thread
    client.post(f"{fake.url}/botzbot:ABC/getMe")
    fake.send_text("u42", "/start")               # the user side queues an update (or POSTs it
                                                  # to the bot's webhook when one is set)
    fake.wait_for_message("u42")                  # what the bot sent
"""

from __future__ import annotations

import asyncio
import copy
import json
import queue
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from ._background import BackgroundServer
from ._http import Endpoint, LostAnswer
from ._reading import Reader
from ._zalo_state import EVENTS, ApiError, Failure, Json, ZaloState

__all__ = ["FakeZalo"]

Predicate = Callable[[Json], bool]

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: the user has blocked the bot",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class FakeZalo(Reader, Endpoint):
    """Serves {url}/bot{token}/{method} from a background thread and records what the bot did."""

    def __init__(self, token: str = "1459232241454765289:zalo-test-token") -> None:
        self.token = token
        bot = {"id": token.split(":", 1)[0], "account_name": "bot.ketnoi", "account_type": "BASIC"}
        self._state = ZaloState(bot | {"can_join_groups": False})
        self._lock = self._state.lock
        self._read: dict[str, int] = {}  # per chat: bot messages already returned by a wait
        self._calls_read: dict[str, int] = {}  # per method: calls already returned by a wait
        self._lost: list[LostAnswer] = []  # calls carried out whose answer is late or dropped
        self.webhook_shape = "wrapped"  # or "flat": the two payload shapes seen in practice
        self.deliveries: list[Json] = []  # webhook POSTs made: {update, status}
        self._webhook_root: str | None = None
        self._outgoing: queue.Queue[Json | None] = queue.Queue()
        self._deliverer: threading.Thread | None = None
        self._closing = False
        self._pollers: set[asyncio.Event] = set()  # touched only on the server's loop
        self._server: BackgroundServer | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeZalo:
        """Serve on a free port of 127.0.0.1 from a daemon thread with its own loop."""
        routes = [Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])]
        app = Starlette(routes=routes, exception_handlers={404: self._not_found})
        self._server = BackgroundServer(app).start()
        return self

    def stop(self) -> None:
        """End pending long polls and webhook deliveries; shut the server down."""
        if self._deliverer is not None:
            self._outgoing.put(None)
            self._deliverer.join(timeout=10)
        if self._server is None:
            return
        self._closing = True
        self._wake_pollers()
        self._server.stop()

    def __enter__(self) -> FakeZalo:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The Bot API root: the bot calls {url}/bot{token}/{method}."""
        if self._server is None:
            raise RuntimeError("call start() first")
        return self._server.url

    # -- the HTTP side -----------------------------------------------------------------------

    async def _call(self, request: Request, method: str) -> Any:
        """Check the token, read the JSON body, apply injected errors, run the method."""
        if request.path_params["token"] != self.token:
            raise ApiError(401, "Unauthorized")
        name = method.lower()
        if name not in self._state.methods and name != "getupdates":
            raise ApiError(404, "Not Found")
        params: Json = dict(request.query_params)
        body = await request.body()
        if body:
            try:
                params.update(json.loads(body))
            except (ValueError, TypeError) as exc:
                raise ApiError(400, f"Bad Request: body is not a JSON object: {exc}") from exc
        call: Json = {"method": method, "params": params, "status": 200}
        request.state.params = params
        with self._lock:
            self._state.calls.append(call)
            self._lock.notify_all()
        try:
            if name == "getupdates":
                return await self._get_updates(params)
            with self._lock:
                self._state.check_failures(method, params)
                return self._state.methods[name](params)
        except ApiError as error:
            call["status"] = error.status
            raise
        finally:
            with self._lock:
                self._lock.notify_all()

    async def _get_updates(self, params: Json) -> Json:
        """One update, waiting up to `timeout` seconds for it; none: error 408, as Zalo does."""
        with self._lock:
            self._state.check_failures("getUpdates", params)
        deadline = time.monotonic() + float(params.get("timeout", 30))
        while True:
            with self._lock:
                update = self._state.take_update()
            if update is not None:
                return update
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closing:
                raise ApiError(408, "Request timeout")
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

        if self._server is not None:
            self._server.call_soon(wake)

    # -- the user side -------------------------------------------------------------------------

    def send_text(self, chat_id: str, text: str, *, display_name: str = "Lan") -> str:
        """A user writes text; returns its message_id."""
        return self._user_event("text", chat_id, display_name, text=text)

    def send_sticker(self, chat_id: str, *, display_name: str = "Lan") -> str:
        """A user sends a sticker."""
        return self._user_event("sticker", chat_id, display_name, sticker="0e078a2fb66a5f34067b")

    def send_image(
        self, chat_id: str, *, caption: str | None = None, display_name: str = "Lan"
    ) -> str:
        """A user sends a photo, optionally captioned."""
        extra: Json = {"photo_url": "https://photo.example.org/u.jpg"}
        return self._user_event("image", chat_id, display_name, **extra, caption=caption)

    def send_unsupported(self, chat_id: str, *, display_name: str = "Lan") -> str:
        """A user sends something the platform itself does not pass on (voice, file…)."""
        return self._user_event("unsupported", chat_id, display_name)

    def _user_event(self, kind: str, chat_id: str, display_name: str, **content: Any) -> str:
        with self._lock:
            message = self._state.user_message(chat_id, display_name)
            message.update({k: v for k, v in content.items() if v is not None})
            update = {"event_name": EVENTS[kind], "message": message}
            webhook = dict(self._state.webhook)
            if not webhook["url"]:
                self._state.push(update)
        if webhook["url"]:
            self._deliver(update, webhook)
        else:
            self._wake_pollers()
        return str(message["message_id"])

    def deliver_webhooks_to(self, root: str) -> None:
        """POST webhook updates to root + the path of the registered URL, as a TLS-terminating
        proxy in front of the bot would (the API only accepts https:// webhooks)."""
        self._webhook_root = root.rstrip("/")

    def _deliver(self, update: Json, webhook: Json) -> None:
        """Queue a POST of the update to the webhook, in order, from a worker thread."""
        url = webhook["url"]
        if self._webhook_root is not None:
            parts = urlsplit(url)
            url = f"{self._webhook_root}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        body = update if self.webhook_shape == "flat" else {"ok": True, "result": update}
        self._outgoing.put({"url": url, "secret": webhook["secret_token"], "body": body})
        if self._deliverer is None:
            self._deliverer = threading.Thread(target=self._deliver_all, daemon=True)
            self._deliverer.start()

    def _deliver_all(self) -> None:
        with httpx.Client(timeout=10) as client:
            while (item := self._outgoing.get()) is not None:
                headers = {"X-Bot-Api-Secret-Token": item["secret"]}
                try:
                    status = client.post(
                        item["url"], json=item["body"], headers=headers
                    ).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                with self._lock:
                    self.deliveries.append({"update": item["body"], "status": status})
                    self._lock.notify_all()

    # -- what the bot did ----------------------------------------------------------------------

    def sent(self, chat_id: str | None = None) -> list[Json]:
        """Copies of the bot's messages (all, or in one chat), in order."""
        with self._lock:
            state = self._state
            return copy.deepcopy(
                state.messages if chat_id is None else state.by_chat.get(chat_id, [])
            )

    def texts(self, chat_id: str) -> list[str]:
        """The text (or caption) of every bot message in a chat."""
        return [m["text"] or m["caption"] or "" for m in self.sent(chat_id)]

    def calls(self, method: str | None = None) -> list[Json]:
        """Copies of every request ({method, params, status}), or of one method's."""
        with self._lock:
            wanted = method.lower() if method else None
            return copy.deepcopy(
                [c for c in self._state.calls if wanted in (None, c["method"].lower())]
            )

    @property
    def webhook(self) -> Json:
        """The webhook as set: url ("" when none), secret_token, updated_at."""
        with self._lock:
            return dict(self._state.webhook)

    @property
    def pending_updates(self) -> int:
        """Updates no getUpdates call has taken yet."""
        with self._lock:
            return len(self._state.updates)

    @property
    def stats(self) -> dict[str, int]:
        """Counters: requests, ok, errors, injected, blocked, messages, updates, and per method
        ("method:sendMessage") and per status ("status:429")."""
        with self._lock:
            return dict(self._state.stats)

    # -- waiting -------------------------------------------------------------------------------

    def wait_for_deliveries(self, count: int, timeout: float = 10.0) -> list[Json]:
        """Block until `count` webhook POSTs were answered; return them all."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.deliveries) >= count, timeout):
                raise TimeoutError(f"{len(self.deliveries)} of {count} webhook deliveries made")
            return copy.deepcopy(self.deliveries)

    # -- error injection -----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status_code: int,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: str | None = None,
    ) -> None:
        """Make the next `times` calls of method (to chat_id, if given) fail with this status."""
        parameters: Json = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        description = description or _DEFAULT_DESCRIPTIONS.get(status_code, "Error")
        error = ApiError(status_code, description, parameters)
        with self._lock:
            self._state.failures.append(Failure(method.lower(), error, times, chat_id))

    def block(self, chat_id: str) -> None:
        """Every call to chat_id gets 403 until unblock, as after the user blocked the bot."""
        with self._lock:
            self._state.blocked.add(chat_id)

    def unblock(self, chat_id: str) -> None:
        """Let calls to chat_id through again."""
        with self._lock:
            self._state.blocked.discard(chat_id)
