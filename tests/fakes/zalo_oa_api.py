"""A local Zalo Official Account server for tests: OAuth, the OA API and the business API on one
root, their errors, and a user side that posts signed webhook events to the bot.

with FakeOa() as fake:                       # serves fake.url from a background thread
    fake.deliver_to("http://127.0.0.1:8080/zalo-oa")
    fake.send_text("u1", "/start")            # a follower writes: a signed POST; its status
    fake.wait_for_message("u1")               # what the OA sent that follower
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import secrets
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ._background import BackgroundServer
from ._reading import Reader
from ._zalo_oa_state import Failure, Follower, Json, OaError, OaState, Template, now_ms

__all__ = ["FakeOa", "Template", "sign"]

APP_ID = "2410908871262947913"
OA_ID = "579745863508352884"


def sign(raw: bytes, *, app_id: str, timestamp: str, key: str) -> str:
    """The X-ZEvent-Signature header Zalo sends: mac=sha256(appId + data + timeStamp + key)."""
    return (
        "mac="
        + hashlib.sha256(app_id.encode() + raw + timestamp.encode() + key.encode()).hexdigest()
    )


class FakeOa(Reader):
    """Serves the three Zalo roots from a background thread and records what the OA did."""

    def __init__(
        self,
        *,
        app_id: str = APP_ID,
        secret_key: str = "app-secret",
        webhook_key: str = "oa-secret-key",
        refresh_token: str = "ref-first",
    ) -> None:
        self.app_id = app_id
        self.webhook_key = webhook_key
        self._state = OaState(app_id=app_id, secret_key=secret_key, refresh_token=refresh_token)
        self._lock = self._state.lock
        self._read: dict[Any, int] = {}
        self._calls_read: dict[str, int] = {}
        self.refresh_delay = 0.0  # seconds a refresh takes (to let two processes overlap)
        self.webhook_url: str | None = None
        self.deliveries: list[Json] = []  # {event, status}
        self._server: BackgroundServer | None = None
        self._client: httpx.Client | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeOa:
        """Serve on a free port of 127.0.0.1."""
        routes = [
            Route("/v4/oa/access_token", self._refresh, methods=["POST"]),
            Route("/v3.0/oa/message/cs", self._message, methods=["POST"]),
            Route("/message/template", self._template, methods=["POST"]),
            Route("/template/info/v2", self._template_info, methods=["GET"]),
        ]
        self._server = BackgroundServer(Starlette(routes=routes)).start()
        return self

    def stop(self) -> None:
        """Shut the server down (and the client that posted events)."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> FakeOa:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The root of all three APIs (api, oauth and business)."""
        if self._server is None:
            raise RuntimeError("call start() first")
        return self._server.url

    # -- the HTTP side -----------------------------------------------------------------------

    async def _refresh(self, request: Request) -> JSONResponse:
        # parsed by hand: Starlette's request.form() needs python-multipart, not a dependency
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)
        secret = request.headers.get("secret_key")
        try:
            with self._lock:
                self._count("access_token", {k: str(v) for k, v in form.items()})
                self._state.check_failures("access_token")
                body = self._state.refresh(form, secret)
        except OaError as error:
            return self._failed(
                "access_token",
                {
                    "error": error.code,
                    "error_name": error.message,
                    "error_description": error.message,
                },
            )
        return JSONResponse(body)

    async def _message(self, request: Request) -> JSONResponse:
        return await self._api(request, "message/cs", -216, self._state.send_message)

    async def _template(self, request: Request) -> JSONResponse:
        return await self._api(request, "message/template", -124, self._state.send_template)

    async def _template_info(self, request: Request) -> JSONResponse:
        template_id = request.query_params.get("template_id", "")
        return await self._api(
            request, "template/info", -124, lambda _: self._state.template_info(template_id)
        )

    async def _api(
        self, request: Request, endpoint: str, token_error: int, run: Any
    ) -> JSONResponse:
        """An OA or business API call: `{error: 0, message: "Success", data}` or an error."""
        body: Json = {}
        if request.method == "POST":
            try:
                body = json.loads(await request.body())
            except ValueError:
                return self._failed(endpoint, {"error": -201, "message": "body is not JSON"})
        try:
            with self._lock:
                self._count(endpoint, body)
                self._state.check_failures(endpoint)
                self._state.check_token(request.headers.get("access_token"), token_error)
                data = run(body)
                self._lock.notify_all()
        except OaError as error:
            return self._failed(endpoint, {"error": error.code, "message": error.message})
        return JSONResponse({"error": 0, "message": "Success", "data": data})

    def _count(self, endpoint: str, params: Json) -> None:
        self._state.calls.append({"method": endpoint, "params": params, "error": 0})
        self._state.stats.update(["requests", f"endpoint:{endpoint}"])
        self._lock.notify_all()

    def _failed(self, endpoint: str, body: Json) -> JSONResponse:
        """Zalo answers errors with HTTP 200 and a negative `error`."""
        with self._lock:
            self._state.calls[-1]["error"] = body["error"]
            self._state.stats.update(["errors", f"error:{body['error']}"])
            self._lock.notify_all()
        return JSONResponse(body)

    # -- the user side -----------------------------------------------------------------------

    def deliver_to(self, url: str) -> None:
        """The webhook URL configured in the app (here without the TLS proxy in front)."""
        self.webhook_url = url

    def send_text(self, user_id: str, text: str, *, name: str = "Lan", **how: Any) -> int:
        """A follower writes text; the status the webhook answered."""
        message = {"msg_id": secrets.token_hex(10), "text": text}
        return self.event("user_send_text", user_id, name=name, message=message, **how)

    def send_location(self, user_id: str, latitude: float, longitude: float) -> int:
        """A follower shares a location."""
        coordinates = {"latitude": str(latitude), "longitude": str(longitude)}
        attachment = {"type": "location", "payload": {"coordinates": coordinates}}
        message = {"msg_id": secrets.token_hex(10), "attachments": [attachment]}
        return self.event("user_send_location", user_id, message=message)

    def send_sticker(self, user_id: str) -> int:
        """A follower sends a sticker."""
        attachment = {"type": "sticker", "payload": {"id": "bfe458bf64fa8da4d4eb"}}
        message = {"msg_id": secrets.token_hex(10), "attachments": [attachment]}
        return self.event("user_send_sticker", user_id, message=message)

    def follow(self, user_id: str, *, name: str = "Lan") -> int:
        """A user follows the OA."""
        return self.event("follow", user_id, name=name)

    def unfollow(self, user_id: str) -> int:
        """A follower leaves the OA."""
        return self.event("unfollow", user_id)

    def submit_info(self, user_id: str, *, name: str, phone: str) -> int:
        """A follower shares name and phone through the request-for-information card."""
        info = {"name": name, "phone": phone, "address": "", "city": "", "district": ""}
        return self.event("user_submit_info", user_id, info=info)

    def event(
        self,
        event_name: str,
        user_id: str,
        *,
        name: str = "Lan",
        message: Json | None = None,
        info: Json | None = None,
        timestamp_ms: int | None = None,
        signature: str | None = None,
        repeat: int = 1,
        headers: dict[str, str] | None = None,
    ) -> int:
        """Post one signed event to the webhook `repeat` times (Zalo retries); the last status.
        `signature` replaces the right one ("" sends none); `timestamp_ms` dates the event."""
        stamp = str(timestamp_ms if timestamp_ms is not None else now_ms())
        raw = self.body(event_name, user_id, name=name, message=message, info=info, stamp=stamp)
        mac = sign(raw, app_id=self.app_id, timestamp=stamp, key=self.webhook_key)
        sent = {"Content-Type": "application/json", **(headers or {})}
        if signature != "":
            sent["X-ZEvent-Signature"] = mac if signature is None else signature
        assert self.webhook_url is not None, "deliver_to() first"
        status = 0
        for _ in range(repeat):
            status = self._poster().post(self.webhook_url, content=raw, headers=sent).status_code
            with self._lock:
                self.deliveries.append({"event": json.loads(raw), "status": status})
        return status

    def _poster(self) -> httpx.Client:
        """One client for every event posted (httpx's Client may be shared between threads;
        making one per event costs more than the bot's answer)."""
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(timeout=10)
            return self._client

    def body(
        self,
        event_name: str,
        user_id: str,
        *,
        name: str = "Lan",
        message: Json | None = None,
        info: Json | None = None,
        stamp: str | None = None,
    ) -> bytes:
        """The raw body of an event as Zalo posts it (the follower's side moves with it)."""
        stamp = stamp or str(now_ms())
        body: Json = {"app_id": self.app_id, "event_name": event_name, "timestamp": stamp}
        if event_name in ("follow", "unfollow"):
            body |= {"oa_id": OA_ID, "follower": {"id": user_id}, "source": "oa_profile"}
        else:
            body |= {"sender": {"id": user_id}, "recipient": {"id": OA_ID}}
        if message is not None:
            body["message"] = message
        if info is not None:
            body["info"] = info
        body["user_id_by_app"] = user_id
        with self._lock:
            follower = self._state.followers.setdefault(user_id, Follower(user_id, name))
            if int(stamp) > follower.last_interaction_ms:
                follower.last_interaction_ms = int(stamp)
            follower.following = event_name != "unfollow"
        return json.dumps(body, ensure_ascii=False).encode()

    # -- setting the scene -------------------------------------------------------------------

    def add_template(
        self, template_id: str, params: list[str], *, name: str = "", **kw: Any
    ) -> None:
        """Register a template (approved unless `status` says otherwise); every parameter
        required, at most 100 characters unless `max_length` says otherwise."""
        length = kw.pop("max_length", 100)
        spec = [
            {"name": p, "require": True, "type": "STRING", "maxLength": length, "minLength": 0}
            for p in params
        ]
        with self._lock:
            self._state.templates[template_id] = Template(
                template_id, name or template_id, spec, **kw
            )

    def add_phone(self, phone: str) -> None:
        """A phone number (84…) that has a Zalo account."""
        with self._lock:
            self._state.zalo_phones.add(phone)

    def age(self, user_id: str, days: float) -> None:
        """The follower's last interaction moves `days` back (time passes on Zalo's side)."""
        with self._lock:
            self._state.followers[user_id].last_interaction_ms -= int(days * 24 * 3600 * 1000)

    def expire_tokens(self) -> None:
        """Every access token issued so far stops working (they lasted their 25 hours)."""
        with self._lock:
            self._state.access_tokens = dict.fromkeys(self._state.access_tokens, 0.0)

    def fail_next(
        self, endpoint: str, code: int, message: str = "Error", *, times: int = 1
    ) -> None:
        """The next `times` calls of endpoint (message/cs, message/template, template/info,
        access_token) answer this error."""
        with self._lock:
            self._state.failures.append(Failure(endpoint, OaError(code, message), times))

    # -- what the OA did ---------------------------------------------------------------------

    @property
    def refresh_token(self) -> str:
        """The refresh token that works now."""
        with self._lock:
            return self._state.refresh_token

    @property
    def refreshes(self) -> int:
        """How many refreshes succeeded."""
        with self._lock:
            return self._state.refreshes

    def sent(self, chat: Any = None) -> list[Json]:
        """Copies of what the OA sent: to a follower (user id), by phone ("phone:84…"), or all."""
        with self._lock:
            found = self._state.messages if chat is None else self._state.by_chat.get(chat, [])
            return copy.deepcopy(found)

    def calls(self, endpoint: str | None = None) -> list[Json]:
        """Copies of every call ({method, params, error}), or of one endpoint's."""
        with self._lock:
            return copy.deepcopy([c for c in self._state.calls if endpoint in (None, c["method"])])

    @property
    def stats(self) -> dict[str, int]:
        """Counters: requests, errors, injected, messages, per endpoint and per error."""
        with self._lock:
            return dict(self._state.stats)
