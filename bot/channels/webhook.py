"""One HTTP server for every platform's webhook (starlette + uvicorn), each path with its secret;
the web pages (bot/channels/web) are mounted on it for every other request."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import socket
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.core.config import ConfigError

__all__ = ["MAX_BODY", "BadUpdate", "WebhookServer", "secret_matches"]

log = logging.getLogger("ketnoi.webhook")

OnUpdate = Callable[[dict[str, Any]], Awaitable[None]]
OnSigned = Callable[[bytes, dict[str, Any]], Awaitable[None]]  # the raw body and its JSON
Verify = Callable[[bytes, Mapping[str, str]], str | None]  # why a request is refused, or None
# Telegram's and Zalo's updates are a few kilobytes; a message is at most 4,096 characters.
MAX_BODY = 1024 * 1024


class BadUpdate(ValueError):
    """Raised by an OnUpdate for a body that is not an update of its platform (answered 400)."""


def _refuse(status: int, description: str) -> Response:
    return JSONResponse({"ok": False, "description": description}, status_code=status)


def _is_json(content_type: str | None) -> bool:
    """Whether a Content-Type is JSON: `application/json`, perhaps with a charset."""
    return (content_type or "").split(";", 1)[0].strip().lower() == "application/json"


async def _read(request: Request, limit: int) -> bytes | None:
    """The body, or None once it is longer than `limit` (the rest is never read)."""
    declared = request.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():  # a body sent in chunks, or longer than it said
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


async def _json_body(request: Request, path: str) -> bytes | Response:
    """The raw body of a JSON request of at most MAX_BODY bytes, or the refusal to answer
    (415 not JSON, 413 too long, 400 cut off)."""
    if not _is_json(request.headers.get("content-type")):
        log.warning("webhook %s: a body that is not JSON refused", path)
        return _refuse(415, "Unsupported Media Type: send application/json")
    try:
        raw = await _read(request, MAX_BODY)
    except ClientDisconnect:
        return _refuse(400, "Bad Request")
    if raw is None:
        log.warning("webhook %s: a body over %d bytes refused", path, MAX_BODY)
        return _refuse(413, "Payload Too Large")
    return raw


async def _handle(path: str, raw: bytes, on_update: OnUpdate) -> Response:
    """Parse the body as one JSON object and hand it on; 400 when it is not an update."""
    try:
        body = json.loads(raw)
    except ValueError:  # not JSON, or not UTF-8
        return _refuse(400, "Bad Request: not JSON")
    if not isinstance(body, dict):
        return _refuse(400, "Bad Request: not an update")
    try:
        await on_update(body)
    except BadUpdate as exc:
        log.warning("webhook %s: not an update refused (%s)", path, exc)
        return _refuse(400, "Bad Request: not an update")
    return JSONResponse({"ok": True})


def secret_matches(given: str | None, expected: str) -> bool:
    """Compare a request's secret header with ours in constant time."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class WebhookServer:
    """Serves POST {path} for each registered platform on KETNOI_LISTEN."""

    def __init__(self, listen: str, *, setting: str = "KETNOI_LISTEN") -> None:
        host, _, port = listen.rpartition(":")
        self.setting = setting  # named when the address cannot be used
        self.host = host or "0.0.0.0"
        self.port = int(port)
        self._endpoints: dict[str, Callable[[Request], Awaitable[Response]]] = {}
        self._users = 0  # channels that started it; the last to stop shuts it down
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._web: ASGIApp | None = None
        self._webhooks = Starlette(routes=[Route("/{path:path}", self._dispatch, methods=["POST"])])

    def mount(self, app: ASGIApp) -> None:
        """Serve every request that is not a POST to a webhook path with `app` (the pages)."""
        self._web = app

    @property
    def mounted(self) -> ASGIApp | None:
        """What serves the requests that are not webhooks, if anything."""
        return self._web

    def add(self, path: str, header: str, secret: str, on_update: OnUpdate) -> None:
        """Accept JSON updates on `path` whose `header` equals `secret`; others get 403. A body
        that is not JSON gets 415, one over MAX_BODY 413, one that is no update 400."""

        async def endpoint(request: Request) -> Response:
            if not secret_matches(request.headers.get(header), secret):
                log.warning("webhook %s: request with a wrong or missing secret refused", path)
                return _refuse(403, "Forbidden")
            raw = await _json_body(request, path)
            if isinstance(raw, Response):
                return raw
            return await _handle(path, raw, on_update)

        self._endpoints[path] = endpoint

    def add_signed(self, path: str, verify: Verify, on_update: OnSigned) -> None:
        """Accept JSON updates on `path` that `verify` accepts: for a platform that signs each
        body instead of sending a shared secret (the Zalo OA), so the body is read (at most
        MAX_BODY) before it is checked. `verify(raw, headers)` returns why it refuses, or
        None: refused, 403 and nothing processed. Then as `add`: 415, 413, 400."""

        async def endpoint(request: Request) -> Response:
            raw = await _json_body(request, path)
            if isinstance(raw, Response):
                return raw
            refused = verify(raw, request.headers)
            if refused is not None:
                log.warning("webhook %s: refused (%s)", path, refused)
                return _refuse(403, "Forbidden")
            return await _handle(path, raw, lambda body: on_update(raw, body))

        self._endpoints[path] = endpoint

    @property
    def active(self) -> bool:
        """Whether any platform registered a path."""
        return bool(self._endpoints)

    async def _dispatch(self, request: Request) -> Response:
        # Looked up per request, so a channel may add its path after another started the server.
        endpoint = self._endpoints.get(request.url.path)
        if endpoint is None:
            return JSONResponse({"ok": False, "description": "Not Found"}, status_code=404)
        return await endpoint(request)

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        webhook = scope["type"] == "http" and scope["method"] == "POST"
        if self._web is None or (webhook and scope["path"] in self._endpoints):
            await self._webhooks(scope, receive, send)
        else:
            await self._web(scope, receive, send)

    async def start(self) -> None:
        """Start serving in the background (once, however many channels share the server)."""
        self._users += 1
        if self._server is not None:
            return
        config = uvicorn.Config(
            self._asgi,
            host=self.host,
            port=self.port,
            log_level="warning",
            lifespan="off",
            interface="asgi3",  # a bound method: uvicorn's guess would take it for ASGI 2
        )
        # Bound here rather than by uvicorn, which exits the process when the port is taken.
        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so
        # (base_events._set_nodelay); without it Nagle adds 40 ms to every answer.
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            self._users -= 1
            raise ConfigError(
                f"{self.setting}: cannot listen on {self.host}:{self.port} ({exc.strerror})"
            ) from None
        self.port = sock.getsockname()[1]  # the port given, or the one picked for :0 (tests)
        server = uvicorn.Server(config)
        task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:
                if task.done():
                    task.result()  # raises why it could not start
                    raise RuntimeError("the HTTP server stopped while starting")
                await asyncio.sleep(0.02)
        except BaseException:
            self._users -= 1
            sock.close()
            raise
        self._server, self._task = server, task

    async def stop(self) -> None:
        """Stop serving once every channel that started the server has stopped."""
        self._users = max(0, self._users - 1)
        if self._users or self._server is None or self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._server = self._task = None
