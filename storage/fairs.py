"""Fairs: the calendar the Department publishes, and who asked to be reminded of a fair."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, Field

from bot.core.clock import utcnow
from storage.engine import Database, Row

__all__ = ["COLUMNS", "Fair", "FairFields", "FairRepo", "FairStatus"]


class FairStatus(StrEnum):
    """Whether a fair still takes place."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class FairFields(BaseModel):
    """A fair as the Department describes it (one entry of a fair file)."""

    key: str
    title_vi: str
    title_en: str
    sectors: list[str] = Field(default_factory=list)
    starts_at: datetime  # aware, stored as UTC
    ends_at: datetime
    venue_name: str
    venue_address: str
    venue_latitude: float
    venue_longitude: float
    booths: int
    apply_by: date  # local calendar date; applications close at its end
    max_booths: int = 2  # per establishment
    description_vi: str = ""
    description_en: str = ""
    status: FairStatus = FairStatus.SCHEDULED


class Fair(FairFields):
    """A fair in the calendar."""

    id: int
    created_at: datetime
    updated_at: datetime

    def title(self, locale: str) -> str:
        """The title in `locale` (Vietnamese when there is no English one)."""
        return self.title_en if locale == "en" and self.title_en else self.title_vi

    def description(self, locale: str) -> str:
        """The description in `locale` (Vietnamese when there is no English one)."""
        return (
            self.description_en if locale == "en" and self.description_en else self.description_vi
        )

    @property
    def cancelled(self) -> bool:
        """Whether the Department called the fair off."""
        return self.status is FairStatus.CANCELLED


COLUMNS: Final = (  # also the fields of a fair file (bot/services/fair_files.py)
    "key",
    "title_vi",
    "title_en",
    "sectors",
    "starts_at",
    "ends_at",
    "venue_name",
    "venue_address",
    "venue_latitude",
    "venue_longitude",
    "booths",
    "apply_by",
    "max_booths",
    "description_vi",
    "description_en",
    "status",
)


def _fair(row: Row) -> Fair:
    values = dict(row)
    values["sectors"] = json.loads(values["sectors"])
    return Fair.model_validate(values)


def _params(fields: FairFields) -> list[object]:
    values = fields.model_dump()
    values["sectors"] = json.dumps(fields.sectors)
    for name in ("starts_at", "ends_at"):
        values[name] = _utc(values[name])
    values["apply_by"] = fields.apply_by.isoformat()
    values["status"] = str(fields.status)
    return [values[c] for c in COLUMNS]


def _utc(moment: datetime) -> str:
    return moment.astimezone(utcnow().tzinfo).isoformat()


class FairRepo:
    """Reads and writes `fairs` and `fair_follows`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def upsert(self, fields: FairFields) -> tuple[Fair, Fair | None]:
        """Create the fair, or update the one with the same key; returns it and what it was.

        Call inside a transaction.
        """
        before = await self.by_key(fields.key)
        now = utcnow().isoformat()
        marks = ", ".join("?" * len(COLUMNS))
        updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "key")
        row = await self.db.fetchone(
            f"INSERT INTO fairs ({', '.join(COLUMNS)}, created_at, updated_at)"
            f" VALUES ({marks}, ?, ?)"
            f" ON CONFLICT (key) DO UPDATE SET {updates}, updated_at = excluded.updated_at"
            f" RETURNING *",
            (*_params(fields), now, now),
        )
        assert row is not None
        return _fair(row), before

    async def get(self, fair_id: int) -> Fair | None:
        """The fair with this id."""
        row = await self.db.fetchone("SELECT * FROM fairs WHERE id = ?", (fair_id,))
        return _fair(row) if row else None

    async def by_key(self, key: str) -> Fair | None:
        """The fair with this key."""
        row = await self.db.fetchone("SELECT * FROM fairs WHERE key = ?", (key,))
        return _fair(row) if row else None

    async def count(self) -> int:
        """How many fairs the calendar holds."""
        row = await self.db.fetchone("SELECT count(*) FROM fairs")
        return int(row[0]) if row else 0

    async def all(self) -> list[Fair]:
        """Every fair, by start."""
        rows = await self.db.fetchall("SELECT * FROM fairs ORDER BY starts_at, id")
        return [_fair(r) for r in rows]

    async def upcoming(self, offset: int = 0, limit: int = 5) -> tuple[list[Fair], int]:
        """Fairs not yet over, soonest first (a page of them), and how many there are."""
        now = utcnow().isoformat()
        rows = await self.db.fetchall(
            "SELECT *, count(*) OVER () AS total FROM fairs WHERE ends_at > ?"
            " ORDER BY starts_at, id LIMIT ? OFFSET ?",
            (now, limit, offset),
        )
        return [_fair(r) for r in rows], await self._count("ends_at > ?", now, rows)

    async def past(self, offset: int = 0, limit: int = 5) -> tuple[list[Fair], int]:
        """Fairs that are over, the latest first (a page of them), and how many there are."""
        now = utcnow().isoformat()
        rows = await self.db.fetchall(
            "SELECT *, count(*) OVER () AS total FROM fairs WHERE ends_at <= ?"
            " ORDER BY starts_at DESC, id DESC LIMIT ? OFFSET ?",
            (now, limit, offset),
        )
        return [_fair(r) for r in rows], await self._count("ends_at <= ?", now, rows)

    async def _count(self, where: str, now: str, rows: list[Row]) -> int:
        if rows:
            return int(rows[0]["total"])
        row = await self.db.fetchone(f"SELECT count(*) FROM fairs WHERE {where}", (now,))
        return int(row[0]) if row else 0

    async def follow(self, fair_id: int, account_id: int) -> bool:
        """Remember that an account wants a reminder; False if it already asked."""
        row = await self.db.fetchone(
            "INSERT INTO fair_follows (fair_id, account_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING fair_id",
            (fair_id, account_id, utcnow().isoformat()),
        )
        return row is not None

    async def unfollow(self, fair_id: int, account_id: int) -> None:
        """Forget an account's wish to be reminded of a fair."""
        await self.db.execute(
            "DELETE FROM fair_follows WHERE fair_id = ? AND account_id = ?", (fair_id, account_id)
        )

    async def follows(self, fair_id: int, account_id: int) -> bool:
        """Whether the account asked to be reminded of the fair."""
        row = await self.db.fetchone(
            "SELECT 1 FROM fair_follows WHERE fair_id = ? AND account_id = ?",
            (fair_id, account_id),
        )
        return row is not None

    async def followers(self, fair_id: int) -> list[int]:
        """The accounts that asked to be reminded of the fair."""
        rows = await self.db.fetchall(
            "SELECT account_id FROM fair_follows WHERE fair_id = ? ORDER BY created_at",
            (fair_id,),
        )
        return [int(r[0]) for r in rows]
