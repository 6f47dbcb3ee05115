"""The audit log: who did what to which record, when, and how it was before and after."""

from __future__ import annotations

import json
from datetime import datetime
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

    async def page(self, offset: int = 0, limit: int = 10) -> tuple[list[AuditEntry], int]:
        """The latest entries first (a page of them), and how many there are in all."""
        rows = await self.db.fetchall(
            "SELECT * FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
        )
        total = await self.db.fetchone("SELECT count(*) FROM audit_log", quick=False)
        return [_entry(r) for r in rows], int(total[0]) if total else 0

    async def for_target(self, target: str, limit: int = 200) -> list[AuditEntry]:
        """The entries about one record (`enterprise:12`), the oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM audit_log WHERE target = ? ORDER BY id DESC LIMIT ?",
            (target, limit),
            quick=True,
        )
        return [_entry(r) for r in reversed(rows)]
