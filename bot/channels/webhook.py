"""One HTTP server for every platform's webhook (starlette + uvicorn), each path with its secret."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["WebhookServer", "secret_matches"]

log = logging.getLogger("ketnoi.webhook")

OnUpdate = Callable[[dict[str, Any]], Awaitable[None]]


def secret_matches(given: str | None, expected: str) -> bool:
    """Compare a request's secret header with ours in constant time."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class WebhookServer:
    """Serves POST {path} for each registered platform on KETNOI_LISTEN."""

    def __init__(self, listen: str) -> None:
        host, _, port = listen.rpartition(":")
        self.host = host or "0.0.0.0"
        self.port = int(port)
        self._routes: list[Route] = []
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    def add(self, path: str, header: str, secret: str, on_update: OnUpdate) -> None:
        """Accept JSON updates on `path` whose `header` equals `secret`; others get 403."""

        async def endpoint(request: Request) -> Response:
            if not secret_matches(request.headers.get(header), secret):
                log.warning("webhook %s: request with a wrong or missing secret refused", path)
                return JSONResponse({"ok": False, "description": "Forbidden"}, status_code=403)
            try:
                body = await request.json()
            except ValueError:
                return JSONResponse({"ok": False, "description": "Bad Request"}, status_code=400)
            if not isinstance(body, dict):
                return JSONResponse({"ok": False, "description": "Bad Request"}, status_code=400)
            await on_update(body)
            return JSONResponse({"ok": True})

        self._routes.append(Route(path, endpoint, methods=["POST"]))

    @property
    def active(self) -> bool:
        """Whether any platform registered a path."""
        return bool(self._routes)

    async def start(self) -> None:
        """Start serving in the background."""
        app = Starlette(routes=self._routes)
        config = uvicorn.Config(
            app, host=self.host, port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.get_running_loop().create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises why it could not start
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        """Stop serving."""
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
