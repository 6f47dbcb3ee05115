"""Establishments registered into the network, one per account, and their review status."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel, Field

from bot.core.clock import utcnow
from storage.engine import Database, Row

__all__ = [
    "KEY_FIELDS",
    "KINDS",
    "PRACTICES",
    "ROLES",
    "SHOWN",
    "Enterprise",
    "EnterpriseFields",
    "EnterpriseRepo",
    "EnterpriseStatus",
]

# Stable keys stored in the columns; their translated names are in bot/domain/enterprise_terms.py.
KINDS: Final = ("household", "cooperative", "company", "individual")
ROLES: Final = ("supplier", "producer", "distributor", "consumer")
PRACTICES: Final = (
    "cleaner_production",
    "energy_saving",
    "recycled_materials",
    "eco_label",
    "less_plastic",
    "none_yet",
)
# What a findable member may show other members (the phone and tax code never: the phone is
# given when a request to connect is accepted). `place` is the ward or the province.
SHOWN: Final = ("name", "kind", "roles", "sectors", "place", "products", "ocop_stars")
# Changing one of these on an approved registration sends it back to the Department's review.
KEY_FIELDS: Final = frozenset({"name", "kind", "tax_code", "phone", "ward_code", "province"})

_FIELDS: Final = (
    "name",
    "kind",
    "roles",
    "sectors",
    "ward_code",
    "province",
    "address",
    "contact_name",
    "phone",
    "tax_code",
    "ocop_stars",
    "products",
    "practices",
    "findable",
    "shown",
)
_JSON: Final = frozenset({"roles", "sectors", "practices", "shown"})


class EnterpriseStatus(StrEnum):
    """Where a registration stands with the Department."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class EnterpriseFields(BaseModel):
    """The answers a registration is made of; in a draft any of them may still be missing."""

    name: str | None = None
    kind: str | None = None  # one of KINDS
    roles: list[str] = Field(default_factory=list)  # of ROLES
    sectors: list[str] = Field(default_factory=list)  # keys of bot.domain.sectors.SECTORS
    ward_code: str | None = None  # a Hanoi ward (bot.domain.places.get_ward) …
    province: str | None = None  # … or, outside Hanoi, the province's name
    address: str | None = None
    contact_name: str | None = None
    phone: str | None = None  # E.164
    tax_code: str | None = None
    ocop_stars: int | None = None
    products: str | None = None
    practices: list[str] = Field(default_factory=list)  # of PRACTICES
    findable: bool = False  # other members may find it (handlers/partners)
    shown: list[str] = Field(default_factory=lambda: list(SHOWN))  # of SHOWN, when findable


class Enterprise(EnterpriseFields):
    """A registered establishment, owned by an account (not by one platform identity)."""

    id: int
    account_id: int
    reference: str  # 'HN-2026-000123': what the owner and the Department quote
    name: str
    kind: str
    contact_name: str
    phone: str
    consent_at: datetime
    consent_version: str | None = None  # of bot.domain.consent; None: before versions
    status: EnterpriseStatus
    reject_reason: str | None = None
    reviewed_by: int | None = None
    reviewed_at: datetime | None = None
    submitted_at: datetime
    created_at: datetime
    updated_at: datetime


def _enterprise(row: Row) -> Enterprise:
    values = dict(row)
    for name in _JSON:
        values[name] = json.loads(values[name])
    return Enterprise.model_validate(values)


def _params(fields: EnterpriseFields) -> list[Any]:
    values = fields.model_dump()
    return [json.dumps(values[n], ensure_ascii=False) if n in _JSON else values[n] for n in _FIELDS]


def _in(column: str, values: Sequence[str]) -> tuple[str, list[str]]:
    return f"{column} IN ({', '.join('?' * len(values))})", list(values)


def _any_of(column: str, values: Sequence[str]) -> tuple[str, list[str]]:
    marks = ", ".join("?" * len(values))
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE value IN ({marks}))", list(values)


