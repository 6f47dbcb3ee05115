"""Broadcasts: the Department's announcements, their audiences, and how far sending got."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

from pydantic import BaseModel

from bot.core.clock import utcnow
from bot.core.types import Reply
from storage.engine import Database, Row
from storage.outbox import FINAL, OutboxRepo
from storage.zalo_oa import outranked

__all__ = [
    "AUDIENCE_KINDS",
    "Broadcast",
    "BroadcastRepo",
    "Progress",
    "Recipient",
    "parse_audience",
]

# everyone | sector:<key> | role:<key> | ward:<code> | fair:<key> | status:<status>
AUDIENCE_KINDS: Final = ("all", "sector", "role", "ward", "fair", "status")
_LIVE_APPLICATIONS: Final = "('allocated', 'waitlisted', 'offered', 'approved')"

# The identity of each account that a message surely reaches (an app without a window, or a
# Zalo OA follower inside the free 48 hours: storage.zalo_oa.reach_rank) and was seen last
# (reminders and announcements go where the person is now), on a channel that can carry
# announcements, not opted out.
_REACHABLE = (
    "SELECT u.id, u.locale, u.blocked_at, u.account_id FROM users u"
    " WHERE u.channel != 'console' AND u.broadcasts_on = 1"
    " AND NOT EXISTS (SELECT 1 FROM users v WHERE v.account_id = u.account_id"
    " AND v.id != u.id AND {outranked})"
)


def _reachable() -> str:
    """_REACHABLE as of now: the identity a message surely reaches first (reach_rank)."""
    return _REACHABLE.format(outranked=outranked("u", "v", utcnow()))


_ENTERPRISE_WHERE: Final = {
    "sector": "EXISTS (SELECT 1 FROM json_each(e.sectors) WHERE value = ?)",
    "role": "EXISTS (SELECT 1 FROM json_each(e.roles) WHERE value = ?)",
    "ward": "e.ward_code = ?",
    "status": "e.status = ?",
}


class Recipient(BaseModel):
    """Someone an announcement goes to."""

    user_id: int
    locale: str | None
    blocked: bool


class Progress(BaseModel):
    """How far a broadcast got."""

    total: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    unknown: int = 0
    unreachable: int = 0  # the platform no longer lets it reach them (Zalo OA after 7 days)
    cancelled: int = 0

    @property
    def done(self) -> int:
        """Messages whose fate is settled."""
        settled = self.sent + self.blocked + self.failed + self.unknown + self.unreachable
        return settled + self.cancelled

    @property
    def finished(self) -> bool:
        """Whether nothing is left to send."""
        return self.done >= self.total


class Broadcast(BaseModel):
    """One announcement to one audience."""

    id: int
    audience: str
    text: str
    created_by: int | None = None
    total: int
    status: str
    progress: Progress | None = None
    created_at: datetime
    finished_at: datetime | None = None
    send_at: datetime | None = None  # its messages wait until then; None: sent at once


def _broadcast(row: Row) -> Broadcast:
    values = dict(row)
    if values["progress"]:
        values["progress"] = Progress.model_validate_json(values["progress"])
    return Broadcast.model_validate(values)


def _audience_sql(audience: str) -> tuple[str, list[str]]:
    """The query of (id, locale, blocked_at, account_id) of an audience's recipients."""
    kind, _, arg = audience.partition(":")
    if kind == "all":
        return _reachable(), []
    if kind in _ENTERPRISE_WHERE:
        accounts = f"SELECT e.account_id FROM enterprises e WHERE {_ENTERPRISE_WHERE[kind]}"
        if kind != "sector":
            return f"SELECT * FROM ({_reachable()}) AS r WHERE account_id IN ({accounts})", [arg]
        accounts += " UNION SELECT account_id FROM sector_follows WHERE sector = ?"
        return f"SELECT * FROM ({_reachable()}) AS r WHERE account_id IN ({accounts})", [arg, arg]
    if kind == "fair":
        accounts = (
            "SELECT a.account_id FROM booth_applications a JOIN fairs f ON f.id = a.fair_id"
            f" WHERE f.key = ? AND a.status IN {_LIVE_APPLICATIONS}"
        )
        return f"SELECT * FROM ({_reachable()}) AS r WHERE account_id IN ({accounts})", [arg]
    raise ValueError(f"unknown audience {audience!r}")


