"""Invitations: producers imported from the Department's lists, waiting to claim their
registration by opening the link in the chat."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel

from bot.core.clock import utcnow
from storage.engine import Database, Row
from storage.enterprises import EnterpriseFields

__all__ = ["Invitation", "InvitationRepo"]


class Invitation(BaseModel):
    """One imported producer's answers, and whether they claimed them."""

    code: str
    fields: EnterpriseFields
    created_by: int | None = None
    created_at: datetime
    used_by: int | None = None
    used_at: datetime | None = None
    enterprise_id: int | None = None


def _invitation(row: Row) -> Invitation:
    values = dict(row)
    values["fields"] = EnterpriseFields.model_validate_json(values["fields"])
    return Invitation.model_validate(values)


class InvitationRepo:
    """Reads and writes `invitations`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_many(self, rows: Sequence[tuple[str, EnterpriseFields]], by: int | None) -> None:
        """Keep an invitation (code, answers) per producer. Call inside a transaction."""
        now = utcnow().isoformat()

        await self.db.executemany(
            "INSERT INTO invitations (code, fields, created_by, created_at) VALUES (?, ?, ?, ?)",
            [(code, f.model_dump_json(), by, now) for code, f in rows],
        )

    async def get(self, code: str) -> Invitation | None:
        """The invitation with this code."""
        row = await self.db.fetchone("SELECT * FROM invitations WHERE code = ?", (code,))
        return _invitation(row) if row else None

    async def claim(self, code: str, user_id: int, enterprise_id: int) -> bool:
        """Mark the invitation used by `user_id`, once, and empty its copy of the details
        (the registration holds them now); False if it already was used."""
        changed = await self.db.execute(
            "UPDATE invitations SET used_by = ?, used_at = ?, enterprise_id = ?, fields = '{}'"
            " WHERE code = ? AND used_at IS NULL",
            (user_id, utcnow().isoformat(), enterprise_id, code),
        )
        return changed > 0

    async def purge(self, older_than: timedelta) -> int:
        """Delete the invitations nobody accepted within `older_than`; how many."""
        since = (utcnow() - older_than).isoformat()
        async with self.db.transaction():
            return await self.db.execute(
                "DELETE FROM invitations WHERE used_at IS NULL AND created_at < ?", (since,)
            )

    async def waiting_contacts(self) -> tuple[set[str], set[str]]:
        """The phones and tax codes of invitations not claimed yet (an import adds no twin)."""
        rows = await self.db.fetchall("SELECT fields FROM invitations WHERE used_at IS NULL")
        phones, taxes = set(), set()
        for r in rows:
            fields = json.loads(r[0])
            phones.add(fields.get("phone") or "")
            taxes.add(fields.get("tax_code") or "")
        return phones - {""}, taxes - {""}