class EnterpriseRepo:
    """Reads and writes `enterprises`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def for_account(self, account_id: int) -> Enterprise | None:
        """The registration of an account, if it has one."""
        row = await self.db.fetchone(
            "SELECT * FROM enterprises WHERE account_id = ?", (account_id,)
        )
        return _enterprise(row) if row else None

    async def get(self, enterprise_id: int) -> Enterprise | None:
        """The registration with this id."""
        row = await self.db.fetchone("SELECT * FROM enterprises WHERE id = ?", (enterprise_id,))
        return _enterprise(row) if row else None

    async def by_reference(self, reference: str) -> Enterprise | None:
        """The registration with this reference number ('HN-2026-000123')."""
        row = await self.db.fetchone(
            "SELECT * FROM enterprises WHERE reference = ?", (reference.strip().upper(),)
        )
        return _enterprise(row) if row else None

    async def create(
        self,
        account_id: int,
        fields: EnterpriseFields,
        consent_at: datetime,
        consent_version: str | None = None,
    ) -> Enterprise:
        """Store a new, pending registration, made under `consent_version` of the consent text
        agreed to at `consent_at`, and give it its reference number."""
        now = utcnow().isoformat()
        columns = ", ".join(_FIELDS)
        marks = ", ".join("?" * len(_FIELDS))

        async with self.db.transaction():
            new_id = await self.db.execute(
                f"INSERT INTO enterprises (account_id, {columns}, consent_at, consent_version,"
                f" status, submitted_at, created_at, updated_at)"
                f" VALUES (?, {marks}, ?, ?, 'pending', ?, ?, ?)",
                (
                    account_id,
                    *_params(fields),
                    consent_at.isoformat(),
                    consent_version,
                    now,
                    now,
                    now,
                ),
            )
            row = await self.db.fetchone(
                "UPDATE enterprises SET reference ="
                " printf('HN-%s-%06d', substr(created_at, 1, 4), id) WHERE id = ? RETURNING *",
                (new_id,),
            )
        assert row is not None  # inserted just before, in the same transaction
        return _enterprise(row)

    async def update(
        self, enterprise_id: int, fields: EnterpriseFields, *, resubmit: bool = False
    ) -> Enterprise | None:
        """Replace the answers of a registration; `resubmit` puts it back to pending review."""
        now = utcnow().isoformat()
        sets = ", ".join(f"{n} = ?" for n in _FIELDS)
        review = (
            ", status = 'pending', reject_reason = NULL, reviewed_by = NULL, reviewed_at = NULL,"
            " submitted_at = ?"
            if resubmit
            else ""
        )
        params = [*_params(fields), now, *([now] if resubmit else []), enterprise_id]
        async with self.db.transaction():
            row = await self.db.fetchone(
                f"UPDATE enterprises SET {sets}, updated_at = ?{review} WHERE id = ? RETURNING *",
                params,
            )
        return _enterprise(row) if row else None

    async def set_status(
        self,
        enterprise_id: int,
        status: EnterpriseStatus,
        *,
        reason: str | None = None,
        by: int | None = None,
        only_from: EnterpriseStatus | None = EnterpriseStatus.PENDING,
    ) -> Enterprise | None:
        """Record a review; None if the registration is gone or no longer in `only_from`."""
        now = utcnow().isoformat()
        where = "id = ?"
        params: list[object] = [enterprise_id]
        if only_from is not None:
            where += " AND status = ?"
            params.append(only_from.value)
        async with self.db.transaction():
            row = await self.db.fetchone(
                f"UPDATE enterprises SET status = ?, reject_reason = ?, reviewed_by = ?,"
                f" reviewed_at = ?, updated_at = ? WHERE {where} RETURNING *",
                [status.value, reason, by, now, now, *params],
            )
        return _enterprise(row) if row else None

    async def phone_taken(self, phone: str, except_account: int, *, early: bool = False) -> bool:
        """Whether another account's registration (not rejected) uses this E.164 number.

        `early`: a check as the number is typed, made again when the registration is sent; it
        does not wait for the write lock (Database.fetchone(unlocked=True)).
        """
        row = await self.db.fetchone(
            "SELECT 1 FROM enterprises WHERE phone = ? AND account_id != ?"
            " AND status != 'rejected' LIMIT 1",
            (phone, except_account),
            unlocked=early,
        )
        return row is not None

    async def tax_code_taken(
        self, tax_code: str, except_account: int, *, early: bool = False
    ) -> bool:
        """Whether another account's registration (not rejected) uses this tax code; `early`
        as for phone_taken."""
        row = await self.db.fetchone(
            "SELECT 1 FROM enterprises WHERE tax_code = ? AND account_id != ?"
            " AND status != 'rejected' LIMIT 1",
            (tax_code, except_account),
            unlocked=early,
        )
        return row is not None

    async def conflicts(
        self, account_id: int, phone: str | None, tax_code: str | None
    ) -> tuple[bool, bool, bool]:
        """Before a registration is stored (in its transaction, so the three reads agree):
        whether another account's registration (not rejected) has this phone, this tax code,
        and whether the account has one already."""

        async def taken(column: str, value: str | None) -> bool:
            if not value:
                return False
            row = await self.db.fetchone(
                f"SELECT 1 FROM enterprises WHERE {column} = ? AND account_id != ?"
                " AND status != 'rejected' LIMIT 1",
                (value, account_id),
            )
            return row is not None

        mine = await self.db.fetchone(
            "SELECT 1 FROM enterprises WHERE account_id = ?", (account_id,)
        )
        return await taken("phone", phone), await taken("tax_code", tax_code), mine is not None

    async def find(
        self,
        *,
        statuses: Iterable[EnterpriseStatus] = (),
        sectors: Iterable[str] = (),
        roles: Iterable[str] = (),
        ward_codes: Iterable[str] = (),
        limit: int | None = None,
    ) -> list[Enterprise]:
        """Registrations matching every filter given (any of the values within one), oldest
        submission first: for review queues, broadcasts and exports."""
        clauses: list[tuple[str, list[str]]] = []
        if wanted := [s.value for s in statuses]:
            clauses.append(_in("status", wanted))
        if wanted := list(ward_codes):
            clauses.append(_in("ward_code", wanted))
        if wanted := list(sectors):
            clauses.append(_any_of("sectors", wanted))
        if wanted := list(roles):
            clauses.append(_any_of("roles", wanted))
        where = " AND ".join(sql for sql, _ in clauses) or "1"
        params: list[Any] = [p for _, ps in clauses for p in ps]
        tail = ""
        if limit is not None:
            tail, params = " LIMIT ?", [*params, limit]
        rows = await self.db.fetchall(
            f"SELECT * FROM enterprises WHERE {where} ORDER BY submitted_at, id{tail}", params
        )
        return [_enterprise(r) for r in rows]

    async def count_by_status(self) -> dict[EnterpriseStatus, int]:
        """How many registrations are in each status."""
        rows = await self.db.fetchall(
            "SELECT status, count(*) AS n FROM enterprises GROUP BY status"
        )
        return {EnterpriseStatus(r["status"]): r["n"] for r in rows}
