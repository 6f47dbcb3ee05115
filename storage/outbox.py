"""The outbox: durable messages waiting to be sent, each at most once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from pydantic import BaseModel, TypeAdapter

from bot.core.clock import utcnow
from bot.core.types import Reply
from storage.coordination import Coordination, Local
from storage.engine import Database, Row

__all__ = ["FINAL", "LANES", "OutboxRepo", "OutboxRow"]

_REPLIES = TypeAdapter(list[Reply])
# In the order they are served: replies that could not be sent at once (each person's in order,
# one at a time), notices (one person, caused by someone's action), bulk (reminders, broadcasts).
LANES = ("reply", "notice", "bulk")
# A reply row is due only when it is the oldest unsent reply of its person.
_FIRST_REPLY = (
    "(lane != 'reply' OR NOT EXISTS (SELECT 1 FROM outbox AS o WHERE o.user_id = outbox.user_id"
    " AND o.lane = 'reply' AND o.status IN ('pending', 'sending') AND o.id < outbox.id))"
)
FINAL = ("sent", "failed", "blocked", "unknown", "unreachable", "cancelled")


class OutboxRow(BaseModel):
    """One message to one user."""

    id: int
    dedupe_key: str
    user_id: int
    channel: str = ""
    lane: str
    replies: list[Reply]
    status: str
    attempts: int
    not_before: datetime
    created_at: datetime
    sent_at: datetime | None = None
    error: str | None = None
    broadcast_id: int | None = None
    topic: str | None = None
    claimed_by: str | None = None  # the process sending it (storage/coordination)
    handed_at: datetime | None = None  # when it went to the platform (recorded when shared)


def _row(row: Row) -> OutboxRow:
    values = dict(row)
    values["replies"] = _REPLIES.validate_json(values["replies"])
    return OutboxRow.model_validate(values)


_INSERT = (
    "INSERT INTO outbox (dedupe_key, user_id, channel, lane, replies, not_before, created_at,"
    " broadcast_id, topic) SELECT ?, id, channel, ?, ?, ?, ?, ?, ? FROM users WHERE id = ?"
    " ON CONFLICT (dedupe_key) DO NOTHING"
)


def _insert_params(
    recipients: Iterable[tuple[int, str]],
    replies: list[Reply],
    lane: str,
    not_before: datetime | None,
    broadcast_id: int | None,
    topic: str | None,
) -> list[tuple[object, ...]]:
    now = utcnow()
    payload = _REPLIES.dump_json(replies).decode()
    due = (not_before or now).isoformat()
    return [
        (key, lane, payload, due, now.isoformat(), broadcast_id, topic, user_id)
        for user_id, key in recipients
    ]


class OutboxRepo:
    """Reads and writes `outbox`.

    Each claim names the process that made it (`coordination.process`). Where processes share
    the database, a claim skips the rows another sender has locked (SKIP LOCKED), and a claimed
    row records when it is handed to the platform (`handed`), so that the claims of a process
    that died can be told apart: never handed, taken over; handed, 'unknown' (`take_over`).
    """

    def __init__(self, db: Database, coordination: Coordination | None = None) -> None:
        self.db = db
        self.coordination: Coordination = coordination or Local()

    async def enqueue(
        self,
        user_id: int,
        replies: list[Reply],
        dedupe_key: str,
        *,
        lane: str = "bulk",
        not_before: datetime | None = None,
        broadcast_id: int | None = None,
        topic: str | None = None,
    ) -> bool:
        """Queue replies for a user; False if a row with this dedupe key already exists."""
        added = await self.enqueue_many(
            [(user_id, dedupe_key)],
            replies,
            lane=lane,
            not_before=not_before,
            broadcast_id=broadcast_id,
            topic=topic,
        )
        return added > 0

    async def enqueue_many(
        self,
        recipients: Iterable[tuple[int, str]],
        replies: list[Reply],
        *,
        lane: str = "bulk",
        not_before: datetime | None = None,
        broadcast_id: int | None = None,
        topic: str | None = None,
    ) -> int:
        """Queue the same replies for many (user id, dedupe key); returns how many were new."""
        params = _insert_params(recipients, replies, lane, not_before, broadcast_id, topic)
        return await self.db.executemany(_INSERT, params)

    def enqueue_at_commit(
        self,
        user_id: int,
        replies: list[Reply],
        dedupe_key: str,
        *,
        lane: str = "bulk",
        not_before: datetime | None = None,
    ) -> None:
        """Queue replies for a user with the COMMIT of the current transaction (no hop): for a
        row whose dedupe key is new, such as a notice of this turn."""
        (params,) = _insert_params([(user_id, dedupe_key)], replies, lane, not_before, None, None)
        self.db.at_commit(_INSERT, params)

    async def claim(
        self, limit: int, *, channel: str | None = None, lanes: Sequence[str] = LANES
    ) -> list[OutboxRow]:
        """Mark up to `limit` due rows as being sent and return them, notices first."""
        now = utcnow().isoformat()
        where = "status = 'pending' AND lane = ? AND not_before <= ?"
        if channel is not None:
            where += " AND channel = ?"

        claimed: list[Row] = []
        me, locks = self.coordination.process, self.coordination.row_locks
        async with self.db.transaction():
            for lane in lanes:
                want = limit - len(claimed)
                if want <= 0:
                    break
                params = (lane, now, channel, want) if channel is not None else (lane, now, want)
                first = f" AND {_FIRST_REPLY}" if lane == "reply" else ""
                # The rows picked once (MATERIALIZED: PostgreSQL may otherwise run a locking
                # subquery again for each row it updates, taking more than LIMIT); status again
                # outside: a row another sender took meanwhile is not taken twice.
                rows = await self.db.fetchall(
                    f"WITH picked AS MATERIALIZED (SELECT id FROM outbox WHERE {where}{first}"
                    f" ORDER BY not_before, id LIMIT ?{locks})"
                    " UPDATE outbox SET status = 'sending', attempts = attempts + 1,"
                    " claimed_by = ?, handed_at = NULL WHERE status = 'pending'"
                    " AND id IN (SELECT id FROM picked) RETURNING *",
                    (*params, me),
                )
                claimed += sorted(rows, key=lambda r: (r["not_before"], r["id"]))
        return [_row(r) for r in claimed]

    async def next_due(
        self, *, channel: str | None = None, lanes: Sequence[str] = LANES
    ) -> datetime | None:
        """When the earliest pending row of these lanes falls due."""
        marks = ", ".join("?" * len(lanes))
        sql = (
            f"SELECT min(not_before) FROM outbox WHERE status = 'pending' AND lane IN ({marks})"
            f" AND {_FIRST_REPLY}"
        )
        params: list[object] = list(lanes)
        if channel is not None:
            sql += " AND channel = ?"
            params.append(channel)
        row = await self.db.fetchone(sql, params)
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def finish(self, row_id: int, status: str, error: str | None = None) -> None:
        """Record how sending a claimed row ended: sent, failed, blocked, unknown or
        unreachable."""
        sent_at = utcnow().isoformat() if status == "sent" else None
        await self.db.execute(
            "UPDATE outbox SET status = ?, sent_at = ?, error = ? WHERE id = ?",
            (status, sent_at, error, row_id),
        )

    async def retry_later(
        self, row_id: int, not_before: datetime, error: str, *, count_attempt: bool = True
    ) -> None:
        """Put a claimed row back in the queue; a 429 or a moved chat is not the row's fault."""
        await self.db.execute(
            "UPDATE outbox SET status = 'pending', not_before = ?, error = ?,"
            " attempts = attempts - ? WHERE id = ?",
            (not_before.isoformat(), error, 0 if count_attempt else 1, row_id),
        )

    async def release(self, row_ids: Sequence[int]) -> int:
        """Put claimed rows that never reached the platform back in the queue, as they were
        (a clean shutdown); returns how many."""
        if not row_ids:
            return 0
        marks = ", ".join("?" * len(row_ids))
        return await self._changes(
            "UPDATE outbox SET status = 'pending', attempts = attempts - 1"
            f" WHERE id IN ({marks}) AND status = 'sending'",
            tuple(row_ids),
        )

    async def mark_in_flight_unknown(self) -> list[OutboxRow]:
        """After a restart of the only process: rows left 'sending' may or may not have
        arrived; never resend them. A reply is the exception: it goes again (a person may see
        it twice rather than never; see bot/channels/retry.py)."""
        return await self.take_over(set(await self.claimants()), unsent_back=False)

    async def handed(self, row_id: int) -> None:
        """The claimed row goes to the platform now: from here on, resending it could deliver
        it twice."""
        await self.db.execute(
            "UPDATE outbox SET handed_at = ? WHERE id = ?", (utcnow().isoformat(), row_id)
        )

    async def claimants(self) -> list[str | None]:
        """The processes that hold rows 'sending' (None: claimed before claims were named)."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT claimed_by FROM outbox WHERE status = 'sending'"
        )
        return [r[0] for r in rows]

    async def take_over(self, gone: set[str | None], *, unsent_back: bool) -> list[OutboxRow]:
        """The rows of processes that stopped: replies go again; with `unsent_back`, rows never
        handed to the platform go back in the queue as they were; every other row becomes
        'unknown', never resent. Returns the rows marked 'unknown' (each by one caller only,
        however many take over at once)."""
        if not gone:
            return []
        names = sorted(p for p in gone if p is not None)
        clauses = []
        if names:
            clauses.append(f"claimed_by IN ({', '.join('?' * len(names))})")
        if None in gone:
            clauses.append("claimed_by IS NULL")
        theirs = f"status = 'sending' AND ({' OR '.join(clauses)})"
        async with self.db.transaction():
            await self.db.execute(
                f"UPDATE outbox SET status = 'pending' WHERE {theirs} AND lane = 'reply'", names
            )
            if unsent_back:
                await self.db.execute(
                    "UPDATE outbox SET status = 'pending', attempts = attempts - 1"
                    f" WHERE {theirs} AND handed_at IS NULL",
                    names,
                )
            rows = await self.db.fetchall(
                "UPDATE outbox SET status = 'unknown',"
                f" error = 'in flight when the bot stopped' WHERE {theirs} RETURNING *",
                names,
            )
        return [_row(r) for r in rows]

    async def replies_waiting(self, user_id: int) -> int:
        """How many replies to this user wait in the outbox (not sent yet, or being sent)."""
        row = await self.db.fetchone(
            "SELECT count(*) FROM outbox WHERE user_id = ? AND lane = 'reply'"
            " AND status IN ('pending', 'sending')",
            (user_id,),
        )
        return int(row[0]) if row else 0

    async def people_with_replies(self) -> list[tuple[str, str]]:
        """(channel, external id) of everyone with replies waiting in the outbox."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT u.channel, u.external_id FROM outbox AS o JOIN users AS u"
            " ON u.id = o.user_id WHERE o.lane = 'reply' AND o.status IN ('pending', 'sending')"
        )
        return [(r[0], r[1]) for r in rows]

    async def cancel_stale(self, prefix: str, keep: str | None) -> int:
        """Withdraw the rows not sent yet whose topic starts with `prefix`, except `keep`."""
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return await self._changes(
            # +status: look rows up by topic (few), not among every pending row (a broadcast's)
            "UPDATE outbox SET status = 'cancelled' WHERE topic >= ? AND topic < ?"
            " AND topic IS NOT ? AND +status = 'pending'",
            (prefix, upper, keep),
        )

    async def cancel_broadcast(self, broadcast_id: int) -> int:
        """Withdraw the rows of a broadcast that have not gone yet."""
        return await self._changes(
            "UPDATE outbox SET status = 'cancelled' WHERE broadcast_id = ? AND status = 'pending'",
            (broadcast_id,),
        )

    async def _changes(self, sql: str, params: tuple[object, ...]) -> int:
        """Run one UPDATE and return how many rows it changed."""
        return await self.db.execute(sql, params)

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

    async def by_topic(self, topic: str) -> list[OutboxRow]:
        """The rows of a topic, oldest first."""
        rows = await self.db.fetchall("SELECT * FROM outbox WHERE topic = ? ORDER BY id", (topic,))
        return [_row(r) for r in rows]

    async def statuses(self, broadcast_id: int) -> dict[int, str]:
        """Each recipient's row status in a broadcast, by user id."""
        rows = await self.db.fetchall(
            "SELECT user_id, status FROM outbox WHERE broadcast_id = ?", (broadcast_id,)
        )
        return {r["user_id"]: r["status"] for r in rows}
