"""The links members make (issue 20): who may be found, requests to connect, blocks, reports to
staff, the meeting slots exhibitors offer at fairs, and the counts the Department reports."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel

from bot.core.clock import utcnow
from storage.engine import Database, Row
from storage.enterprises import Enterprise

__all__ = [
    "ChainRepo",
    "ConnectionRequest",
    "LinkCount",
    "MeetingSlot",
    "MemberReport",
    "RequestStatus",
]

CANDIDATES: Final = 300  # members ranked for one search at most (the newest approved first)


class RequestStatus(StrEnum):
    """Where a request to connect stands."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"  # one of the two left the network, or blocked the other


class ConnectionRequest(BaseModel):
    """A request to connect from one member to another."""

    id: int
    from_id: int | None
    to_id: int | None
    reason: str | None
    status: RequestStatus
    chain_pair: str
    sector: str | None
    created_at: datetime
    decided_at: datetime | None = None


class MemberReport(BaseModel):
    """A member reported to staff, with who reported them and why."""

    id: int
    reporter_id: int | None
    reported_id: int | None
    reason: str
    created_at: datetime
    seen_by: int | None = None
    seen_at: datetime | None = None


class MeetingSlot(BaseModel):
    """A half-hour an exhibitor offers at a fair; `buyer_id` once a member took it."""

    id: int
    fair_id: int
    enterprise_id: int
    starts_at: datetime
    buyer_id: int | None = None
    reason: str | None = None
    booked_at: datetime | None = None


class LinkCount(BaseModel):
    """Requests of one month (local 'YYYY-MM'), pair along the chain, craft and status."""

    month: str
    chain_pair: str
    sector: str | None
    status: str
    n: int


def _enterprise(row: Row) -> Enterprise:
    values = dict(row)
    for name in ("roles", "sectors", "practices", "shown"):
        values[name] = json.loads(values[name])
    return Enterprise.model_validate(values)


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


_NOT_BLOCKED: Final = (
    "NOT EXISTS (SELECT 1 FROM member_blocks b WHERE (b.enterprise_id = ? AND b.blocked_id = e.id)"
    " OR (b.enterprise_id = e.id AND b.blocked_id = ?))"
)


