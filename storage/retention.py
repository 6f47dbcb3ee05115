"""How long each kind of data is kept (`retention_rules`), what a run of the rules would
remove, and the run itself (recorded in `retention_runs`).

Each kind names rows by age: `count` sees what a run at `now` would remove, `apply` removes it,
overwriting the deleted content (SQLite's secure_delete, always on). A person with a
registration is never removed by age: their data goes when they withdraw their consent
(storage/personal_data.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Final

from pydantic import BaseModel

from bot.core.clock import utcnow
from bot.core.types import UserRef
from storage.engine import Database

__all__ = ["KINDS", "RetentionRepo", "RetentionRule", "RetentionRun"]

_FINAL: Final = "('sent', 'failed', 'blocked', 'unknown', 'cancelled')"

# Accounts nobody needs by age: no registration, no identity seen since the cutoff, no staff
# role or owner among them, no identity named by a staff record, nothing being sent to them.
_IDLE_ACCOUNTS: Final = (
    "SELECT u.account_id FROM users u GROUP BY u.account_id"
    " HAVING max(u.last_seen_at) < :cutoff"
    " AND u.account_id NOT IN (SELECT account_id FROM enterprises)"
    " AND u.account_id NOT IN (SELECT account_id FROM staff_roles)"
    " AND u.account_id NOT IN (SELECT account_id FROM users WHERE {owners})"
    " AND u.account_id NOT IN (SELECT v.account_id FROM users v WHERE"
    " v.id IN (SELECT actor_id FROM audit_log WHERE actor_id IS NOT NULL)"
    " OR v.id IN (SELECT reviewed_by FROM enterprises WHERE reviewed_by IS NOT NULL)"
    " OR v.id IN (SELECT decided_by FROM booth_applications WHERE decided_by IS NOT NULL)"
    " OR v.id IN (SELECT created_by FROM broadcasts WHERE created_by IS NOT NULL)"
    " OR v.id IN (SELECT granted_by FROM staff_roles WHERE granted_by IS NOT NULL)"
    " OR v.id IN (SELECT done_by FROM data_requests WHERE done_by IS NOT NULL)"
    " OR v.id IN (SELECT user_id FROM outbox WHERE status IN ('pending', 'sending')))"
)
_REJECTED: Final = (
    "SELECT id FROM enterprises WHERE status = 'rejected' AND updated_at < :cutoff"
    " AND id NOT IN (SELECT enterprise_id FROM booth_applications"
    " WHERE status IN ('allocated', 'waitlisted', 'offered', 'approved'))"
)

# kind -> (what to count, the statements that remove it); :cutoff is now minus the rule's days
_SQL: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "unfinished_conversations": (
        "SELECT count(*) FROM conversations WHERE flow IS NOT NULL AND updated_at < :cutoff",
        (
            "UPDATE conversations SET flow = NULL, step = NULL, data = '{}', last_menu = '[]',"
            " started_at = NULL, nudged_at = NULL WHERE flow IS NOT NULL AND updated_at < :cutoff",
        ),
    ),
    "rejected_registrations": (
        f"SELECT count(*) FROM ({_REJECTED}) AS r",
        (
            "CREATE TEMP TABLE ketnoi_expired AS " + _REJECTED,
            "UPDATE audit_log SET before = NULL, after = NULL WHERE target IN"
            " (SELECT 'enterprise:' || id FROM temp.ketnoi_expired)",
            "DELETE FROM booth_applications WHERE enterprise_id IN"
            " (SELECT id FROM temp.ketnoi_expired)",
            "DELETE FROM consents WHERE account_id IN (SELECT account_id FROM enterprises"
            " WHERE id IN (SELECT id FROM temp.ketnoi_expired))",
            "DELETE FROM enterprises WHERE id IN (SELECT id FROM temp.ketnoi_expired)",
            "DROP TABLE temp.ketnoi_expired",
        ),
    ),
    "never_registered": (
        f"SELECT count(*) FROM users WHERE account_id IN ({_IDLE_ACCOUNTS})",
        (
            f"CREATE TEMP TABLE ketnoi_idle AS {_IDLE_ACCOUNTS}",
            "DELETE FROM sector_follows WHERE account_id IN (SELECT * FROM temp.ketnoi_idle)",
            "DELETE FROM fair_follows WHERE account_id IN (SELECT * FROM temp.ketnoi_idle)",
            "DELETE FROM fair_feedback WHERE account_id IN (SELECT * FROM temp.ketnoi_idle)",
            "DELETE FROM consents WHERE account_id IN (SELECT * FROM temp.ketnoi_idle)",
            "UPDATE data_requests SET account_id = NULL"
            " WHERE account_id IN (SELECT * FROM temp.ketnoi_idle)",
            # the account's own row last: the others name it in account_id
            "DELETE FROM users WHERE account_id IN (SELECT * FROM temp.ketnoi_idle)"
            " AND id != account_id",
            "DELETE FROM users WHERE id IN (SELECT * FROM temp.ketnoi_idle)",
            "DROP TABLE temp.ketnoi_idle",
        ),
    ),
    "delivered_messages": (
        f"SELECT count(*) FROM outbox WHERE status IN {_FINAL} AND replies != '[]'"
        " AND coalesce(sent_at, created_at) < :cutoff",
        (
            f"UPDATE outbox SET replies = '[]' WHERE status IN {_FINAL} AND replies != '[]'"
            " AND coalesce(sent_at, created_at) < :cutoff",
        ),
    ),
    "questions": (
        "SELECT count(*) FROM questions WHERE created_at < :cutoff",
        ("DELETE FROM questions WHERE created_at < :cutoff",),
    ),
    "link_codes": (
        "SELECT (SELECT count(*) FROM link_codes WHERE expires_at < :cutoff)"
        " + (SELECT count(*) FROM link_tries WHERE first_at < :cutoff"
        " AND coalesce(locked_until, '') < :cutoff)",
        (
            "DELETE FROM link_codes WHERE expires_at < :cutoff",
            "DELETE FROM link_tries WHERE first_at < :cutoff"
            " AND coalesce(locked_until, '') < :cutoff",
        ),
    ),
    "connection_requests": (
        "SELECT count(*) FROM connection_requests WHERE created_at < :cutoff"
        " AND (from_id IS NOT NULL OR to_id IS NOT NULL OR reason IS NOT NULL)",
        (
            "UPDATE connection_requests SET from_id = NULL, to_id = NULL, reason = NULL,"
            " status = CASE WHEN status = 'open' THEN 'cancelled' ELSE status END"
            " WHERE created_at < :cutoff"
            " AND (from_id IS NOT NULL OR to_id IS NOT NULL OR reason IS NOT NULL)",
        ),
    ),
    "data_requests": (
        "SELECT count(*) FROM data_requests WHERE status = 'done' AND done_at < :cutoff",
        ("DELETE FROM data_requests WHERE status = 'done' AND done_at < :cutoff",),
    ),
    "audit_log": (
        "SELECT count(*) FROM audit_log WHERE at < :cutoff",
        ("DELETE FROM audit_log WHERE at < :cutoff",),
    ),
}
KINDS: Final = tuple(_SQL)


class RetentionRule(BaseModel):
    """How many days a kind of data is kept; an inactive rule removes nothing."""

    kind: str
    days: int
    active: bool = True


class RetentionRun(BaseModel):
    """One run of the rules: when, and how many rows of each kind it removed."""

    id: int
    ran_at: datetime
    removed: dict[str, int]


def _owners_sql(owners: Sequence[UserRef]) -> tuple[str, dict[str, str]]:
    """`(channel = :c0 AND external_id = :e0) OR …` for the owners (never removed by age)."""
    params: dict[str, str] = {}
    terms = []
    for i, ref in enumerate(owners):
        params[f"c{i}"], params[f"e{i}"] = ref.channel, ref.external_id
        terms.append(f"(channel = :c{i} AND external_id = :e{i})")
    return " OR ".join(terms) or "0", params


class RetentionRepo:
    """Reads `retention_rules`, counts and removes what they say has been kept long enough."""

    def __init__(self, db: Database, owners: Sequence[UserRef] = ()) -> None:
        self.db = db
        self.owners = list(owners)

    async def rules(self) -> list[RetentionRule]:
        """Every rule, in the order of KINDS (rules the code does not know come last)."""
        rows = await self.db.fetchall("SELECT kind, days, active FROM retention_rules")
        rules = [RetentionRule.model_validate(dict(r)) for r in rows]
        order = {k: i for i, k in enumerate(KINDS)}
        return sorted(rules, key=lambda r: (order.get(r.kind, len(order)), r.kind))

    async def count(self, now: datetime | None = None) -> dict[str, int]:
        """How many rows each active rule would remove in a run at `now`."""

        async def count(count_sql: str, _: tuple[str, ...], p: dict[str, str]) -> int:
            return await self._one(count_sql, p)

        return await self._each(now, count)

    async def apply(self, now: datetime | None = None) -> RetentionRun:
        """Remove what each active rule says is old enough, record the run; in one
        transaction."""

        async def remove(count_sql: str, statements: tuple[str, ...], p: dict[str, str]) -> int:
            found = await self._one(count_sql, p)
            for sql in statements:
                await self.db.execute(*_positional(sql, p))
            return found

        async with self.db.transaction():
            # what is deleted is overwritten in the file, not only unlinked (SQLite's
            # secure_delete, always on; PostgreSQL's VACUUM reclaims it: dialect.py)
            removed = await self._each(now, remove)
            moment = (now or utcnow()).isoformat()
            row = await self.db.fetchone(
                "INSERT INTO retention_runs (ran_at, removed) VALUES (?, ?) RETURNING *",
                (moment, json.dumps(removed, sort_keys=True)),
            )
        assert row is not None
        return RetentionRun(id=row["id"], ran_at=row["ran_at"], removed=removed)

    async def last_run(self) -> RetentionRun | None:
        """The latest run, if any."""
        row = await self.db.fetchone("SELECT * FROM retention_runs ORDER BY id DESC LIMIT 1")
        if row is None:
            return None
        return RetentionRun(id=row["id"], ran_at=row["ran_at"], removed=json.loads(row["removed"]))

    async def _each(
        self,
        now: datetime | None,
        step: Callable[[str, tuple[str, ...], dict[str, str]], Awaitable[int]],
    ) -> dict[str, int]:
        moment = now or utcnow()
        rules = [r for r in await self.rules() if r.active and r.kind in _SQL]
        owners, owner_params = _owners_sql(self.owners)
        found: dict[str, int] = {}
        for rule in rules:
            count_sql, statements = _SQL[rule.kind]
            cutoff = (moment - timedelta(days=rule.days)).isoformat()
            params = {"cutoff": cutoff}
            if rule.kind == "never_registered":
                count_sql = count_sql.format(owners=owners)
                statements = tuple(s.format(owners=owners) for s in statements)
                params |= owner_params
            found[rule.kind] = await step(count_sql, statements, params)
        return found

    async def _one(self, sql: str, params: dict[str, str]) -> int:
        row = await self.db.fetchone(*_positional(sql, params), quick=False)
        return int(row[0]) if row else 0


_NAMED: Final = re.compile(r"(?<![:\w]):(\w+)")


def _positional(sql: str, params: dict[str, str]) -> tuple[str, list[str]]:
    """`sql` with its `:name` parameters as `?`, and their values in order."""
    values: list[str] = []

    def mark(m: re.Match[str]) -> str:
        values.append(params[m[1]])
        return "?"

    return _NAMED.sub(mark, sql), values
