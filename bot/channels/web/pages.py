"""Server-rendered pages: Jinja2 templates, translated with the bot's Babel catalogs, in the
reader's language (Vietnamese unless they chose English)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.core.config import LOCALES
from bot.core.i18n import I18n, Lang
from bot.dialog.router import Router

__all__ = ["HERE", "LANG_COOKIE", "Pages", "Web", "lang_of"]

HERE = Path(__file__).resolve().parent
LANG_COOKIE = "ketnoi_lang"
_YEAR = 365 * 24 * 3600


def lang_of(request: Request, i18n: I18n) -> Lang:
    """The reader's language: `?lang=` when given, else their choice kept in a cookie, else
    the default (KETNOI_LOCALE)."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return i18n.get(chosen if chosen in LOCALES else None)


def _asset_version() -> str:
    """Changes with the CSS and JS, so that browsers fetch them again after an update."""
    digest = hashlib.sha256()
    for name in sorted((HERE / "static").iterdir()):
        digest.update(name.read_bytes())
    return digest.hexdigest()[:10]


class Pages:
    """The template environment, made once."""

    def __init__(self) -> None:
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals["asset_version"] = _asset_version()

    def render(
        self,
        request: Request,
        lang: Lang,
        template: str,
        context: dict[str, Any],
        status_code: int = 200,
    ) -> Response:
        """The page, with gettext bound to the reader's language; `?lang=` is remembered."""
        here = request.url.path
        query = {k: v for k, v in request.query_params.items() if k != "lang"}

        def switch(code: str) -> str:
            return here + "?" + urlencode({**query, "lang": code})

        values = {
            "request": request,
            "lang": lang,
            "_": lang.gettext,
            "gettext": lang.gettext,
            "ngettext": lang.ngettext,
            "switch_lang": switch,
            "staff": None,
            "csrf": "",
            **context,
        }
        html = self.env.get_template(template).render(values)
        response = HTMLResponse(html, status_code=status_code)
        remember(request, response)
        return response


def remember(request: Request, response: Response) -> None:
    """Keep the language chosen with `?lang=` for the next pages."""
    chosen = request.query_params.get("lang")
    if chosen in LOCALES and chosen != request.cookies.get(LANG_COOKIE):
        response.set_cookie(LANG_COOKIE, chosen, max_age=_YEAR, samesite="lax", httponly=True)


@dataclass
class Web:
    """What every page reads: the router (and so services and catalogs), templates, the key
    that signs session cookies."""

    router: Router
    pages: Pages
    key: bytes
    kept: dict[str, Any] = field(default_factory=dict)  # what a page keeps for a while

    def lang(self, request: Request) -> Lang:
        """The reader's language."""
        return lang_of(request, self.router.services.i18n)

    def page(
        self, request: Request, template: str, status_code: int = 200, **context: Any
    ) -> Response:
        """A public page in the reader's language."""
        return self.pages.render(request, self.lang(request), template, context, status_code)


def web_of(request: Request) -> Web:
    """The site's shared state."""
    web: Web = request.app.state.web
    return web
