"""Booth applications: atomic allocation, the waiting list and its offers, approval, check-in.

Every method that writes expects to run inside `Database.transaction()`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, Field, field_validator

from bot.core.clock import utcnow
from storage.engine import Database, Row

__all__ = [
    "HOLDING",
    "LIVE",
    "BoothApplication",
    "BoothNumbersTaken",
    "BoothRepo",
    "BoothStatus",
]


class BoothStatus(StrEnum):
    """Where a booth application stands."""

    ALLOCATED = "allocated"  # booths held, waiting for the Department's approval
    WAITLISTED = "waitlisted"
    OFFERED = "offered"  # freed booths held for a waitlisted applicant until the offer expires
    APPROVED = "approved"  # booth numbers given
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"  # an offer turned down
    EXPIRED = "expired"  # an offer not answered in time


HOLDING: Final = (BoothStatus.ALLOCATED, BoothStatus.OFFERED, BoothStatus.APPROVED)
LIVE: Final = (*HOLDING, BoothStatus.WAITLISTED)
_HOLDING_SQL: Final = "('allocated', 'offered', 'approved')"
_LIVE_SQL: Final = "('allocated', 'offered', 'approved', 'waitlisted')"


class BoothNumbersTaken(Exception):
    """Some booth numbers are already given to another establishment at the fair."""

    def __init__(self, numbers: list[str]) -> None:
        super().__init__(", ".join(numbers))
        self.numbers = numbers


class BoothApplication(BaseModel):
    """An establishment's request for booths at a fair."""

    id: int
    fair_id: int
    enterprise_id: int
    account_id: int
    booths: int
    products: str
    needs: str = ""
    status: BoothStatus
    booth_numbers: list[str] = Field(default_factory=list)
    reason: str | None = None
    offer_expires_at: datetime | None = None
    checked_in_at: datetime | None = None
    decided_by: int | None = None
    created_at: datetime
    updated_at: datetime

    @field_validator("booth_numbers", mode="before")
    @classmethod
    def _numbers(cls, value: object) -> object:
        if value is None:
            return []
        return json.loads(value) if isinstance(value, str) else value

    @property
    def live(self) -> bool:
        """Whether the application still holds or waits for booths."""
        return self.status in LIVE


def _app(row: Row) -> BoothApplication:
    return BoothApplication.model_validate(dict(row))


def _first(rows: list[Row]) -> BoothApplication | None:
    return _app(rows[0]) if rows else None


