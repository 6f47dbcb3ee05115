"""The web pages on a real, migrated database, driven by Starlette's TestClient."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from bot.app import App
from bot.channels.web import build_app, site_key
from bot.core.config import Settings
from bot.services.web_login import login_link
from storage.roles import Role
from storage.users import User
from tests.chat import Chat
from tests.handlers.staff.staff_data import member

__all__ = ["Site", "csrf_of", "open_site"]

T = TypeVar("T")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = _CSRF.search(html)
    assert found, "no form with a CSRF token on the page"
    return found.group(1)


class Site:
    """A browser-less visitor: `site.get("/")`, `site.login(user)`, `site.run(coro_fn)`."""

    def __init__(self, client: TestClient, app: App) -> None:
        self.client = client
        self.app = app

    def run(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Await `fn(*args, **kwargs)` on the loop that serves the pages (and owns the
        database)."""
        portal = self.client.portal
        assert portal is not None
        return portal.call(functools.partial(fn, *args, **kwargs))

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.post(path, data=data or {}, follow_redirects=False, **kwargs)

    def form(self, page: str, action: str, data: dict[str, Any] | None = None) -> Any:
        """Post to `action` with the CSRF token of the form on `page`, as a browser would."""
        token = csrf_of(self.get(page).text)
        return self.post(action, {**(data or {}), "csrf": token})

    def staff(self, role: Role | None, external_id: str | None = None) -> User:
        """A person who wrote to the bot and holds `role` (None: not staff)."""
        chat: Chat = self.run(member, self.app, role, external_id)
        user = self.run(self.app.router.services.users.find, chat.user)
        assert user is not None
        return user

    def owner(self) -> User:
        """The owner of the test settings (console:admin)."""
        svc = self.app.router.services
        return self.run(svc.users.ensure, Chat(self.app.router, "admin").user)

    def link(self, user: User) -> str:
        """A one-time login link's path for `user`."""
        svc = self.app.router.services
        url, _ = self.run(login_link, svc.settings, svc.web_sessions, user)
        return "/" + url.split("/", 3)[3]

    def login(self, user: User) -> Any:
        """Open a session as `user` with a fresh link; the response of the login."""
        return self.post(self.link(user))


@contextmanager
def open_site(settings: Settings) -> Iterator[Site]:
    """Serve the pages of an App opened on the TestClient's own event loop."""
    held: dict[str, Any] = {}

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    application = App(settings)
                    await application.open()
                    held["app"] = application
                    held["site"] = build_app(application.router, await site_key(application.router))
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await held["app"].close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await held["site"](scope, receive, send)

    with TestClient(asgi) as client:
        yield Site(client, held["app"])
