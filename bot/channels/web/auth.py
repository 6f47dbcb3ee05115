"""Staff on the web pages: the one-time link that logs in, the session cookie, logging out,
and the guard every staff page sits behind (the role read afresh on every request, the CSRF
token checked on every form)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.web.pages import web_of
from bot.core.clock import utcnow
from bot.core.i18n import Lang
from bot.services.permissions import Permission, allowed, needed
from bot.services.web_login import SESSION_IDLE, SESSION_VALID, may_log_in
from storage.roles import Role
from storage.users import User
from storage.web_sessions import LinkState, WebSession

__all__ = ["COOKIE", "Attempts", "Staff", "StaffPage", "routes", "staff_page"]

log = logging.getLogger("ketnoi.web")

COOKIE = "ketnoi_staff"
StaffPage = Callable[[Request, "Staff"], Awaitable[Response]]


@dataclass
class Staff:
    """The member of staff behind a request: who, with which role now, in which language."""

    user: User
    role: Role
    session: WebSession
    lang: Lang
    form: FormData | None = None  # a POST's fields, its CSRF token checked
    notices: list[str] = field(default_factory=list)

    def may(self, permission: Permission) -> bool:
        """Whether the role has `permission`."""
        return allowed(self.role, permission)

    def field(self, name: str, default: str = "") -> str:
        """A text field of the form, stripped."""
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else default

    def fields(self, name: str) -> list[str]:
        """Every value of a repeated field (ticked boxes)."""
        if self.form is None:
            return []
        return [v for v in self.form.getlist(name) if isinstance(v, str)]


def _sign(key: bytes, token: str) -> str:
    mac = hmac.new(key, token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _cookie_value(key: bytes, token: str) -> str:
    return f"{token}.{_sign(key, token)}"


def _token_of(request: Request) -> str | None:
    """The session token of the request's cookie, if its signature holds."""
    raw = request.cookies.get(COOKIE, "")
    token, _, signature = raw.rpartition(".")
    if not token or not hmac.compare_digest(signature, _sign(web_of(request).key, token)):
        return None
    return token


def _secure(request: Request) -> bool:
    settings = web_of(request).router.services.settings
    root = settings.web_url or ""
    return request.url.scheme == "https" or root.startswith("https://")


