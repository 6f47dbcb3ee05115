"""The bot with its web pages served for real (uvicorn on a free port), its outbox and
periodic jobs running, in a thread of its own: for the browser tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.app import App
from bot.channels.web import WebChannel
from bot.core.config import Settings
from bot.core.types import Reply, UserRef
from bot.services.web_login import login_link
from storage.users import User

__all__ = ["LiveSite"]

T = TypeVar("T")


class LiveSite:
    """`with LiveSite(settings) as live:` then `live.url`, `live.run(coro_fn, ...)`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.sent: list[tuple[UserRef, str]] = []  # what the fake Telegram sender was given
        self.url = ""
        self._app: App | None = None
        self._web: WebChannel | None = None

    @property
    def app(self) -> App:
        assert self._app is not None
        return self._app

    def run(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Await `fn(*args, **kwargs)` on the server's loop, from the test's thread."""
        return asyncio.run_coroutine_threadsafe(fn(*args, **kwargs), self.loop).result(60)

    async def _send(self, ref: UserRef, replies: list[Reply]) -> None:
        self.sent.extend((ref, r.text) for r in replies)

    async def _open(self) -> None:
        self._app = App(self.settings)
        await self._app.open()
        self._app.outlets.senders["telegram"] = self._send  # a platform that takes everything
        self._app.start()
        self._web = WebChannel(self.settings, self._app.router, None)
        await self._web.start()
        self.url = f"http://127.0.0.1:{self._web.server.port}"

    async def _close(self) -> None:
        if self._web is not None:
            await self._web.stop()
        if self._app is not None:
            await self._app.stop()
            await self._app.close()

    def link(self, user: User) -> str:
        """A fresh one-time login link for `user`, on this server."""
        svc = self.app.router.services
        url, _expires = self.run(login_link, svc.settings, svc.web_sessions, user)
        return self.url + "/" + url.split("/", 3)[3]

    def __enter__(self) -> LiveSite:
        self.thread.start()
        self.run(self._open)
        return self

    def __exit__(self, *exc: object) -> None:
        self.run(self._close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