def parse_audience(audience: str) -> tuple[str, str]:
    """('sector', 'ceramics') from 'sector:ceramics'; ValueError when it makes no sense."""
    kind, _, arg = audience.partition(":")
    if kind not in AUDIENCE_KINDS or (kind == "all") == bool(arg):
        raise ValueError(f"unknown audience {audience!r}")
    return kind, arg


class BroadcastRepo:
    """Reads and writes `broadcasts` and queues their messages in the outbox."""

    def __init__(self, db: Database, outbox: OutboxRepo) -> None:
        self.db = db
        self.outbox = outbox

    async def recipients(self, audience: str) -> list[Recipient]:
        """Who an audience reaches now, by user id."""
        parse_audience(audience)
        sql, params = _audience_sql(audience)
        rows = await self.db.fetchall(f"SELECT * FROM ({sql}) AS q ORDER BY id", params)
        return [
            Recipient(user_id=r["id"], locale=r["locale"], blocked=r["blocked_at"] is not None)
            for r in rows
        ]

    async def create(
        self,
        audience: str,
        text: str,
        created_by: int | None,
        build: Callable[[str | None], list[Reply]],
        not_before: datetime | None = None,
    ) -> Broadcast:
        """Record a broadcast and queue one message per recipient, built in their language;
        with `not_before`, the messages wait until then (the audience is counted now).

        Call inside a transaction: the broadcast and all its messages exist, or none.
        """
        recipients = await self.recipients(audience)
        send_at = not_before.astimezone(utcnow().tzinfo).isoformat() if not_before else None
        row = await self.db.fetchone(
            "INSERT INTO broadcasts (audience, text, created_by, total, created_at, send_at)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
            (audience, text, created_by, len(recipients), utcnow().isoformat(), send_at),
        )
        assert row is not None
        broadcast = _broadcast(row)
        by_locale: dict[str | None, list[int]] = {}
        for r in recipients:
            by_locale.setdefault(r.locale, []).append(r.user_id)
        for locale, user_ids in by_locale.items():
            await self.outbox.enqueue_many(
                [(uid, f"broadcast:{broadcast.id}:user:{uid}") for uid in user_ids],
                build(locale),
                broadcast_id=broadcast.id,
                not_before=not_before,
            )
        return broadcast

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """The broadcast with this id."""
        row = await self.db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return _broadcast(row) if row else None

    async def page(self, offset: int = 0, limit: int = 20) -> tuple[list[Broadcast], int]:
        """The latest broadcasts first (a page of them), and how many there are."""
        rows = await self.db.fetchall(
            "SELECT *, count(*) OVER () AS n FROM broadcasts ORDER BY id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        if rows:
            return [_broadcast(r) for r in rows], int(rows[0]["n"])
        row = await self.db.fetchone("SELECT count(*) FROM broadcasts")
        return [], int(row[0]) if row else 0

    async def sending(self) -> list[Broadcast]:
        """Broadcasts still being sent, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM broadcasts WHERE status = 'sending' ORDER BY id"
        )
        return [_broadcast(r) for r in rows]

    async def progress(self, broadcast: Broadcast) -> Progress:
        """Where the broadcast's messages stand now."""
        counts = await self.outbox.counts(broadcast.id)
        settled = {status: counts.get(status, 0) for status in FINAL}
        return Progress(total=broadcast.total, **settled)

    async def save_progress(self, broadcast_id: int, progress: Progress) -> None:
        """Remember the progress last shown."""
        await self.db.execute(
            "UPDATE broadcasts SET progress = ? WHERE id = ?",
            (progress.model_dump_json(), broadcast_id),
        )

    async def finish(self, broadcast_id: int, status: str = "done") -> bool:
        """Mark a broadcast done (or cancelled); False if it was already over."""
        changed = await self.db.execute(
            "UPDATE broadcasts SET status = ?, finished_at = ? WHERE id = ? AND status = 'sending'",
            (status, utcnow().isoformat(), broadcast_id),
        )
        return changed > 0

    async def stop(self, broadcast_id: int) -> int:
        """Withdraw what has not gone yet; returns how many messages were withdrawn."""
        return await self.outbox.cancel_broadcast(broadcast_id)