class ChainRepo:
    """Reads and writes `connection_requests`, `member_blocks`, `member_reports` and
    `meeting_slots`, and finds the members who chose to be found."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- finding -----------------------------------------------------------------------------

    async def findable(
        self,
        seeker: int,
        *,
        roles: Iterable[str] = (),
        sectors: Iterable[str] = (),
        wards: Iterable[str] = (),
        province: str | None = None,
    ) -> list[Enterprise]:
        """Approved members who chose to be found, other than `seeker` and anyone blocked
        either way, with any of these roles and crafts, in these wards (or this province)."""
        where = ["e.status = 'approved'", "e.findable = 1", "e.id != ?", _NOT_BLOCKED]
        params: list[Any] = [seeker, seeker, seeker]
        for column, values in (("roles", list(roles)), ("sectors", list(sectors))):
            if values:
                where.append(
                    f"EXISTS (SELECT 1 FROM json_each(e.{column}) WHERE value IN"
                    f" ({_marks(values)}))"
                )
                params += values
        if wanted := list(wards):
            where.append(f"e.ward_code IN ({_marks(wanted)})")
            params += wanted
        elif province:
            where.append("e.province = ?")
            params.append(province)
        rows = await self.db.fetchall(
            f"SELECT e.* FROM enterprises e WHERE {' AND '.join(where)}"
            " ORDER BY e.reviewed_at DESC, e.id DESC LIMIT ?",
            [*params, CANDIDATES],
        )
        return [_enterprise(r) for r in rows]

    # -- requests ----------------------------------------------------------------------------

    async def ask(
        self, from_id: int, to_id: int, reason: str, chain_pair: str, sector: str | None
    ) -> ConnectionRequest:
        """Store an open request."""
        now = utcnow().isoformat()
        async with self.db.transaction():
            row = await self.db.fetchone(
                "INSERT INTO connection_requests (from_id, to_id, reason, status, chain_pair,"
                " sector, created_at) VALUES (?, ?, ?, 'open', ?, ?, ?) RETURNING *",
                (from_id, to_id, reason, chain_pair, sector, now),
            )
        assert row is not None
        return ConnectionRequest.model_validate(dict(row))

    async def sent_since(self, from_id: int, since: datetime) -> int:
        """How many requests the member sent since `since`."""
        row = await self.db.fetchone(
            "SELECT count(*) AS n FROM connection_requests WHERE from_id = ? AND created_at >= ?",
            (from_id, since.isoformat()),
        )
        return int(row["n"]) if row else 0

    async def between(self, a: int, b: int) -> ConnectionRequest | None:
        """The latest open or accepted request between two members, either way."""
        row = await self.db.fetchone(
            "SELECT * FROM connection_requests WHERE status IN ('open', 'accepted') AND"
            " ((from_id = ? AND to_id = ?) OR (from_id = ? AND to_id = ?))"
            " ORDER BY id DESC LIMIT 1",
            (a, b, b, a),
        )
        return ConnectionRequest.model_validate(dict(row)) if row else None

    async def get(self, request_id: int) -> ConnectionRequest | None:
        """The request with this id."""
        row = await self.db.fetchone(
            "SELECT * FROM connection_requests WHERE id = ?", (request_id,)
        )
        return ConnectionRequest.model_validate(dict(row)) if row else None

    async def latest_open_to(self, to_id: int) -> ConnectionRequest | None:
        """The newest request waiting for this member's answer."""
        row = await self.db.fetchone(
            "SELECT * FROM connection_requests WHERE to_id = ? AND status = 'open'"
            " ORDER BY id DESC LIMIT 1",
            (to_id,),
        )
        return ConnectionRequest.model_validate(dict(row)) if row else None

    async def decide(self, request_id: int, status: RequestStatus) -> ConnectionRequest | None:
        """Accept, decline or cancel an open request; None if it is no longer open."""
        async with self.db.transaction():
            row = await self.db.fetchone(
                "UPDATE connection_requests SET status = ?, decided_at = ?"
                " WHERE id = ? AND status = 'open' RETURNING *",
                (status.value, utcnow().isoformat(), request_id),
            )
        return ConnectionRequest.model_validate(dict(row)) if row else None

    # -- blocks and reports ------------------------------------------------------------------

    async def block(self, enterprise_id: int, blocked_id: int) -> None:
        """`enterprise_id` no longer hears from `blocked_id`; open requests between them end."""
        now = utcnow().isoformat()
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO member_blocks (enterprise_id, blocked_id, created_at)"
                " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (enterprise_id, blocked_id, now),
            )
            await self.db.execute(
                "UPDATE connection_requests SET status = 'cancelled', decided_at = ?"
                " WHERE status = 'open' AND ((from_id = ? AND to_id = ?)"
                " OR (from_id = ? AND to_id = ?))",
                (now, enterprise_id, blocked_id, blocked_id, enterprise_id),
            )

    async def blocked(self, a: int, b: int) -> bool:
        """Whether either member blocked the other."""
        row = await self.db.fetchone(
            "SELECT 1 FROM member_blocks WHERE (enterprise_id = ? AND blocked_id = ?)"
            " OR (enterprise_id = ? AND blocked_id = ?)",
            (a, b, b, a),
        )
        return row is not None

    async def report(self, reporter_id: int, reported_id: int, reason: str) -> MemberReport:
        """Store a report for staff."""
        async with self.db.transaction():
            row = await self.db.fetchone(
                "INSERT INTO member_reports (reporter_id, reported_id, reason, created_at)"
                " VALUES (?, ?, ?, ?) RETURNING *",
                (reporter_id, reported_id, reason, utcnow().isoformat()),
            )
        assert row is not None
        return MemberReport.model_validate(dict(row))

    async def reports(self, limit: int = 50) -> list[MemberReport]:
        """The newest reports, those not dealt with first."""
        rows = await self.db.fetchall(
            "SELECT * FROM member_reports ORDER BY seen_at IS NOT NULL, id DESC LIMIT ?", (limit,)
        )
        return [MemberReport.model_validate(dict(r)) for r in rows]

    async def open_reports(self) -> int:
        """How many reports no member of staff has dealt with yet."""
        row = await self.db.fetchone(
            "SELECT count(*) AS n FROM member_reports WHERE seen_at IS NULL", quick=False
        )
        return int(row["n"]) if row else 0

    async def seen(self, report_id: int, by: int) -> MemberReport | None:
        """Mark a report dealt with by a member of staff; None if it was already."""
        async with self.db.transaction():
            row = await self.db.fetchone(
                "UPDATE member_reports SET seen_by = ?, seen_at = ? WHERE id = ?"
                " AND seen_at IS NULL RETURNING *",
                (by, utcnow().isoformat(), report_id),
            )
        return MemberReport.model_validate(dict(row)) if row else None

    async def reports_about(self, reported_id: int) -> int:
        """How many reports name this member."""
        row = await self.db.fetchone(
            "SELECT count(*) AS n FROM member_reports WHERE reported_id = ?", (reported_id,)
        )
        return int(row["n"]) if row else 0

    # -- meetings at fairs -------------------------------------------------------------------

    async def offer(self, fair_id: int, enterprise_id: int, starts: Iterable[datetime]) -> int:
        """Offer half-hour slots (UTC starts); those offered already are kept. How many new."""
        rows = [(fair_id, enterprise_id, s.astimezone(UTC).isoformat()) for s in starts]
        async with self.db.transaction():
            return await self.db.executemany(
                "INSERT INTO meeting_slots (fair_id, enterprise_id, starts_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                rows,
            )

    async def slots(
        self, fair_id: int, enterprise_id: int | None = None, *, free: bool = False
    ) -> list[MeetingSlot]:
        """The slots of a fair (of one exhibitor), in time order; `free`: not taken yet."""
        where, params = ["fair_id = ?"], [fair_id]
        if enterprise_id is not None:
            where.append("enterprise_id = ?")
            params.append(enterprise_id)
        if free:
            where.append("buyer_id IS NULL")
        rows = await self.db.fetchall(
            f"SELECT * FROM meeting_slots WHERE {' AND '.join(where)} ORDER BY starts_at, id",
            params,
        )
        return [MeetingSlot.model_validate(dict(r)) for r in rows]

    async def slot(self, slot_id: int) -> MeetingSlot | None:
        """The slot with this id."""
        row = await self.db.fetchone("SELECT * FROM meeting_slots WHERE id = ?", (slot_id,))
        return MeetingSlot.model_validate(dict(row)) if row else None

    async def book(self, slot_id: int, buyer_id: int, reason: str) -> MeetingSlot | None:
        """Take a free slot; None if someone took it first."""
        async with self.db.transaction():
            row = await self.db.fetchone(
                "UPDATE meeting_slots SET buyer_id = ?, reason = ?, booked_at = ?"
                " WHERE id = ? AND buyer_id IS NULL RETURNING *",
                (buyer_id, reason, utcnow().isoformat(), slot_id),
            )
        return MeetingSlot.model_validate(dict(row)) if row else None

    async def offering(self, enterprise_id: int, after: datetime) -> list[int]:
        """The fairs at which this member has free slots after `after`."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT fair_id FROM meeting_slots WHERE enterprise_id = ?"
            " AND buyer_id IS NULL AND starts_at > ? ORDER BY fair_id",
            (enterprise_id, after.isoformat()),
        )
        return [int(r["fair_id"]) for r in rows]

    async def fairs_with_slots(self, after: datetime) -> list[int]:
        """The fairs with meeting slots after `after` (staff's schedules)."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT fair_id FROM meeting_slots WHERE starts_at > ? ORDER BY fair_id",
            (after.isoformat(),),
        )
        return [int(r["fair_id"]) for r in rows]

    async def booked_between(self, start: datetime, end: datetime) -> list[MeetingSlot]:
        """Meetings that begin in [start, end): those to remind."""
        rows = await self.db.fetchall(
            "SELECT * FROM meeting_slots WHERE buyer_id IS NOT NULL AND starts_at >= ?"
            " AND starts_at < ? ORDER BY starts_at",
            (start.isoformat(), end.isoformat()),
        )
        return [MeetingSlot.model_validate(dict(r)) for r in rows]

    async def meetings_of(self, enterprise_id: int, after: datetime) -> list[MeetingSlot]:
        """A member's meetings to come, as exhibitor or as buyer."""
        rows = await self.db.fetchall(
            "SELECT * FROM meeting_slots WHERE buyer_id IS NOT NULL AND starts_at > ?"
            " AND (enterprise_id = ? OR buyer_id = ?) ORDER BY starts_at",
            (after.isoformat(), enterprise_id, enterprise_id),
        )
        return [MeetingSlot.model_validate(dict(r)) for r in rows]

    # -- figures -----------------------------------------------------------------------------

    async def link_rows(self) -> list[LinkCount]:
        """Requests per UTC hour ('YYYY-MM-DDTHH' in `month`'s place: the service groups them
        by local month), pair along the chain, craft and status."""
        rows = await self.db.fetchall(
            "SELECT substr(created_at, 1, 13) AS month, chain_pair, sector, status,"
            " count(*) AS n FROM connection_requests GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        )
        return [LinkCount.model_validate(dict(r)) for r in rows]
