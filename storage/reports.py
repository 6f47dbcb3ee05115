"""Read-only queries for the Department's staff: figures, searches and export rows."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, Field, field_validator

from storage.engine import Database

__all__ = ["BoothRow", "Breakdown", "ReportRepo", "SentCounts", "TemplateCounts"]

Breakdown = Literal["sector", "role", "ward"]
_COUNTED: Final = "e.status != 'rejected'"  # breakdowns count the network and its queue
_REMINDER: Final = (
    "o.topic IS NOT NULL OR o.dedupe_key LIKE 'reminder:%' OR o.dedupe_key LIKE 'fair:%:remind:%'"
)


class SentCounts(BaseModel):
    """Outbox rows of one kind (reminder, broadcast, notice) by status."""

    kind: str
    by_status: dict[str, int] = Field(default_factory=dict)

    @property
    def sent(self) -> int:
        """Delivered to the platform."""
        return self.by_status.get("sent", 0)

    @property
    def waiting(self) -> int:
        """Queued, or being sent now."""
        return self.by_status.get("pending", 0) + self.by_status.get("sending", 0)

    @property
    def failed(self) -> int:
        """Given up on, or the person blocked the bot."""
        return sum(self.by_status.get(s, 0) for s in ("failed", "blocked", "unknown"))

    @property
    def unreachable(self) -> int:
        """Kept, not sent: the platform no longer lets it reach the person (a Zalo OA
        follower silent for more than 7 days, with no template or consent to go by)."""
        return self.by_status.get("unreachable", 0)


class TemplateCounts(BaseModel):
    """Zalo OA template messages over a period: sent, failed, and what they cost (VND); and
    the customer-service messages sent after the free 48 hours (they use the OA's quota)."""

    sent: int = 0
    failed: int = 0
    cost: int = 0
    after_48h: int = 0


class BoothRow(BaseModel):
    """A booth application with its establishment and fair, as exported."""

    id: int
    fair_key: str
    fair_title_vi: str
    fair_title_en: str
    fair_starts_at: datetime
    enterprise_reference: str | None
    enterprise_name: str
    contact_name: str
    phone: str
    tax_code: str | None = None
    ward_code: str | None = None
    province: str | None = None
    sectors: list[str] = Field(default_factory=list)
    booths: int
    booth_numbers: list[str] = Field(default_factory=list)
    products: str
    needs: str = ""
    status: str
    reason: str | None = None
    created_at: datetime
    checked_in_at: datetime | None = None

    @field_validator("sectors", "booth_numbers", mode="before")
    @classmethod
    def _json_list(cls, value: object) -> object:
        if value is None:
            return []
        return json.loads(value) if isinstance(value, str) else value


def _in(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    return f"{column} IN ({', '.join('?' * len(values))})", list(values)


class ReportRepo:
    """Counts and lists across registrations, applications and the outbox.

    `fold`: how text is folded for comparing (the domain's `bot.domain.textnorm.fold`, passed in by
    the composition root: storage does not import the domain rules).
    """

    def __init__(self, db: Database, *, fold: Callable[[str], str]) -> None:
        self.db = db
        self.fold = fold

    async def breakdown(self, by: Breakdown) -> dict[str, int]:
        """Registrations not rejected, per sector, role or ward code ('' for outside Hanoi);
        one registration counts once under each of its sectors or roles."""
        if by == "ward":
            sql = (
                f"SELECT coalesce(e.ward_code, '') AS k, count(*) AS n FROM enterprises e"
                f" WHERE {_COUNTED} GROUP BY k"
            )
        else:
            column = "sectors" if by == "sector" else "roles"
            sql = (
                f"SELECT j.value AS k, count(*) AS n FROM enterprises e, json_each(e.{column}) j"
                f" WHERE {_COUNTED} GROUP BY k"
            )
        rows = await self.db.fetchall(sql)
        return {str(r["k"]): int(r["n"]) for r in rows}

    async def created_since(self, since: datetime) -> list[datetime]:
        """When each registration made since `since` was first sent."""
        rows = await self.db.fetchall(
            "SELECT created_at FROM enterprises WHERE created_at >= ? ORDER BY created_at",
            (since.isoformat(),),
        )
        return [datetime.fromisoformat(r[0]) for r in rows]

    async def count_before(self, moment: datetime) -> int:
        """How many registrations were made before `moment`."""
        row = await self.db.fetchone(
            "SELECT count(*) FROM enterprises WHERE created_at < ?",
            (moment.isoformat(),),
            quick=False,
        )
        return int(row[0]) if row else 0

    async def sent(self) -> list[SentCounts]:
        """Outbox rows by kind (reminder, broadcast, notice) and status."""
        rows = await self.db.fetchall(
            "SELECT CASE WHEN o.broadcast_id IS NOT NULL THEN 'broadcast'"
            f" WHEN {_REMINDER} THEN 'reminder' ELSE 'notice' END AS kind,"
            " o.status, count(*) AS n FROM outbox o GROUP BY kind, o.status"
        )
        found = {k: SentCounts(kind=k) for k in ("reminder", "broadcast", "notice")}
        for r in rows:
            found[r["kind"]].by_status[r["status"]] = int(r["n"])
        return list(found.values())

    async def template_messages(self, since: datetime | None = None) -> TemplateCounts:
        """Zalo OA template messages tried since `since` (or ever), and customer-service
        messages after the free 48 hours (counted by day: since that day)."""
        row = await self.db.fetchone(
            "SELECT coalesce(sum(status = 'sent'), 0) AS sent,"
            " coalesce(sum(status = 'failed'), 0) AS failed, coalesce(sum(cost), 0) AS cost"
            " FROM zalo_oa_template_messages WHERE created_at >= ?",
            ((since.isoformat() if since else ""),),
            quick=False,
        )
        paid = await self.db.fetchone(
            "SELECT coalesce(sum(messages), 0) FROM zalo_oa_paid_messages WHERE day >= ?",
            ((since.date().isoformat() if since else ""),),
        )
        counts = TemplateCounts.model_validate(dict(row)) if row else TemplateCounts()
        counts.after_48h = int(paid[0]) if paid else 0
        return counts

    async def broadcasts(self) -> int:
        """How many broadcasts the Department has made."""
        row = await self.db.fetchone("SELECT count(*) FROM broadcasts")
        return int(row[0]) if row else 0

    async def search_enterprises(
        self, *, words: str = "", digits: str = "", ward_codes: Iterable[str] = (), limit: int = 10
    ) -> list[int]:
        """Ids of registrations whose name or contact holds `words` (compared without
        diacritics), whose phone or tax code holds `digits`, or that are in one of
        `ward_codes`; waiting ones first, then the latest."""
        wards = list(ward_codes)
        fold = self.fold
        folded = fold(words)
        rows = await self.db.fetchall(
            "SELECT id, name, contact_name, phone, tax_code, ward_code FROM enterprises"
            " ORDER BY status != 'pending', submitted_at DESC, id DESC"
        )
        found: list[int] = []
        for i, r in enumerate(rows):
            if i and not i % 1000:  # tens of thousands of names: let other updates through
                await asyncio.sleep(0)
            hit = (
                (folded and (folded in fold(r[1]) or folded in fold(r[2])))
                or (digits and (digits in r[3].replace("+84", "0") or digits in (r[4] or "")))
                or (r[5] is not None and r[5] in wards)
            )
            if hit:
                found.append(int(r[0]))
                if len(found) >= limit:
                    break
        return found

    async def enterprises_at(self, fair_ids: Iterable[int]) -> set[int]:
        """The establishments that applied (in any way) to any of these fairs."""
        ids = list(fair_ids)
        if not ids:
            return set()
        where, params = _in("fair_id", ids)
        rows = await self.db.fetchall(
            f"SELECT DISTINCT enterprise_id FROM booth_applications WHERE {where}", params
        )
        return {int(r[0]) for r in rows}

    async def booth_rows(
        self,
        *,
        fair_ids: Sequence[int] = (),
        statuses: Sequence[str] = (),
        sectors: Sequence[str] = (),
        ward_codes: Sequence[str] = (),
    ) -> list[BoothRow]:
        """Booth applications matching every filter given, by fair and then arrival."""
        clauses: list[tuple[str, list[Any]]] = []
        if fair_ids:
            clauses.append(_in("a.fair_id", fair_ids))
        if statuses:
            clauses.append(_in("a.status", statuses))
        if ward_codes:
            clauses.append(_in("e.ward_code", ward_codes))
        if sectors:
            marks = ", ".join("?" * len(sectors))
            clauses.append(
                (
                    f"EXISTS (SELECT 1 FROM json_each(e.sectors) WHERE value IN ({marks}))",
                    list(sectors),
                )
            )
        where = " AND ".join(sql for sql, _ in clauses) or "1"
        params = [p for _, ps in clauses for p in ps]
        rows = await self.db.fetchall(
            "SELECT a.id, f.key AS fair_key, f.title_vi AS fair_title_vi,"
            " f.title_en AS fair_title_en, f.starts_at AS fair_starts_at,"
            " e.reference AS enterprise_reference, e.name AS enterprise_name, e.contact_name,"
            " e.phone, e.tax_code, e.ward_code, e.province, e.sectors, a.booths,"
            " a.booth_numbers, a.products, a.needs, a.status, a.reason, a.created_at,"
            " a.checked_in_at"
            " FROM booth_applications a JOIN enterprises e ON e.id = a.enterprise_id"
            f" JOIN fairs f ON f.id = a.fair_id WHERE {where} ORDER BY f.starts_at, a.id",
            params,
        )
        return [BoothRow.model_validate(dict(r)) for r in rows]
