"""Staff on the web pages: one-time login links and the sessions they open.

Tokens are kept only as SHA-256 hashes: whoever reads the database cannot log in with them.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel

from bot.core.clock import utcnow
from storage.engine import Database

__all__ = ["LinkState", "WebSession", "WebSessionRepo", "token_hash"]


def token_hash(token: str) -> str:
    """How a token is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


class LinkState(StrEnum):
    """What a login link is worth now."""

    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


class WebSession(BaseModel):
    """A staff member's open session."""

    user_id: int
    csrf: str
    created_at: datetime
    expires_at: datetime


class WebSessionRepo:
    """Reads and writes `web_logins` and `web_sessions`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_link(self, token: str, user_id: int, valid_for: timedelta) -> datetime:
        """Keep a new login link for the user; returns when it lapses."""
        now = utcnow()
        expires = now + valid_for
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO web_logins (token_hash, user_id, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (token_hash(token), user_id, now.isoformat(), expires.isoformat()),
            )
        return expires

    async def links_since(self, user_id: int, window: timedelta) -> int:
        """How many links were made for the user within `window` until now."""
        since = (utcnow() - window).isoformat()
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM web_logins WHERE user_id = ? AND created_at > ?",
            (user_id, since),
        )
        return int(row[0]) if row else 0

    async def link_state(self, token: str) -> LinkState:
        """Whether the link can still be used (without using it)."""
        row = await self.db.fetchone(
            "SELECT used_at, expires_at FROM web_logins WHERE token_hash = ?", (token_hash(token),)
        )
        if row is None:
            return LinkState.UNKNOWN
        if row["used_at"] is not None:
            return LinkState.USED
        if datetime.fromisoformat(row["expires_at"]) <= utcnow():
            return LinkState.EXPIRED
        return LinkState.VALID

    async def use_link(self, token: str) -> int | None:
        """Mark the link used, once; the user it was made for, or None if it is not valid."""
        now = utcnow().isoformat()
        async with self.db.transaction():
            row = await self.db.fetchone(
                "UPDATE web_logins SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"
                " AND expires_at > ? RETURNING user_id",
                (now, token_hash(token), now),
            )
        return int(row[0]) if row else None

    async def open(self, token: str, user_id: int, csrf: str, valid_for: timedelta) -> None:
        """Start a session for the user, known by `token` (the cookie's), that lapses after
        `valid_for` unless `touch` keeps it alive (see `touch`)."""
        now = utcnow()

        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO web_sessions (token_hash, user_id, csrf, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (token_hash(token), user_id, csrf, now.isoformat(), (now + valid_for).isoformat()),
            )
            # what has lapsed goes, so the tables stay the size of the staff
            await self.db.execute(
                "DELETE FROM web_sessions WHERE expires_at < ?", (now.isoformat(),)
            )
            await self.db.execute("DELETE FROM web_logins WHERE expires_at < ?", (now.isoformat(),))

    async def get(self, token: str) -> WebSession | None:
        """The session known by `token` if it is open and not expired."""
        row = await self.db.fetchone(
            "SELECT user_id, csrf, created_at, expires_at FROM web_sessions"
            " WHERE token_hash = ? AND ended_at IS NULL AND expires_at > ?",
            (token_hash(token), utcnow().isoformat()),
        )
        return WebSession.model_validate(dict(row)) if row else None

    async def touch(self, token: str, idle: timedelta, longest: timedelta) -> None:
        """The session was used now: it lapses `idle` from now, never later than `longest`
        after it opened (`expires_at` holds the nearer of the two)."""
        row = await self.db.fetchone(
            "SELECT created_at, expires_at FROM web_sessions WHERE token_hash = ?",
            (token_hash(token),),
        )
        if row is None:
            return
        now = utcnow()
        until = min(now + idle, datetime.fromisoformat(row["created_at"]) + longest)
        # written at most once a minute: a page view is not a database write each time
        if until - datetime.fromisoformat(row["expires_at"]) < timedelta(minutes=1):
            return
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE web_sessions SET expires_at = ? WHERE token_hash = ?",
                (until.isoformat(), token_hash(token)),
            )

    async def end(self, token: str) -> bool:
        """Log the session out; False if it was not open."""
        async with self.db.transaction():
            changed = await self.db.execute(
                "UPDATE web_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
                (utcnow().isoformat(), token_hash(token)),
            )
        return changed > 0
