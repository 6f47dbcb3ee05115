"""One-time links that log staff in to the web pages: made by /web in the chat, by
`ketnoi web login` on the server, and by `make run` for the console's staff."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Final

from bot.core.config import Settings
from bot.services.permissions import Permission, allowed
from storage.roles import RoleRepo
from storage.users import User
from storage.web_sessions import WebSessionRepo

__all__ = [
    "LINKS_AT_ONCE",
    "LINK_VALID",
    "SESSION_IDLE",
    "SESSION_VALID",
    "login_link",
    "may_log_in",
    "too_many_links",
]

LINK_VALID: Final = timedelta(minutes=10)
SESSION_VALID: Final = timedelta(hours=8)  # a working day; then a new link
SESSION_IDLE: Final = timedelta(minutes=30)  # a desk left open ends its session sooner
LINKS_AT_ONCE: Final = 5  # links a user may ask for within LINK_VALID


async def too_many_links(sessions: WebSessionRepo, user: User) -> bool:
    """Whether the user already asked for LINKS_AT_ONCE links in the last ten minutes (a
    stolen chat account, or a script, gets no more; staff wait a few minutes)."""
    return await sessions.links_since(user.id, LINK_VALID) >= LINKS_AT_ONCE


async def may_log_in(roles: RoleRepo, user: User) -> bool:
    """Whether the user is staff now (any role)."""
    return allowed(await roles.role_of(user), Permission.STAFF)


async def login_link(
    settings: Settings, sessions: WebSessionRepo, user: User
) -> tuple[str, datetime]:
    """A new link that opens one session for `user`, and when it lapses. The caller checks
    that the user is staff, and that the pages are on (settings.web_root)."""
    assert settings.web_root is not None, "the web pages are off"
    token = secrets.token_urlsafe(32)
    expires = await sessions.add_link(token, user.id, LINK_VALID)
    return f"{settings.web_root}/dang-nhap/{token}", expires
