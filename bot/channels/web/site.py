"""The web site: every route in one list, and the channel that serves it with `ketnoi run`."""

from __future__ import annotations

import logging
from typing import Final

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.channels.web import auth, public
from bot.channels.web.auth import Attempts
from bot.channels.web.pages import HERE, Pages, Web, web_of
from bot.channels.web.staff import (
    broadcasts,
    fairs,
    imports,
    overview,
    registrations,
    tools,
)
from bot.channels.webhook import WebhookServer
from bot.core.config import ConfigError, Settings
from bot.dialog.router import Router

__all__ = ["WebChannel", "build_app", "site_key"]

log = logging.getLogger("ketnoi.web")


def _routes() -> list[BaseRoute]:
    """Public pages first, then logging in and out, then the staff pages, in menu order."""
    return [
        *public.routes(),
        *auth.routes(),
        Route("/quan-tri", overview.overview),
        Route("/quan-tri/thong-ke.png", overview.chart),
        *registrations.routes(),
        *fairs.routes(),
        *broadcasts.routes(),
        *tools.routes(),
        *imports.routes(),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


async def _not_found(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException) and exc.status_code != 404:
        return PlainTextResponse(exc.detail, status_code=exc.status_code)
    return web_of(request).page(request, "public/missing.html", status_code=404)


# Everything the pages use comes from this server (no CDN, no inline script); the meters' widths
# are the only inline styles (style attributes, never <style>). Nobody may frame the pages.
CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline';"
    " img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none';"
    " base-uri 'none'; object-src 'none'"
)
HEADERS: Final = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # a login link never leaks to another site
    (b"cross-origin-opener-policy", b"same-origin"),
)


class _Headers:
    """The security headers on every answer of the pages; staff pages are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = scope["path"].startswith(("/quan-tri", "/dang-nhap", "/dang-xuat"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _v in headers}
                headers.extend(h for h in HEADERS if h[0] not in present)
                if private and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def build_app(router: Router, key: bytes) -> Starlette:
    """The pages as an ASGI app: public calendar, staff login, staff pages, static files."""
    app = Starlette(
        routes=_routes(),
        exception_handlers={HTTPException: _not_found},
        middleware=[Middleware(_Headers)],
    )
    app.state.web = Web(router=router, pages=Pages(), key=key)
    app.state.attempts = Attempts()
    return app


async def site_key(router: Router) -> bytes:
    """The key that signs session cookies: KETNOI_WEB_SECRET, else one kept in the database."""
    settings = router.services.settings
    if settings.web_secret is not None:
        return settings.web_secret.get_secret_value().encode()
    return await router.services.signing_keys.get_or_create("web")


class WebChannel:
    """Serves the pages on KETNOI_WEB_LISTEN, or on the webhook server when there is one."""

    name = "web"

    def __init__(self, settings: Settings, router: Router, shared: WebhookServer | None) -> None:
        assert settings.web_listen is not None
        self.settings = settings
        self.router = router
        self.shared = shared is not None
        self.server = shared or WebhookServer(settings.web_listen, setting="KETNOI_WEB_LISTEN")

    @property
    def serving(self) -> bool:
        """Whether the pages are served (not when the default address was taken)."""
        return self.server is not None

    @property
    def address(self) -> str:
        """Where the pages are served on this machine."""
        host = "127.0.0.1" if self.server.host in ("0.0.0.0", "") else self.server.host
        return f"http://{host}:{self.server.port}"

    async def start(self) -> None:
        """Mount the pages and start serving (the shared server once, whoever starts it)."""
        self.server.mount(build_app(self.router, await site_key(self.router)))
        try:
            await self.server.start()
            log.info("web pages on %s", self.settings.web_root or self.address)
        except ConfigError:
            if self.shared or "web_listen" in self.settings.model_fields_set:
                raise
            # the default address is taken (another program on 8080): the bot still runs
            log.error(
                "web pages not served: %s is in use; set KETNOI_WEB_LISTEN to another"
                " host:port, or to off",
                self.settings.web_listen,
            )
            self.server = None  # type: ignore[assignment]

    async def stop_receiving(self) -> None:
        """Nothing to finish: a page is answered as it is asked (the server stops in stop)."""

    async def stop(self) -> None:
        """Stop serving (the shared server stops with its last user)."""
        if self.server is not None:
            await self.server.stop()
