"""The staff's list of registrations: filters, diacritics-free search, pages, and tags."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, Final, Literal

from pydantic import BaseModel

from bot.domain.textnorm import fold
from storage.db import Database, utcnow
from storage.enterprises import Enterprise, EnterpriseStatus

__all__ = [
    "TAG_MAX",
    "RegistrationFilter",
    "RegistrationRepo",
    "clean_tag",
    "search_text",
    "search_words",
]

TAG_MAX: Final = 40
_BATCH: Final = 2000  # registrations folded per statement when the search text is filled
_NOT_DIGITS: Final = re.compile(r"[\s.+()-]")


class RegistrationFilter(BaseModel):
    """What the list shows: every filter given must hold."""

    status: EnterpriseStatus | None = None
    sector: str | None = None
    ward: str | None = None  # a ward code
    fair: int | None = None  # a fair id: establishments that applied for it
    tag: str | None = None
    q: str = ""  # words of a name, contact, reference, phone or tax code, diacritics optional
    order: Literal["old", "new"] | None = None  # None: the oldest first while pending, else new


def _national(phone: str) -> str:
    return "0" + phone[3:] if phone.startswith("+84") else phone.lstrip("+")


def search_text(row: sqlite3.Row | dict[str, Any]) -> str:
    """What a registration is found by, folded: name, contact, reference, phone, tax code."""
    parts = [
        fold(row["name"] or ""),
        fold(row["contact_name"] or ""),
        (row["reference"] or "").lower(),
        _national(row["phone"] or ""),
        row["tax_code"] or "",
    ]
    return " ".join(p for p in parts if p)


def search_words(query: str) -> list[str]:
    """The words to look for: a phone number or tax code typed with spaces or dots is one."""
    squeezed = _NOT_DIGITS.sub("", query)
    if len(squeezed) >= 4 and squeezed.isdigit():
        return [
            "0" + squeezed[2:] if squeezed.startswith("84") and len(squeezed) >= 11 else squeezed
        ]
    return [w for w in fold(query).split() if w][:8]


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(flt: RegistrationFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if flt.status is not None:
        clauses.append("e.status = ?")
        params.append(flt.status.value)
    if flt.ward:
        clauses.append("e.ward_code = ?")
        params.append(flt.ward)
    if flt.sector:
        clauses.append("e.id IN (SELECT enterprise_id FROM enterprise_sectors WHERE sector = ?)")
        params.append(flt.sector)
    if flt.fair is not None:
        clauses.append("e.id IN (SELECT enterprise_id FROM booth_applications WHERE fair_id = ?)")
        params.append(flt.fair)
    if flt.tag:
        clauses.append("e.id IN (SELECT enterprise_id FROM enterprise_tags WHERE tag = ?)")
        params.append(flt.tag)
    for word in search_words(flt.q):
        clauses.append("e.search_text LIKE ? ESCAPE '\\'")
        params.append(_like(word))
    return " AND ".join(clauses) or "1", params


class RegistrationRepo:
    """Reads `enterprises` for the staff's lists; reads and writes `enterprise_tags`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def count_pending(self) -> int:
        """How many registrations wait for review."""
        row = await self.db.fetchone("SELECT count(*) FROM enterprises WHERE status = 'pending'")
        return int(row[0]) if row else 0

    async def fill_search(self) -> int:
        """Fold the search text of the registrations that have none yet (new or changed);
        how many were filled."""

        def go(c: sqlite3.Connection) -> int:
            rows = c.execute(
                "SELECT id, name, contact_name, reference, phone, tax_code FROM enterprises"
                " WHERE search_text IS NULL LIMIT ?",
                (_BATCH,),
            ).fetchall()
            c.executemany(
                "UPDATE enterprises SET search_text = ? WHERE id = ?",
                [(search_text(r), r["id"]) for r in rows],
            )
            return len(rows)

        done = 0
        while True:
            async with self.db.transaction():
                filled = await self.db.run(go)
            done += filled
            if filled < _BATCH:
                return done

    async def page(
        self, flt: RegistrationFilter, offset: int = 0, limit: int = 50
    ) -> tuple[list[Enterprise], int]:
        """A page of the registrations the filter lets through, and how many there are."""
        if flt.q:
            await self.fill_search()
        where, params = _where(flt)
        newest = flt.order == "new" or (
            flt.order is None and flt.status is not EnterpriseStatus.PENDING
        )
        direction = "DESC" if newest else "ASC"

        def go(c: sqlite3.Connection) -> tuple[list[sqlite3.Row], int]:
            rows = c.execute(
                f"SELECT e.* FROM enterprises e WHERE {where}"
                f" ORDER BY e.submitted_at {direction}, e.id {direction} LIMIT ? OFFSET ?",
                (*params, limit, offset),
            ).fetchall()
            if offset == 0 and len(rows) < limit:
                return rows, len(rows)
            total = c.execute(f"SELECT count(*) FROM enterprises e WHERE {where}", params)
            return rows, int(total.fetchone()[0])

        rows, total = await self.db.run(go)
        return [Enterprise.model_validate(_loaded(r)) for r in rows], total

    async def ids(self, flt: RegistrationFilter, limit: int = 5000) -> list[int]:
        """The ids the filter lets through (at most `limit`): for an action on all of them."""
        if flt.q:
            await self.fill_search()
        where, params = _where(flt)
        rows = await self.db.fetchall(
            f"SELECT e.id FROM enterprises e WHERE {where} ORDER BY e.submitted_at, e.id LIMIT ?",
            (*params, limit),
        )
        return [int(r[0]) for r in rows]

    async def tags_of(self, enterprise_ids: Iterable[int]) -> dict[int, list[str]]:
        """The tags of each registration, alphabetically."""
        ids = list(enterprise_ids)
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        rows = await self.db.fetchall(
            f"SELECT enterprise_id, tag FROM enterprise_tags WHERE enterprise_id IN ({marks})"
            " ORDER BY tag",
            ids,
            quick=True,
        )
        found: dict[int, list[str]] = {i: [] for i in ids}
        for r in rows:
            found[int(r[0])].append(str(r[1]))
        return found

    async def tags(self) -> list[tuple[str, int]]:
        """Every tag in use and how many registrations carry it, the most used first."""
        rows = await self.db.fetchall(
            "SELECT tag, count(*) AS n FROM enterprise_tags GROUP BY tag ORDER BY n DESC, tag"
        )
        return [(str(r[0]), int(r[1])) for r in rows]

    async def tag(self, enterprise_ids: Sequence[int], tag: str, by: int | None) -> int:
        """Put `tag` on the registrations (inside a transaction); how many got it anew."""
        now = utcnow().isoformat()

        def go(c: sqlite3.Connection) -> int:
            before = c.total_changes
            c.executemany(
                "INSERT OR IGNORE INTO enterprise_tags (enterprise_id, tag, created_by, created_at)"
                " SELECT id, ?, ?, ? FROM enterprises WHERE id = ?",
                [(tag, by, now, i) for i in enterprise_ids],
            )
            return c.total_changes - before

        return await self.db.run(go)

    async def untag(self, enterprise_ids: Sequence[int], tag: str) -> int:
        """Take `tag` off the registrations (inside a transaction); how many had it."""

        def go(c: sqlite3.Connection) -> int:
            before = c.total_changes
            c.executemany(
                "DELETE FROM enterprise_tags WHERE enterprise_id = ? AND tag = ?",
                [(i, tag) for i in enterprise_ids],
            )
            return c.total_changes - before

        return await self.db.run(go)


def _loaded(row: sqlite3.Row) -> dict[str, Any]:
    values = dict(row)
    for name in ("roles", "sectors", "practices"):
        values[name] = json.loads(values[name])
    return values


def clean_tag(text: str) -> str | None:
    """A tag as staff typed it, tidied: one line, single spaces, at most TAG_MAX characters."""
    tag = " ".join(text.split())[:TAG_MAX]
    return tag or None
