"""The staff pages under /quan-tri: each module one tool, each page behind `staff_page` with
the permission the chat's table gives that tool."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.channels.web.auth import Staff
from bot.channels.web.pages import web_of
from bot.core.i18n import N_
from bot.dialog.router import Router
from bot.services.permissions import Permission
from storage.roles import Role

__all__ = ["ROLE_NAMES", "Acting", "back", "render"]

ROLE_NAMES: Final = {
    Role.OWNER: N_("owner"),
    Role.ADMIN: N_("administrator"),
    Role.MODERATOR: N_("moderator"),
    Role.VIEWER: N_("viewer"),
}

# (path, label, permission): the menu, in this order, each entry for the roles it allows
_NAV: Final = (
    ("/quan-tri", N_("Overview"), Permission.STAFF),
    ("/quan-tri/dang-ky", N_("Registrations"), Permission.REVIEW),
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


async def render(request: Request, staff: Staff, template: str, **context: Any) -> Response:
    """A staff page: the menu of what the role allows, the CSRF token for its forms."""
    web = web_of(request)
    _ = staff.lang.gettext
    path = request.url.path
    pending = 0
    if staff.may(Permission.REVIEW):
        pending = await web.router.services.registrations.count_pending()
    nav = []
    for href, label, permission in _NAV:
        if staff.may(permission):
            current = path == href if href == "/quan-tri" else path.startswith(href)
            count = pending if href == "/quan-tri/dang-ky" else 0
            nav.append(_NavItem(href, _(label), current, count))
    flash = request.query_params.get("xong")
    values = {
        "staff": staff,
        "csrf": staff.session.csrf,
        "staff_nav": nav,
        "role_name": _(ROLE_NAMES[staff.role]),
        "flash": flash,
        **context,
    }
    return web.pages.render(request, staff.lang, template, values)


def back(path: str, done: str | None = None, **query: Any) -> Response:
    """After a form: to `path` (303, so a reload does not post again), with what was done."""
    params = {k: v for k, v in query.items() if v not in (None, "")}
    if done:
        params["xong"] = done
    return RedirectResponse(path + ("?" + urlencode(params) if params else ""), status_code=303)


class Acting:
    """A staff action on the web, as a turn is in the chat: one transaction; the messages it
    sends to others (built in their language) are queued by its commit.

    `async with Acting(router, staff) as act:` then `act.notify(user_id, build)`.
    """

    def __init__(self, router: Router, staff: Staff) -> None:
        self.router = router
        self.staff = staff
        self.notifications: list[tuple[int, Callable[..., Any]]] = []
        self._tx: Any = None

    @property
    def user(self) -> Any:
        """The member of staff (what the audit log reads)."""
        return self.staff.user

    def notify(self, user_id: int, build: Callable[..., Any]) -> None:
        """Send someone a message in their language once the action is committed."""
        self.notifications.append((user_id, build))

    async def __aenter__(self) -> Acting:
        self._tx = self.router.services.db.transaction()
        await self._tx.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        import uuid

        if exc[0] is None:
            try:
                for target, build in self.notifications:
                    key = f"notice:{uuid.uuid4().hex}"
                    await self.router.enqueue(target, build, key, lane="notice", at_commit=True)
            except BaseException as error:
                await self._tx.__aexit__(type(error), error, error.__traceback__)
                raise
        await self._tx.__aexit__(*exc)
        if exc[0] is None and self.notifications:
            self.router.on_queued()


Page = Callable[[Request, Staff], Awaitable[Response]]
