"""The staff pages under /quan-tri: each module one tool, each page behind `staff_page` with
the permission the chat's table gives that tool."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.channels.web.auth import Staff
from bot.channels.web.pages import web_of
from bot.core.i18n import N_
from bot.core.types import UserRef
from bot.dialog.router import Build, Router
from bot.services.permissions import Permission
from bot.services.staff_terms import ROLE_NAMES
from storage.users import User

__all__ = ["Acting", "back", "render"]

# (path, label, permission): the menu, in this order, each entry for the roles it allows
_NAV: Final = (
    ("/quan-tri", N_("Overview"), Permission.STAFF),
    ("/quan-tri/dang-ky", N_("Registrations"), Permission.REVIEW),
    ("/quan-tri/bao-cao", N_("Reported members"), Permission.REVIEW),
    ("/quan-tri/hoi-cho", N_("Fairs"), Permission.BOOTHS),
    ("/quan-tri/thong-bao", N_("Announcements"), Permission.BROADCAST),
    ("/quan-tri/xuat", N_("Exports"), Permission.EXPORT),
    ("/quan-tri/cau-hoi", N_("Questions"), Permission.FAQ),
    ("/quan-tri/nhap", N_("Import"), Permission.IMPORT),
    ("/quan-tri/nhat-ky", N_("Audit log"), Permission.AUDIT),
    ("/quan-tri/vai-tro", N_("Roles"), Permission.ROLES),
)


@dataclass
class _NavItem:
    href: str
    label: str
    current: bool
    count: int = 0


async def render(
    request: Request, staff: Staff, template: str, status_code: int = 200, **context: Any
) -> Response:
    """A staff page: the menu of what the role allows, the CSRF token for its forms."""
    web = web_of(request)
    _ = staff.lang.gettext
    path = request.url.path
    pending = reported = 0
    if staff.may(Permission.REVIEW):
        pending = await web.router.services.registrations.count_pending()
        reported = await web.router.services.chain.open_reports()
    nav = []
    for href, label, permission in _NAV:
        if staff.may(permission):
            current = path == href if href == "/quan-tri" else path.startswith(href)
            count = {"/quan-tri/dang-ky": pending, "/quan-tri/bao-cao": reported}.get(href, 0)
            nav.append(_NavItem(href, _(label), current, count))
    values = {
        "staff": staff,
        "csrf": staff.session.csrf,
        "staff_nav": nav,
        "role_name": _(ROLE_NAMES[staff.role]),
        "done": None,  # what the last form did, and why it did not (pages that say so)
        "problem": None,
        **context,
    }
    return web.pages.render(request, staff.lang, template, values, status_code)


def back(path: str, done: str | None = None, **query: Any) -> Response:
    """After a form: to `path` (303, so that a reload does not post again), saying what was
    done (`xong`) or why nothing was (`loi`, among `query`)."""
    address, _sep, kept = path.partition("?")
    params = {k: v for k, v in parse_qsl(kept) if k not in ("xong", "loi")}
    params |= {k: str(v) for k, v in query.items() if v not in (None, "")}
    if done:
        params["xong"] = done
    return RedirectResponse(address + ("?" + urlencode(params) if params else ""), status_code=303)


class Acting:
    """A staff action on the web, as a turn is in the chat: one transaction; the messages it
    sends to others (built in their language) are queued by its commit.

    `async with Acting(router, staff) as act:` then `act.notify(user_id, build)`.
    """

    def __init__(self, router: Router, staff: Staff) -> None:
        self.router = router
        self.staff = staff
        self.notifications: list[tuple[int | UserRef, Build]] = []
        self._tx = router.services.db.transaction()

    @property
    def user(self) -> User:
        """The member of staff (who the audit log names)."""
        return self.staff.user

    def notify(self, user: int | UserRef, build: Build) -> None:
        """Send someone a message in their language once the action is committed."""
        self.notifications.append((user, build))

    async def __aenter__(self) -> Acting:
        await self._tx.__aenter__()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if error is None:
            try:
                for target, build in self.notifications:
                    key = f"notice:{uuid.uuid4().hex}"
                    await self.router.services.enqueue(
                        target, build, key, lane="notice", at_commit=True
                    )
            except BaseException as failed:
                await self._tx.__aexit__(type(failed), failed, failed.__traceback__)
                raise
        await self._tx.__aexit__(kind, error, trace)
        if error is None and self.notifications:
            self.router.on_queued()


Page = Callable[[Request, Staff], Awaitable[Response]]
