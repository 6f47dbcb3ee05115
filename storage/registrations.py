"""The staff's list of registrations: filters, diacritics-free search, pages, and tags."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, Literal

from pydantic import BaseModel, Field

from bot.core.clock import utcnow
from storage.engine import Database, Row
from storage.enterprises import Enterprise, EnterpriseStatus

__all__ = [
    "TAG_MAX",
    "RegistrationFilter",
    "RegistrationRepo",
    "clean_tag",
]

TAG_MAX: Final = 40
_REBUILD_OVER: Final = 1000  # more to index than this: the index is rebuilt instead


class RegistrationFilter(BaseModel):
    """What the list shows: every filter given must hold."""

    status: EnterpriseStatus | None = None
    sector: str | None = None
    ward: str | None = None  # a ward code
    fair: int | None = None  # a fair id: establishments that applied for it
    tag: str | None = None
    words: list[str] = Field(default_factory=list)  # bot.domain.search_terms.search_words
    order: Literal["old", "new"] | None = None  # None: the oldest first while pending, else new


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(flt: RegistrationFilter) -> tuple[list[str], list[Any], list[tuple[str, list[Any]]]]:
    """The filter as SQL: (conditions, their parameters, sets): each set is a subquery of
    registration ids (a craft, a tag, a fair, the search's words), also among the conditions."""
    clauses: list[str] = []
    params: list[Any] = []
    sets: list[tuple[str, list[Any]]] = []

    def among(sql: str, values: list[Any]) -> None:
        clauses.append(f"e.id IN ({sql})")
        params.extend(values)
        sets.append((sql, values))

    if flt.status is not None:
        clauses.append("e.status = ?")
        params.append(flt.status.value)
    if flt.ward:
        clauses.append("e.ward_code = ?")
        params.append(flt.ward)
    words = flt.words
    indexed = [w for w in words if len(w) >= 3]  # trigrams: shorter words are read row by row
    if indexed:
        match = " AND ".join('"' + w.replace('"', '""') + '"' for w in indexed)
        among("SELECT rowid FROM enterprise_search WHERE enterprise_search MATCH ?", [match])
    for word in words:
        if len(word) < 3:
            clauses.append("e.search_text LIKE ? ESCAPE '\\'")
            params.append(_like(word))
    if flt.fair is not None:
        among("SELECT enterprise_id FROM booth_applications WHERE fair_id = ?", [flt.fair])
    if flt.tag:
        among("SELECT enterprise_id FROM enterprise_tags WHERE tag = ?", [flt.tag])
    if flt.sector:
        among("SELECT enterprise_id FROM enterprise_sectors WHERE sector = ?", [flt.sector])
    return clauses, params, sets


# Up to this many registrations let through, they are sorted after being fetched by id; more,
# and the page is read along the date index, each registration checked against the sets: a
# craft holding 20,000 registrations took 49 ms the first way and 3 ms the second.
_SORT_FETCHED: Final = 2000


class RegistrationRepo:
    """Reads `enterprises` for the staff's lists; reads and writes `enterprise_tags`."""

    def __init__(self, db: Database, search_text: Callable[[Row], str]) -> None:
        self.db = db
        # bot.domain.search_terms.search_text, given by the App: folding is a domain rule
        self.search_text = search_text

    async def count_pending(self) -> int:
        """How many registrations wait for review."""
        row = await self.db.fetchone("SELECT count(*) FROM enterprises WHERE status = 'pending'")
        return int(row[0]) if row else 0

    async def fill_search(self) -> int:
        """Fold the search text of the registrations that have none yet (new or changed)
        and index it; how many were filled. Many at once (after an import, or the first time)
        are folded in one transaction and the index rebuilt, which is far faster than adding
        them one by one (migration 0014)."""

        # INDEXED BY: the planner would scan the whole table rather than take the partial index
        if not await self.db.fetchone(
            "SELECT 1 FROM enterprises INDEXED BY enterprises_unindexed"
            " WHERE search_text IS NULL LIMIT 1"
        ):
            return 0
        async with self.db.transaction():
            rows = await self.db.fetchall(
                "SELECT id, name, contact_name, reference, phone, tax_code FROM enterprises"
                " INDEXED BY enterprises_unindexed WHERE search_text IS NULL"
            )
            texts = [(self.search_text(r), int(r["id"])) for r in rows]
            await self.db.executemany("UPDATE enterprises SET search_text = ? WHERE id = ?", texts)
            if len(texts) > _REBUILD_OVER:
                await self.db.execute(
                    "INSERT INTO enterprise_search (enterprise_search) VALUES ('rebuild')"
                )
            elif texts:
                await self.db.executemany(
                    "INSERT INTO enterprise_search (rowid, search_text) VALUES (?, ?)",
                    [(i, text) for text, i in texts],
                )
        return len(texts)

    async def page(
        self, flt: RegistrationFilter, offset: int = 0, limit: int = 50
    ) -> tuple[list[Enterprise], int]:
        """A page of the registrations the filter lets through, and how many there are."""
        if flt.words:
            await self.fill_search()
        clauses, params, sets = _where(flt)
        where = " AND ".join(clauses) or "1"
        newest = flt.order == "new" or (
            flt.order is None and flt.status is not EnterpriseStatus.PENDING
        )
        direction = "DESC" if newest else "ASC"
        along = "enterprises_status" if flt.status is not None else "enterprises_submitted"

        if len(clauses) == 1 and sets:  # one set alone: count it, not the registrations
            sql, values = sets[0]
            counted = await self.db.fetchone(
                f"SELECT count(*) FROM ({sql}) AS q", values, quick=False
            )
        else:
            counted = await self.db.fetchone(
                f"SELECT count(*) FROM enterprises e WHERE {where}", params, quick=False
            )
        total = int(counted[0]) if counted else 0
        indexed = f" INDEXED BY {along}" if sets and total > _SORT_FETCHED else ""
        rows = await self.db.fetchall(
            f"SELECT e.* FROM enterprises e{indexed} WHERE {where}"
            f" ORDER BY e.submitted_at {direction}, e.id {direction} LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [Enterprise.model_validate(_loaded(r)) for r in rows], total

    async def ids(self, flt: RegistrationFilter, limit: int = 5000) -> list[int]:
        """The ids the filter lets through (at most `limit`): for an action on all of them."""
        if flt.words:
            await self.fill_search()
        clauses, params, _sets = _where(flt)
        where = " AND ".join(clauses) or "1"
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

        return await self.db.executemany(
            "INSERT OR IGNORE INTO enterprise_tags (enterprise_id, tag, created_by, created_at)"
            " SELECT id, ?, ?, ? FROM enterprises WHERE id = ?",
            [(tag, by, now, i) for i in enterprise_ids],
        )

    async def untag(self, enterprise_ids: Sequence[int], tag: str) -> int:
        """Take `tag` off the registrations (inside a transaction); how many had it."""

        return await self.db.executemany(
            "DELETE FROM enterprise_tags WHERE enterprise_id = ? AND tag = ?",
            [(i, tag) for i in enterprise_ids],
        )


def _loaded(row: Row) -> dict[str, Any]:
    values = dict(row)
    for name in ("roles", "sectors", "practices"):
        values[name] = json.loads(values[name])
    return values


def clean_tag(text: str) -> str | None:
    """A tag as staff typed it, tidied: one line, single spaces, at most TAG_MAX characters."""
    tag = " ".join(text.split())[:TAG_MAX]
    return tag or None
