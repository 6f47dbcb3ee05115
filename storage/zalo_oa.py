"""The Zalo Official Account's own state: its tokens, its followers' windows and consents, the
webhook events waiting to be handled, and the template messages tried."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel

from bot.core.clock import utcnow
from storage.engine import Database

__all__ = [
    "FREE_WINDOW",
    "WINDOW",
    "OaContact",
    "OaInboxEvent",
    "OaTokens",
    "ZaloOaRepo",
    "outranked",
    "reach_rank",
    "seed_of",
]

# Customer-service messages ("tin Tư vấn") reach a follower within 48 hours of their last action
# for free (developers.zalo.me's "8 messages in 48 hours" reply quota, as eTelecom passes it on:
# docs.etelecom.vn .../zalo-cloud-api/send-text-consulting, quota_type "reply"; the
# @warriorteam/redai-zalo-sdk ConsultationService puts the window at 48 hours outright), then
# from the OA's paid quota until Zalo refuses them after 7 days (-230: see
# bot/channels/zalo_oa_api.OUTSIDE_WINDOW).
FREE_WINDOW = timedelta(hours=48)
WINDOW = timedelta(days=7)


def reach_rank(alias: str, now: datetime) -> str:
    """An SQL expression ranking an identity (`alias` of `users`) by how surely a message
    reaches it: 0 an app with no window (Telegram, the Zalo Bot Platform) or an OA follower
    inside the free 48 hours, 1 an OA follower inside the 7 days, 2 an OA follower outside them
    (a template message or nothing), 3 an identity that blocked the bot. Order by it, then by
    last seen, to pick the identity of a linked account (/lien_ket) a message goes to.
    The two instants are inlined (our own ISO timestamps, to the minute: the statement's text
    stays the same for a minute), so that the queries using it keep their parameters."""
    minute = now.replace(second=0, microsecond=0)
    free, window = (minute - FREE_WINDOW).isoformat(), (minute - WINDOW).isoformat()
    window_of = (
        f"coalesce((SELECT CASE WHEN c.last_interaction_at >= '{free}' THEN 0"
        f" WHEN c.last_interaction_at >= '{window}' THEN 1 ELSE 2 END FROM zalo_oa_contacts c"
        f" WHERE c.external_id = {alias}.external_id), 2)"
    )
    return (
        f"CASE WHEN {alias}.blocked_at IS NOT NULL THEN 3"
        f" WHEN {alias}.channel != 'zalo_oa' THEN 0 ELSE {window_of} END"
    )


def outranked(alias: str, other: str, now: datetime) -> str:
    """An SQL condition: identity `other` goes before `alias` (of the same account) by
    reach_rank, then last seen, then id. As `NOT EXISTS (… AND outranked(u, v))` it picks each
    account's identity with the rank computed only for accounts of several identities."""
    return (
        f"({reach_rank(alias, now)}, {other}.last_seen_at, {other}.id)"
        f" > ({reach_rank(other, now)}, {alias}.last_seen_at, {alias}.id)"
    )


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
    tries: int = 1  # times taken, this one included


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
            " generation = zalo_oa_tokens.generation + 1, refreshing_by = NULL,"
            " refreshing_until = NULL, updated_at = excluded.updated_at"
            " WHERE zalo_oa_tokens.seed != excluded.seed",
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
        self,
        old: OaTokens,
        access_token: str,
        refresh_token: str,
        expires_at: datetime,
    ) -> bool:
        """Store the pair a refresh with `old`'s refresh token gave, and end the lease, in one
        statement: a compare-and-set on the old generation and refresh token. It holds whether
        or not the refreshing process's lease ran out meanwhile, as long as nobody stored a
        pair since (a refresh token works once: the pair Zalo gave is the only good one, keep
        it). False if another pair was stored first."""
        now = utcnow().isoformat()
        changed = await self.db.execute(
            "UPDATE zalo_oa_tokens SET access_token = ?, refresh_token = ?, expires_at = ?,"
            " generation = generation + 1, refreshing_by = NULL, refreshing_until = NULL,"
            " refreshed_at = ?, updated_at = ? WHERE id = 1 AND generation = ?"
            " AND refresh_token = ?",
            (
                access_token,
                refresh_token,
                expires_at.isoformat(),
                now,
                now,
                old.generation,
                old.refresh_token,
            ),
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

    async def receive(self, event_key: str, body: str, follower: str | None = None) -> bool:
        """Keep an event (about `follower`) for the worker; False if it came before (a retry)."""
        added = await self.db.execute(
            "INSERT INTO zalo_oa_inbox (event_key, body, follower, received_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (event_key) DO NOTHING",
            (event_key, body, follower, utcnow().isoformat()),
        )
        return added > 0

    async def take_events(
        self, holder: str, until: datetime, limit: int = 50
    ) -> list[OaInboxEvent]:
        """The oldest events not done and not in another process's hands (never taken, given
        back at a clean stop, or whose lease ran out: that process died), leased to `holder`
        until `until`; none of a follower while another process has an earlier event of theirs
        in hand (their events are handled in order). An event stays in the inbox until `done`."""
        now = utcnow().isoformat()
        async with self.db.transaction():
            rows = await self.db.fetchall(
                "UPDATE zalo_oa_inbox SET taken_by = ?, taken_until = ?, tries = tries + 1,"
                " taken_at = coalesce(taken_at, ?) WHERE id IN (SELECT e.id FROM zalo_oa_inbox e"
                " WHERE e.done_at IS NULL AND (e.taken_until IS NULL OR e.taken_until < ?)"
                " AND NOT EXISTS (SELECT 1 FROM zalo_oa_inbox o WHERE o.follower = e.follower"
                " AND o.id < e.id AND o.done_at IS NULL AND o.taken_by != ?"
                " AND o.taken_until >= ?)"
                " ORDER BY e.id LIMIT ?) RETURNING id, event_key, body, received_at, tries",
                (holder, until.isoformat(), now, now, holder, now, limit),
                quick=True,
            )
        return sorted((OaInboxEvent.model_validate(dict(r)) for r in rows), key=lambda e: e.id)

    async def hold(self, holder: str, event_ids: Sequence[int], until: datetime) -> None:
        """Renew `holder`'s lease on these events, which it has in hand (an event it took and
        did not hand on, after a failure, is left to run out and be taken again)."""
        if not event_ids:
            return
        marks = ", ".join("?" * len(event_ids))
        await self.db.execute(
            "UPDATE zalo_oa_inbox SET taken_until = ? WHERE taken_by = ? AND done_at IS NULL"
            f" AND id IN ({marks})",
            (until.isoformat(), holder, *event_ids),
        )

    def done_at_commit(self, event_id: int) -> None:
        """Mark the event done with the COMMIT of the transaction under way (its turn's): a turn
        that committed is never handled again, one rolled back or cut short leaves it to do."""
        self.db.at_commit(
            "UPDATE zalo_oa_inbox SET done_at = ? WHERE id = ? AND done_at IS NULL",
            (utcnow().isoformat(), event_id),
        )

    async def done(self, event_id: int) -> None:
        """Mark the event done (it needed no turn, or its turn is over whatever happened)."""
        await self.db.execute(
            "UPDATE zalo_oa_inbox SET done_at = ? WHERE id = ? AND done_at IS NULL",
            (utcnow().isoformat(), event_id),
        )

    async def give_back(self, holder: str) -> int:
        """At a clean stop: the events `holder` has not done go back to the inbox, for the next
        process to take at once; returns how many."""
        return await self.db.execute(
            "UPDATE zalo_oa_inbox SET taken_by = NULL, taken_until = NULL"
            " WHERE taken_by = ? AND done_at IS NULL",
            (holder,),
        )

    async def forget_events(self, older_than: timedelta) -> int:
        """Drop done events received before `older_than` ago (their text is personal; their
        keys are kept as long as Zalo may still retry them)."""
        cutoff = (utcnow() - older_than).isoformat()
        return await self.db.execute(
            "DELETE FROM zalo_oa_inbox WHERE done_at IS NOT NULL AND received_at < ?",
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