class BoothRepo:
    """Reads and writes `booth_applications`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def apply(
        self,
        fair_id: int,
        enterprise_id: int,
        account_id: int,
        booths: int,
        products: str,
        needs: str = "",
    ) -> BoothApplication | None:
        """Allocate booths if enough are free, else join the waiting list; one statement, so
        two applications can never both take the last booth. None if one is already live."""
        now = utcnow().isoformat()
        row = await self.db.fetchone(
            "INSERT INTO booth_applications (fair_id, enterprise_id, account_id, booths,"
            " products, needs, status, created_at, updated_at)"
            " SELECT f.id, ?, ?, ?, ?, ?,"
            " CASE WHEN f.booths - (SELECT coalesce(sum(a.booths), 0) FROM booth_applications a"
            f" WHERE a.fair_id = f.id AND a.status IN {_HOLDING_SQL}) >= ?"
            " THEN 'allocated' ELSE 'waitlisted' END, ?, ?"
            " FROM fairs f WHERE f.id = ?"
            " ON CONFLICT DO NOTHING RETURNING *",
            (enterprise_id, account_id, booths, products, needs, booths, now, now, fair_id),
        )
        return _app(row) if row else None

    async def get(self, app_id: int) -> BoothApplication | None:
        """The application with this id."""
        return _first(
            await self.db.fetchall("SELECT * FROM booth_applications WHERE id = ?", (app_id,))
        )

    async def live_for(self, fair_id: int, enterprise_id: int) -> BoothApplication | None:
        """The establishment's application for the fair that still counts (rejected included)."""
        rows = await self.db.fetchall(
            "SELECT * FROM booth_applications WHERE fair_id = ? AND enterprise_id = ?"
            " AND status IN ('allocated', 'offered', 'approved', 'waitlisted', 'rejected')",
            (fair_id, enterprise_id),
        )
        return _first(rows)

    async def for_account(self, account_id: int) -> list[BoothApplication]:
        """Every application of an account, the newest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM booth_applications WHERE account_id = ? ORDER BY id DESC",
            (account_id,),
        )
        return [_app(r) for r in rows]

    async def for_fair(
        self, fair_id: int, statuses: Iterable[BoothStatus] = LIVE
    ) -> list[BoothApplication]:
        """A fair's applications with these statuses, in arrival order."""
        wanted = [str(s) for s in statuses]
        marks = ", ".join("?" * len(wanted))
        rows = await self.db.fetchall(
            f"SELECT * FROM booth_applications WHERE fair_id = ? AND status IN ({marks})"
            " ORDER BY id",
            (fair_id, *wanted),
        )
        return [_app(r) for r in rows]

    async def counts(self, status: BoothStatus) -> dict[int, int]:
        """fair id -> how many applications have this status."""
        rows = await self.db.fetchall(
            "SELECT fair_id, count(*) FROM booth_applications WHERE status = ? GROUP BY fair_id",
            (str(status),),
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def tally(self, fair_ids: Iterable[int]) -> dict[int, dict[BoothStatus, int]]:
        """fair id -> how many applications it has in each status (for the listed fairs)."""
        ids = list(fair_ids)
        found: dict[int, dict[BoothStatus, int]] = {i: {} for i in ids}
        if not ids:
            return found
        marks = ", ".join("?" * len(ids))
        rows = await self.db.fetchall(
            f"SELECT fair_id, status, count(*) FROM booth_applications WHERE fair_id IN ({marks})"
            " GROUP BY fair_id, status",
            ids,
        )
        for r in rows:
            found[int(r[0])][BoothStatus(r[1])] = int(r[2])
        return found

    async def taken(self, fair_ids: Iterable[int]) -> dict[int, int]:
        """fair id -> booths held (allocated, offered or approved)."""
        ids = list(fair_ids)
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        rows = await self.db.fetchall(
            f"SELECT fair_id, sum(booths) FROM booth_applications WHERE fair_id IN ({marks})"
            f" AND status IN {_HOLDING_SQL} GROUP BY fair_id",
            ids,
        )
        held = {int(r[0]): int(r[1]) for r in rows}
        return {i: held.get(i, 0) for i in ids}

    async def position(self, app: BoothApplication) -> int:
        """1 for the first in line on the fair's waiting list; 0 if not waitlisted."""
        if app.status is not BoothStatus.WAITLISTED:
            return 0
        row = await self.db.fetchone(
            "SELECT count(*) FROM booth_applications WHERE fair_id = ? AND status = 'waitlisted'"
            " AND id <= ?",
            (app.fair_id, app.id),
        )
        return int(row[0]) if row else 0

    async def withdraw(self, app_id: int, account_id: int) -> BoothApplication | None:
        """The owner withdraws a live application; None if it was not theirs or not live."""
        return await self._move(
            app_id,
            f"status IN {_LIVE_SQL} AND account_id = ?",
            (account_id,),
            BoothStatus.WITHDRAWN,
        )

    async def accept_offer(self, app_id: int, account_id: int) -> BoothApplication | None:
        """The owner takes the offered booths before the offer expires."""
        return await self._move(
            app_id,
            "status = 'offered' AND account_id = ? AND offer_expires_at > ?",
            (account_id, utcnow().isoformat()),
            BoothStatus.ALLOCATED,
        )

    async def decline_offer(self, app_id: int, account_id: int) -> BoothApplication | None:
        """The owner turns the offered booths down."""
        return await self._move(
            app_id, "status = 'offered' AND account_id = ?", (account_id,), BoothStatus.DECLINED
        )

    async def approve(
        self, app_id: int, numbers: list[str], admin_id: int
    ) -> BoothApplication | None:
        """Give an allocated application its booth numbers; BoothNumbersTaken if any is given
        to someone else at the same fair."""
        now = utcnow().isoformat()

        async with self.db.transaction():
            rows = await self.db.fetchall(
                "SELECT j.value FROM booth_applications a, json_each(a.booth_numbers) j"
                " WHERE a.fair_id = (SELECT fair_id FROM booth_applications WHERE id = ?)"
                " AND a.id != ? AND a.status = 'approved'",
                (app_id, app_id),
            )
            clash = sorted({str(r[0]) for r in rows} & set(numbers))
            if clash:
                raise BoothNumbersTaken(clash)
            row = await self.db.fetchone(
                "UPDATE booth_applications SET status = 'approved', booth_numbers = ?,"
                " decided_by = ?, updated_at = ? WHERE id = ? AND status = 'allocated'"
                " RETURNING *",
                (json.dumps(numbers, ensure_ascii=False), admin_id, now, app_id),
                quick=False,
            )
        return _app(row) if row else None

    async def reject(self, app_id: int, reason: str, admin_id: int) -> BoothApplication | None:
        """Turn down an application that is not yet approved, with the reason."""
        now = utcnow().isoformat()
        row = await self.db.fetchone(
            "UPDATE booth_applications SET status = 'rejected', reason = ?, decided_by = ?,"
            " offer_expires_at = NULL, updated_at = ?"
            " WHERE id = ? AND status IN ('allocated', 'waitlisted', 'offered') RETURNING *",
            (reason, admin_id, now, app_id),
        )
        return _app(row) if row else None

    async def numbers_taken(self, fair_id: int) -> set[str]:
        """The booth numbers already given at a fair."""
        rows = await self.db.fetchall(
            "SELECT j.value FROM booth_applications a, json_each(a.booth_numbers) j"
            " WHERE a.fair_id = ? AND a.status = 'approved'",
            (fair_id,),
        )
        return {str(r[0]) for r in rows}

    async def offer_freed(self, fair_id: int, hours: float = 48) -> list[BoothApplication]:
        """Offer free booths to the waiting list, first come first served among those whose
        request fits; each offer holds the booths for `hours` (never past the opening)."""
        now = utcnow()
        until = now + timedelta(hours=hours)

        offered: list[BoothApplication] = []
        async with self.db.transaction():
            fair = await self.db.fetchone(
                "SELECT booths, starts_at FROM fairs WHERE id = ? AND status = 'scheduled'"
                " AND starts_at > ?",
                (fair_id, now.isoformat()),
                quick=False,
            )
            if fair is None:
                return []
            expires = min(until, datetime.fromisoformat(fair["starts_at"])).isoformat()
            while True:
                held = await self.db.fetchone(
                    "SELECT coalesce(sum(booths), 0) FROM booth_applications"
                    f" WHERE fair_id = ? AND status IN {_HOLDING_SQL}",
                    (fair_id,),
                    quick=False,
                )
                assert held is not None  # an aggregate always has its row
                row = await self.db.fetchone(
                    "UPDATE booth_applications SET status = 'offered', offer_expires_at = ?,"
                    " updated_at = ? WHERE id = (SELECT id FROM booth_applications"
                    " WHERE fair_id = ? AND status = 'waitlisted' AND booths <= ?"
                    " ORDER BY id LIMIT 1) RETURNING *",
                    (expires, now.isoformat(), fair_id, fair["booths"] - held[0]),
                    quick=False,
                )
                if row is None:
                    return offered
                offered.append(_app(row))

    async def expire_offers(self) -> list[BoothApplication]:
        """Offers not answered in time become expired; returns them."""
        now = utcnow().isoformat()
        rows = await self.db.fetchall(
            "UPDATE booth_applications SET status = 'expired', updated_at = ?"
            " WHERE status = 'offered' AND offer_expires_at <= ? RETURNING *",
            (now, now),
        )
        return sorted((_app(r) for r in rows), key=lambda a: a.id)

    async def check_in(self, app_id: int) -> datetime | None:
        """Record the first check-in at the fair; returns the earlier one if there was one."""
        row = await self.db.fetchone(
            "SELECT checked_in_at FROM booth_applications WHERE id = ?", (app_id,)
        )
        if row is not None and row[0]:
            return datetime.fromisoformat(row[0])
        await self.db.execute(
            "UPDATE booth_applications SET checked_in_at = ? WHERE id = ?",
            (utcnow().isoformat(), app_id),
        )
        return None

    async def _move(
        self, app_id: int, where: str, params: tuple[object, ...], status: BoothStatus
    ) -> BoothApplication | None:
        row = await self.db.fetchone(
            f"UPDATE booth_applications SET status = ?, offer_expires_at = NULL, updated_at = ?"
            f" WHERE id = ? AND {where} RETURNING *",
            (str(status), utcnow().isoformat(), app_id, *params),
        )
        return _app(row) if row else None
