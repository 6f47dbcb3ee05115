"""The web site: every route in one list, and the channel that serves it with `ketnoi run`."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.channels.web import auth, public
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


def build_app(router: Router, key: bytes) -> Starlette:
    """The pages as an ASGI app: public calendar, staff login, staff pages, static files."""
    app = Starlette(routes=_routes(), exception_handlers={HTTPException: _not_found})
    app.state.web = Web(router=router, pages=Pages(), key=key)
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
