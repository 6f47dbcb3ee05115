"""The Zalo Official Account's own state: its tokens, its followers' windows and consents, the
webhook events waiting to be handled, and the template messages tried."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from pydantic import BaseModel

from bot.core.clock import utcnow
from storage.engine import Database

__all__ = [
    "OaContact",
    "OaInboxEvent",
    "OaTokens",
    "ZaloOaRepo",
    "seed_of",
]


def seed_of(refresh_token: str) -> str:
    """What the tokens row keeps of the refresh token it began from (a hash, not the token)."""
    return hashlib.sha256(refresh_token.encode()).hexdigest()


class OaTokens(BaseModel):
    """The one tokens row."""

    access_token: str | None = None
    expires_at: datetime | None = None
    refresh_token: str
    generation: int
    refreshing_by: str | None = None
    refreshing_until: datetime | None = None
    refreshed_at: datetime | None = None


class OaContact(BaseModel):
    """A follower of the OA as the channel knows them."""

    external_id: str
    last_interaction_at: datetime | None = None
    phone: str | None = None
    shared_name: str | None = None
    phone_consent_at: datetime | None = None


class OaInboxEvent(BaseModel):
    """A webhook event taken from the inbox."""

    id: int
    event_key: str
    body: str
    received_at: datetime


class ZaloOaRepo:
    """Reads and writes the zalo_oa_* tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- tokens -----------------------------------------------------------------------------

    async def seed_tokens(self, refresh_token: str) -> None:
        """Start the tokens row from the configured refresh token: the first time, or when the
        environment holds a new one (the app was authorised again); otherwise keep the row."""
        seed, now = seed_of(refresh_token), utcnow().isoformat()
        await self.db.execute(
            "INSERT INTO zalo_oa_tokens (id, seed, refresh_token, updated_at) VALUES (1, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET seed = excluded.seed,"
            " refresh_token = excluded.refresh_token, access_token = NULL, expires_at = NULL,"
            " generation = generation + 1, refreshing_by = NULL, refreshing_until = NULL,"
            " updated_at = excluded.updated_at WHERE seed != excluded.seed",
            (seed, refresh_token, now),
        )

    async def tokens(self) -> OaTokens | None:
        """The tokens row as committed now (read outside any transaction under way)."""
        row = await self.db.fetchone("SELECT * FROM zalo_oa_tokens WHERE id = 1", unlocked=True)
        return OaTokens.model_validate(dict(row)) if row else None

    async def take_refresh(self, holder: str, generation: int, until: datetime) -> bool:
        """Become the one process that refreshes: only if the tokens are still of `generation`
        and nobody else holds an unexpired lease (one conditional UPDATE: a compare-and-swap
        that SQLite's write lock, or PostgreSQL's row lock, makes atomic between processes)."""
        now = utcnow().isoformat()
        changed = await self.db.execute(
            "UPDATE zalo_oa_tokens SET refreshing_by = ?, refreshing_until = ?"
            " WHERE id = 1 AND generation = ?"
            " AND (refreshing_until IS NULL OR refreshing_until < ?)",
            (holder, until.isoformat(), generation, now),
        )
        return changed == 1

    async def store_refreshed(
        self, holder: str, access_token: str, refresh_token: str, expires_at: datetime
    ) -> bool:
        """Store the new pair and release the lease, in one statement; False if the lease was
        lost meanwhile (it expired and another process took it)."""
        now = utcnow().isoformat()
        changed = await self.db.execute(
            "UPDATE zalo_oa_tokens SET access_token = ?, refresh_token = ?, expires_at = ?,"
            " generation = generation + 1, refreshing_by = NULL, refreshing_until = NULL,"
            " refreshed_at = ?, updated_at = ? WHERE id = 1 AND refreshing_by = ?",
            (access_token, refresh_token, expires_at.isoformat(), now, now, holder),
        )
        return changed == 1

    async def release_refresh(self, holder: str) -> None:
        """Give the lease up after a refresh that failed (the tokens stay as they were)."""
        await self.db.execute(
            "UPDATE zalo_oa_tokens SET refreshing_by = NULL, refreshing_until = NULL"
            " WHERE id = 1 AND refreshing_by = ?",
            (holder,),
        )

    # -- followers --------------------------------------------------------------------------

    async def contact(self, external_id: str) -> OaContact | None:
        """What the OA knows of this follower."""
        row = await self.db.fetchone(
            "SELECT * FROM zalo_oa_contacts WHERE external_id = ?", (external_id,)
        )
        return OaContact.model_validate(dict(row)) if row else None

    async def interacted(self, external_id: str, at: datetime) -> None:
        """The follower did something at `at` (their windows start again from the latest)."""
        now = utcnow().isoformat()
        await self.db.execute(
            "INSERT INTO zalo_oa_contacts (external_id, last_interaction_at, updated_at)"
            " VALUES (?, ?, ?) ON CONFLICT (external_id) DO UPDATE SET"
            " last_interaction_at = max(coalesce(zalo_oa_contacts.last_interaction_at, ''),"
            " excluded.last_interaction_at), updated_at = excluded.updated_at",
            (external_id, at.isoformat(), now),
        )

    async def window_closed(self, external_id: str) -> None:
        """Zalo refused a customer-service message (outside the 7 days): forget the interaction
        we believed in, so the next notices go by template at once."""
        await self.db.execute(
            "UPDATE zalo_oa_contacts SET last_interaction_at = NULL, updated_at = ?"
            " WHERE external_id = ?",
            (utcnow().isoformat(), external_id),
        )

    async def shared_info(self, external_id: str, phone: str, name: str | None) -> None:
        """The follower shared their phone (and name) through the request-for-information card:
        their consent to notices by template message, dated now."""
        now = utcnow().isoformat()
        await self.db.execute(
            "INSERT INTO zalo_oa_contacts (external_id, phone, shared_name, phone_consent_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (external_id) DO UPDATE SET"
            " phone = excluded.phone,"
            " shared_name = coalesce(excluded.shared_name, zalo_oa_contacts.shared_name),"
            " phone_consent_at = excluded.phone_consent_at, updated_at = excluded.updated_at",
            (external_id, phone, name, now, now),
        )

    # -- the webhook's inbox ----------------------------------------------------------------

    async def receive(self, event_key: str, body: str) -> bool:
        """Keep an event for the worker; False if it came before (a retry)."""
        added = await self.db.execute(
            "INSERT INTO zalo_oa_inbox (event_key, body, received_at) VALUES (?, ?, ?)"
            " ON CONFLICT (event_key) DO NOTHING",
            (event_key, body, utcnow().isoformat()),
        )
        return added > 0

    async def take_events(self, limit: int = 50) -> list[OaInboxEvent]:
        """The oldest events not handled yet, marked taken (each is handed on at most once)."""
        async with self.db.transaction():
            rows = await self.db.fetchall(
                "UPDATE zalo_oa_inbox SET taken_at = ? WHERE id IN (SELECT id FROM zalo_oa_inbox"
                " WHERE taken_at IS NULL ORDER BY id LIMIT ?)"
                " RETURNING id, event_key, body, received_at",
                (utcnow().isoformat(), limit),
                quick=True,
            )
        return sorted((OaInboxEvent.model_validate(dict(r)) for r in rows), key=lambda e: e.id)

    async def forget_events(self, older_than: timedelta) -> int:
        """Drop handled events received before `older_than` ago (their text is personal; their
        keys are kept as long as Zalo may still retry them)."""
        cutoff = (utcnow() - older_than).isoformat()
        return await self.db.execute(
            "DELETE FROM zalo_oa_inbox WHERE taken_at IS NOT NULL AND received_at < ?",
            (cutoff,),
        )

    # -- template messages ------------------------------------------------------------------

    async def template_tried(
        self,
        kind: str,
        template_id: str,
        tracking_id: str,
        *,
        cost: int = 0,
        error: str | None = None,
    ) -> None:
        """Record one template message: sent (with its cost) or failed (with why)."""
        await self.db.execute(
            "INSERT INTO zalo_oa_template_messages (kind, template_id, tracking_id, status,"
            " cost, error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (tracking_id) DO NOTHING",
            (
                kind,
                template_id,
                tracking_id,
                "failed" if error else "sent",
                0 if error else cost,
                error,
                utcnow().isoformat(),
            ),
        )

    async def paid_messages_sent(self, count: int) -> None:
        """Count customer-service messages sent more than 48 hours after the person's last
        action (they use the OA's quota)."""
        if count <= 0:
            return
        await self.db.execute(
            "INSERT INTO zalo_oa_paid_messages (day, messages) VALUES (?, ?)"
            " ON CONFLICT (day) DO UPDATE SET"
            " messages = zalo_oa_paid_messages.messages + excluded.messages",
            (utcnow().date().isoformat(), count),
        )
