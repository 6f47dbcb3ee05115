"""Secrets the process generates once and keeps in the database (e.g. the check-in key)."""

from __future__ import annotations

import secrets

from bot.core.clock import utcnow
from storage.engine import Database

__all__ = ["SigningKeyRepo"]


class SigningKeyRepo:
    """Reads and writes `signing_keys`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get_or_create(self, name: str) -> bytes:
        """The secret called `name`, made (32 random bytes) the first time it is asked for."""
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO signing_keys (name, secret, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO NOTHING",
                (name, secrets.token_hex(32), utcnow().isoformat()),
            )
            row = await self.db.fetchone("SELECT secret FROM signing_keys WHERE name = ?", (name,))
        assert row is not None
        return bytes.fromhex(row[0])
