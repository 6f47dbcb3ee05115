"""The audit log: who did what to which record, when, and how it was before and after."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from bot.core.clock import utcnow
from storage.engine import Database, Row

__all__ = ["AuditEntry", "AuditRepo"]


class AuditEntry(BaseModel):
    """One line of the audit log."""

    id: int
    at: datetime
    actor_id: int | None = None
    actor: str
    role: str | None = None
    action: str
    target: str | None = None
    outcome: str = "done"
    before: Any = None
    after: Any = None


def _entry(row: Row) -> AuditEntry:
    values = dict(row)
    for name in ("before", "after"):
        values[name] = json.loads(values[name]) if values[name] is not None else None
    return AuditEntry.model_validate(values)


def _filters(
    actor_id: int | None, action: str | None, since: datetime | None, until: datetime | None
) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if actor_id is not None:
        clauses.append("actor_id = ?")
        params.append(actor_id)
    if action is not None:
        clauses.append("action = ?")
        params.append(action)
    if since is not None:
        clauses.append("at >= ?")
        params.append(since.astimezone(UTC).isoformat())
    if until is not None:
        clauses.append("at < ?")
        params.append(until.astimezone(UTC).isoformat())
    return clauses, params


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(to_jsonable_python(value), ensure_ascii=False, sort_keys=True)


class AuditRepo:
    """Appends to and reads `audit_log`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        *,
        actor_id: int | None,
        actor: str,
        role: str | None,
        action: str,
        target: str | None = None,
        outcome: str = "done",
        before: Any = None,
        after: Any = None,
    ) -> int:
        """Append an entry (pydantic models, dicts and dates are stored as JSON); its id."""
        return await self.db.execute(
            "INSERT INTO audit_log (at, actor_id, actor, role, action, target, outcome,"
            " before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                utcnow().isoformat(),
                actor_id,
                actor,
                role,
                action,
                target,
                outcome,
                _json(before),
                _json(after),
            ),
        )

    async def page(
        self,
        offset: int = 0,
        limit: int = 10,
        *,
        actor_id: int | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> tuple[list[AuditEntry], int]:
        """The latest entries first (a page of them), and how many there are in all; only those
        of `actor_id`, of `action`, at or after `since` and before `until` when given."""
        clauses, params = _filters(actor_id, action, since, until)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self.db.fetchall(
            f"SELECT * FROM audit_log{where} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        total = await self.db.fetchone(
            f"SELECT count(*) FROM audit_log{where}", tuple(params), quick=False
        )
        return [_entry(r) for r in rows], int(total[0]) if total else 0

    async def actors(self, limit: int = 200) -> list[tuple[int, str]]:
        """(id, how they read in their latest entry) of the people in the log, for a filter."""
        rows = await self.db.fetchall(
            "SELECT a.actor_id, a.actor FROM audit_log a JOIN (SELECT actor_id, MAX(id) AS last"
            " FROM audit_log WHERE actor_id IS NOT NULL GROUP BY actor_id) l ON a.id = l.last"
            " ORDER BY a.actor LIMIT ?",
            (limit,),
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    async def for_target(self, target: str, limit: int = 200) -> list[AuditEntry]:
        """The entries about one record (`enterprise:12`), the oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM audit_log WHERE target = ? ORDER BY id DESC LIMIT ?",
            (target, limit),
            quick=True,
        )
        return [_entry(r) for r in reversed(rows)]
