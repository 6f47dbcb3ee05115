"""The outbox: durable messages waiting to be sent, each at most once."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from pydantic import BaseModel, TypeAdapter

from bot.types import Reply
from storage.db import Database, utcnow

__all__ = ["OutboxRepo", "OutboxRow"]

_REPLIES = TypeAdapter(list[Reply])


class OutboxRow(BaseModel):
    """One message to one user."""

    id: int
    dedupe_key: str
    user_id: int
    lane: str
    replies: list[Reply]
    status: str
    attempts: int
    not_before: datetime
    created_at: datetime
    sent_at: datetime | None = None
    error: str | None = None
    broadcast_id: int | None = None


def _row(row: sqlite3.Row) -> OutboxRow:
    values = dict(row)
    values["replies"] = _REPLIES.validate_json(values["replies"])
    return OutboxRow.model_validate(values)


class OutboxRepo:
    """Reads and writes `outbox`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def enqueue(
        self,
        user_id: int,
        replies: list[Reply],
        dedupe_key: str,
        *,
        lane: str = "bulk",
        not_before: datetime | None = None,
        broadcast_id: int | None = None,
    ) -> bool:
        """Queue replies for a user; False if a row with this dedupe key already exists."""
        now = utcnow()
        payload = _REPLIES.dump_json(replies).decode()
        count = await self.db.execute(
            "INSERT INTO outbox (dedupe_key, user_id, lane, replies, not_before, created_at,"
            " broadcast_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
            (
                dedupe_key,
                user_id,
                lane,
                payload,
                (not_before or now).isoformat(),
                now.isoformat(),
                broadcast_id,
            ),
        )
        return count > 0

    async def claim(self, limit: int, *, lane: str | None = None) -> list[OutboxRow]:
        """Mark up to `limit` due rows as being sent and return them, notices first."""
        now = utcnow().isoformat()
        lane_sql = "AND lane = ?" if lane else ""
        params: tuple[object, ...] = (now, lane, limit) if lane else (now, limit)

        def go(c: sqlite3.Connection) -> list[sqlite3.Row]:
            rows = c.execute(
                f"UPDATE outbox SET status = 'sending', attempts = attempts + 1"
                f" WHERE id IN (SELECT id FROM outbox WHERE status = 'pending'"
                f" AND not_before <= ? {lane_sql}"
                f" ORDER BY lane = 'bulk', not_before, id LIMIT ?) RETURNING *",
                params,
            ).fetchall()
            return sorted(rows, key=lambda r: (r["lane"] == "bulk", r["not_before"], r["id"]))

        async with self.db.transaction():
            rows = await self.db.run(go)
        return [_row(r) for r in rows]

    async def finish(self, row_id: int, status: str, error: str | None = None) -> None:
        """Record how sending a claimed row ended: sent, failed or blocked."""
        sent_at = utcnow().isoformat() if status == "sent" else None
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE outbox SET status = ?, sent_at = ?, error = ? WHERE id = ?",
                (status, sent_at, error, row_id),
            )

    async def retry_later(self, row_id: int, not_before: datetime, error: str) -> None:
        """Put a claimed row back in the queue for a later attempt."""
        async with self.db.transaction():
            await self.db.execute(
                "UPDATE outbox SET status = 'pending', not_before = ?, error = ? WHERE id = ?",
                (not_before.isoformat(), error, row_id),
            )

    async def mark_in_flight_unknown(self) -> list[OutboxRow]:
        """After a restart: rows left 'sending' may or may not have arrived; never resend them."""
        async with self.db.transaction():
            rows = await self.db.fetchall(
                "UPDATE outbox SET status = 'unknown' WHERE status = 'sending' RETURNING *"
            )
        return [_row(r) for r in rows]

    async def counts(self, broadcast_id: int | None = None) -> dict[str, int]:
        """How many rows are in each status (of one broadcast, or of all)."""
        where, params = ("WHERE broadcast_id = ?", (broadcast_id,)) if broadcast_id else ("", ())
        rows = await self.db.fetchall(
            f"SELECT status, count(*) AS n FROM outbox {where} GROUP BY status", params
        )
        return {r["status"]: r["n"] for r in rows}

    async def get(self, dedupe_key: str) -> OutboxRow | None:
        """The row with this dedupe key."""
        row = await self.db.fetchone("SELECT * FROM outbox WHERE dedupe_key = ?", (dedupe_key,))
        return _row(row) if row else None