class Attempts:
    """Sign-in tries that failed, by address: after `most` within `window` that address is
    answered "wait" without the link being looked at, until the oldest try is `window` old.
    Links are too long to guess; this keeps a script from hammering the database trying."""

    def __init__(self, most: int = 20, window: timedelta = timedelta(minutes=10)) -> None:
        self.most = most
        self.window = window
        self.failed: dict[str, deque[datetime]] = {}

    def _recent(self, who: str) -> deque[datetime]:
        tries = self.failed.setdefault(who, deque())
        while tries and tries[0] <= utcnow() - self.window:
            tries.popleft()
        if not tries:
            del self.failed[who]
            return deque()
        return tries

    def blocked(self, who: str) -> int:
        """Minutes to wait (0: may try now)."""
        tries = self._recent(who)
        if len(tries) < self.most:
            return 0
        left = tries[0] + self.window - utcnow()
        return max(1, -(-int(left.total_seconds()) // 60))

    def failed_once(self, who: str) -> None:
        """Count a failed try."""
        if len(self.failed) > 10_000:  # many addresses at once: forget the oldest
            self.failed.pop(next(iter(self.failed)))
        self.failed.setdefault(who, deque()).append(utcnow())


def _address(request: Request) -> str:
    # Behind a reverse proxy on this machine this is the visitor's address: uvicorn reads
    # X-Forwarded-For from proxies in FORWARDED_ALLOW_IPS (default 127.0.0.1), see
    # https://github.com/encode/uvicorn/pull/1421 (docs/deployment.md, --forwarded-allow-ips).
    return request.client.host if request.client else "?"


def _attempts(request: Request) -> Attempts:
    attempts: Attempts = request.app.state.attempts
    return attempts


def _wait_page(request: Request, minutes: int) -> Response:
    response = web_of(request).page(
        request, "staff/too_many.html", status_code=429, minutes=minutes
    )
    response.headers["Retry-After"] = str(minutes * 60)
    return response


async def login_form(request: Request) -> Response:
    """The link from the chat: a button that logs in. Opening the link changes nothing, so
    the previews that chat apps fetch of links do not use it up."""
    web = web_of(request)
    token = request.path_params["token"]
    wait = _attempts(request).blocked(_address(request))
    if wait:
        return _wait_page(request, wait)
    state = await web.router.services.web_sessions.link_state(token)
    if state is not LinkState.VALID:
        _attempts(request).failed_once(_address(request))
        return web.page(request, "staff/link_spent.html", status_code=410, state=state.value)
    return web.page(request, "staff/login.html", token=token)


async def login(request: Request) -> Response:
    """Uses the link (once) and opens a session for its staff member."""
    web = web_of(request)
    svc = web.router.services
    token = request.path_params["token"]
    wait = _attempts(request).blocked(_address(request))
    if wait:
        return _wait_page(request, wait)
    user_id = await svc.web_sessions.use_link(token)
    user = await svc.users.get(user_id) if user_id is not None else None
    if user is None:
        _attempts(request).failed_once(_address(request))
        state = await svc.web_sessions.link_state(token)
        return web.page(request, "staff/link_spent.html", status_code=410, state=state.value)
    if not await may_log_in(svc.roles, user):
        await svc.audit.refused_page(user, Role.VIEWER, None, "POST", "/dang-nhap")
        return web.page(request, "staff/refused.html", status_code=403)
    session = secrets.token_urlsafe(32)
    async with svc.db.transaction():
        await svc.web_sessions.open(session, user.id, secrets.token_urlsafe(24), SESSION_IDLE)
        await svc.audit.record(_Actor(user), "web.login", target=f"user:{user.id}")
    response = RedirectResponse("/quan-tri", status_code=303)
    response.set_cookie(
        COOKIE,
        _cookie_value(web.key, session),
        max_age=int(SESSION_VALID.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    log.info("staff user %s logged in to the web pages", user.id)
    return response


@dataclass
class _Actor:
    user: User


async def _staff(request: Request) -> tuple[str, WebSession, User] | None:
    """The open session of the request and its user."""
    token = _token_of(request)
    if token is None:
        return None
    svc = web_of(request).router.services
    session = await svc.web_sessions.get(token)
    if session is None:
        return None
    await svc.web_sessions.touch(token, SESSION_IDLE, SESSION_VALID)
    user = await svc.users.get(session.user_id)
    return (token, session, user) if user is not None else None


def staff_page(permission: Permission) -> Callable[[StaffPage], Callable[[Request], Any]]:
    """Let the endpoint run only for a logged-in member of staff whose role, read now, has
    `permission` (the chat's table); a form must carry the session's CSRF token. Anyone else
    gets the login page or a refusal, and a refusal goes to the audit log."""

    def wrap(endpoint: StaffPage) -> Callable[[Request], Awaitable[Response]]:
        async def guarded(request: Request) -> Response:
            web = web_of(request)
            svc = web.router.services
            found = await _staff(request)
            if found is None:
                return web.page(request, "staff/login_needed.html", status_code=401)
            _token, session, user = found
            role = await svc.roles.role_of(user)
            if role is None or not allowed(role, permission):
                await svc.audit.refused_page(
                    user, needed(permission), role, request.method, request.url.path
                )
                log.warning("refused: web page %s for role %s", request.url.path, role)
                return web.page(request, "staff/refused.html", status_code=403)
            staff = Staff(user=user, role=role, session=session, lang=web.lang(request))
            if request.method == "POST":
                form = await request.form()
                given = form.get("csrf")
                if not isinstance(given, str) or not hmac.compare_digest(given, session.csrf):
                    return web.page(request, "staff/csrf.html", status_code=403)
                staff.form = form
            return await endpoint(request, staff)

        guarded.__name__ = endpoint.__name__
        guarded.__doc__ = endpoint.__doc__
        guarded.permission = permission  # type: ignore[attr-defined]  # read by the tests
        return guarded

    return wrap


@staff_page(Permission.STAFF)
async def logout(request: Request, staff: Staff) -> Response:
    """Ends the session."""
    svc = web_of(request).router.services
    token = _token_of(request)
    if token is not None:
        async with svc.db.transaction():
            await svc.web_sessions.end(token)
            await svc.audit.record(staff, "web.logout", target=f"user:{staff.user.id}")
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@staff_page(Permission.STAFF)
async def keep_alive(request: Request, staff: Staff) -> Response:
    """Asked by the pages' script every few minutes while someone types in a form: the
    session does not lapse under a long announcement (a desk left alone still does)."""
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    """Logging in and out."""
    return [
        Route("/quan-tri/phien", keep_alive, methods=["GET"]),
        Route("/dang-nhap/{token}", login_form, methods=["GET"]),
        Route("/dang-nhap/{token}", login, methods=["POST"]),
        Route("/dang-xuat", logout, methods=["POST"]),
    ]
