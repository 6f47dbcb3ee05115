"""A person's data as a whole: the consents they gave, their requests about their data, a
copy of everything held about their account, stopping messages, and erasure.

Erasure deletes or empties every row that holds the account's data, overwriting what it
removes (SQLite's secure_delete, always on), and keeps only what identifies no one: the fact
of staff actions (their snapshots emptied, the actor's name replaced by a pseudonym) and the
request itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel, Field

from bot.core.clock import utcnow
from storage.engine import Database, Row
from storage.erasure import Erased, anonymised, erase_rows, identities

__all__ = ["DataRequest", "Erased", "HeldBooth", "PersonalDataRepo", "SubjectData"]

_JSON_COLUMNS: Final = frozenset({"roles", "sectors", "practices", "shown", "booth_numbers"})


class DataRequest(BaseModel):
    """A request a person made about their data, as staff see it."""

    id: int
    account_id: int | None = None
    subject: str
    kind: str  # copy | erase | restrict
    channel: str
    status: str  # done | waiting
    requested_at: datetime
    due_at: datetime | None = None
    reminded_at: datetime | None = None
    done_at: datetime | None = None
    done_by: int | None = None
    outcome: dict[str, Any] | None = None


class HeldBooth(BaseModel):
    """An approved booth at a fair that has not ended: staff withdraw it before erasure."""

    application_id: int
    fair_id: int
    fair_title_vi: str
    fair_title_en: str
    booth_numbers: list[str]
    ends_at: datetime


class SubjectData(BaseModel):
    """Everything held about one account, row by row, grouped by bot.domain.personal_data's
    categories (apps, registration, booths, reminders, messages, records)."""

    apps: list[dict[str, Any]]
    registration: dict[str, Any] | None
    consents: list[dict[str, Any]]
    booths: list[dict[str, Any]]
    feedback: list[dict[str, Any]]
    sectors: list[str]
    fairs: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    conversations: list[dict[str, Any]]
    questions: list[dict[str, Any]]
    requests: list[DataRequest]
    zalo_oa: list[dict[str, Any]] = Field(default_factory=list)  # the OA's card: phone, consent
    # links with other members: requests sent and received (the other side by name), blocks,
    # reports made, meeting slots offered or booked
    connections: list[dict[str, Any]] = Field(default_factory=list)


def _dicts(rows: Iterable[Row]) -> list[dict[str, Any]]:
    found = []
    for row in rows:
        values = dict(row)
        for name in _JSON_COLUMNS & values.keys():
            if isinstance(values[name], str):
                values[name] = json.loads(values[name])
        found.append(values)
    return found


def _request(row: Row) -> DataRequest:
    values = dict(row)
    values["outcome"] = json.loads(values["outcome"]) if values["outcome"] else None
    return DataRequest.model_validate(values)


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values)) or "NULL"


class PersonalDataRepo:
    """Reads and writes `consents` and `data_requests`; reads and erases an account's data.

    Every method that writes expects to run inside `Database.transaction()`.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- consent ------------------------------------------------------------------------------

    async def give_consent(self, account_id: int, version: str, channel: str) -> None:
        """Record consent to `version` of the text, given now on `channel`; the account's
        registration, if any, is now held under that version."""
        now = utcnow().isoformat()

        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO consents (account_id, version, channel, given_at) VALUES (?, ?, ?, ?)",
                (account_id, version, channel, now),
            )
            await self.db.execute(
                "UPDATE enterprises SET consent_version = ?, consent_at = ? WHERE account_id = ?",
                (version, now, account_id),
            )

    # -- requests -----------------------------------------------------------------------------

    async def add_request(
        self,
        account_id: int | None,
        subject: str,
        kind: str,
        channel: str,
        *,
        waiting_until: datetime | None = None,
        outcome: dict[str, Any] | None = None,
    ) -> DataRequest:
        """Record a request: done now, or (`waiting_until`) waiting for staff until then;
        `account_id` None for an account already erased."""
        now = utcnow().isoformat()
        status, done_at = ("waiting", None) if waiting_until else ("done", now)
        row = await self.db.fetchone(
            "INSERT INTO data_requests (account_id, subject, kind, channel, status,"
            " requested_at, due_at, done_at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING *",
            (
                account_id,
                subject,
                kind,
                channel,
                status,
                now,
                waiting_until.isoformat() if waiting_until else None,
                done_at,
                json.dumps(outcome, sort_keys=True) if outcome is not None else None,
            ),
        )
        assert row is not None
        return _request(row)

    async def finish_request(
        self, request_id: int, *, by: int | None, outcome: dict[str, Any]
    ) -> DataRequest | None:
        """Mark a waiting request done; None if it was not waiting."""
        row = await self.db.fetchone(
            "UPDATE data_requests SET status = 'done', done_at = ?, done_by = ?, outcome = ?"
            " WHERE id = ? AND status = 'waiting' RETURNING *",
            (utcnow().isoformat(), by, json.dumps(outcome, sort_keys=True), request_id),
        )
        return _request(row) if row else None

    async def get_request(self, request_id: int) -> DataRequest | None:
        """The request with this id."""
        row = await self.db.fetchone("SELECT * FROM data_requests WHERE id = ?", (request_id,))
        return _request(row) if row else None

    async def waiting_erasure(self, account_id: int) -> DataRequest | None:
        """The account's erasure waiting for staff, if any."""
        row = await self.db.fetchone(
            "SELECT * FROM data_requests WHERE account_id = ? AND kind = 'erase'"
            " AND status = 'waiting' ORDER BY id LIMIT 1",
            (account_id,),
        )
        return _request(row) if row else None

    async def requests(self, limit: int = 20) -> list[DataRequest]:
        """The requests waiting for staff (the soonest due first), then the latest done."""
        rows = await self.db.fetchall(
            "SELECT * FROM data_requests ORDER BY status != 'waiting', due_at,"
            " requested_at DESC, id DESC LIMIT ?",
            (limit,),
        )
        return [_request(r) for r in rows]

    async def to_remind(self, before: datetime) -> list[DataRequest]:
        """Waiting requests whose staff were last reminded (or asked) before `before`."""
        rows = await self.db.fetchall(
            "SELECT * FROM data_requests WHERE status = 'waiting'"
            " AND coalesce(reminded_at, requested_at) < ? ORDER BY id",
            (before.isoformat(),),
        )
        return [_request(r) for r in rows]

    async def mark_reminded(self, request_id: int) -> None:
        """Record that staff were reminded of a waiting request now."""
        await self.db.execute(
            "UPDATE data_requests SET reminded_at = ? WHERE id = ?",
            (utcnow().isoformat(), request_id),
        )

    # -- what is held -------------------------------------------------------------------------

    async def held_booths(self, account_id: int) -> list[HeldBooth]:
        """The account's approved booths at fairs that have not ended and are not cancelled."""
        rows = await self.db.fetchall(
            "SELECT a.id AS application_id, a.fair_id, f.title_vi AS fair_title_vi,"
            " f.title_en AS fair_title_en, a.booth_numbers, f.ends_at"
            " FROM booth_applications a JOIN fairs f ON f.id = a.fair_id"
            " WHERE a.account_id = ? AND a.status = 'approved' AND f.status = 'scheduled'"
            " AND f.ends_at > ? ORDER BY f.starts_at",
            (account_id, utcnow().isoformat()),
        )
        return [HeldBooth.model_validate(d) for d in _dicts(rows)]

    async def subject_data(self, account_id: int, user_hashes: Sequence[str]) -> SubjectData:
        """Everything held about the account; `user_hashes` are its identities' pseudonyms
        in the question log (bot.dialog.router.user_hash)."""
        hashes = list(user_hashes)

        db = self.db

        async def rows(sql: str, params: Sequence[object] = (account_id,)) -> list[dict[str, Any]]:
            return _dicts(await db.fetchall(sql, tuple(params)))

        users = "SELECT id FROM users WHERE account_id = ?"
        registration = await rows("SELECT * FROM enterprises WHERE account_id = ?")
        return SubjectData(
            apps=await rows(
                "SELECT id, channel, external_id, display_name, locale, phone, created_at,"
                " last_seen_at, blocked_at, reminders_on, broadcasts_on FROM users"
                " WHERE account_id = ? ORDER BY id"
            ),
            registration=registration[0] if registration else None,
            consents=await rows(
                "SELECT version, channel, given_at, withdrawn_at FROM consents"
                " WHERE account_id = ? ORDER BY id"
            ),
            booths=await rows(
                "SELECT a.id, f.key AS fair_key, f.title_vi AS fair_title_vi,"
                " f.title_en AS fair_title_en, f.starts_at AS fair_starts_at, a.booths,"
                " a.products, a.needs, a.status, a.booth_numbers, a.reason,"
                " a.offer_expires_at, a.checked_in_at, a.created_at, a.updated_at"
                " FROM booth_applications a JOIN fairs f ON f.id = a.fair_id"
                " WHERE a.account_id = ? ORDER BY a.id"
            ),
            feedback=await rows(
                "SELECT f.key AS fair_key, b.visitors, b.come_again, b.answered_at"
                " FROM fair_feedback b JOIN fairs f ON f.id = b.fair_id"
                " WHERE b.account_id = ? ORDER BY b.answered_at"
            ),
            sectors=[
                r["sector"]
                for r in await rows(
                    "SELECT sector FROM sector_follows WHERE account_id = ? ORDER BY sector"
                )
            ],
            fairs=await rows(
                "SELECT f.key, f.title_vi, f.title_en, w.created_at FROM fair_follows w"
                " JOIN fairs f ON f.id = w.fair_id WHERE w.account_id = ? ORDER BY w.created_at"
            ),
            messages=await rows(
                "SELECT o.created_at, o.sent_at, o.status, o.lane, o.replies FROM outbox o"
                f" WHERE o.user_id IN ({users}) ORDER BY o.id"
            ),
            conversations=await rows(
                "SELECT flow, step, data, updated_at FROM conversations"
                f" WHERE user_id IN ({users}) AND flow IS NOT NULL"
            ),
            questions=await rows(
                f"SELECT text, created_at FROM questions WHERE user_hash IN ({_marks(hashes)})"
                " ORDER BY id",
                hashes,
            ),
            zalo_oa=await rows(
                "SELECT c.phone, c.shared_name, c.phone_consent_at, c.last_interaction_at"
                " FROM zalo_oa_contacts c JOIN users u ON u.channel = 'zalo_oa'"
                " AND u.external_id = c.external_id WHERE u.account_id = ?"
            ),
            connections=await rows(
                "SELECT 'request' AS kind, r.created_at AS at, r.status,"
                " CASE WHEN r.from_id = e.id THEN 'sent' ELSE 'received' END AS side,"
                " o.name AS other, r.reason AS text FROM connection_requests r"
                " JOIN enterprises e ON e.id IN (r.from_id, r.to_id)"
                " LEFT JOIN enterprises o ON o.id = CASE WHEN r.from_id = e.id"
                " THEN r.to_id ELSE r.from_id END WHERE e.account_id = ?"
                " UNION ALL SELECT 'block', b.created_at, NULL, 'sent', o.name, NULL"
                " FROM member_blocks b JOIN enterprises e ON e.id = b.enterprise_id"
                " LEFT JOIN enterprises o ON o.id = b.blocked_id WHERE e.account_id = ?"
                " UNION ALL SELECT 'report', p.created_at, NULL, 'sent', o.name, p.reason"
                " FROM member_reports p JOIN enterprises e ON e.id = p.reporter_id"
                " LEFT JOIN enterprises o ON o.id = p.reported_id WHERE e.account_id = ?"
                " UNION ALL SELECT 'meeting', m.starts_at,"
                " CASE WHEN m.buyer_id IS NULL THEN 'free' ELSE 'booked' END,"
                " CASE WHEN m.enterprise_id = e.id THEN 'offered' ELSE 'booked' END,"
                " o.name, m.reason FROM meeting_slots m"
                " JOIN enterprises e ON e.id IN (m.enterprise_id, m.buyer_id)"
                " LEFT JOIN enterprises o ON o.id = CASE WHEN m.enterprise_id = e.id"
                " THEN m.buyer_id ELSE m.enterprise_id END WHERE e.account_id = ?"
                " ORDER BY 2",
                (account_id, account_id, account_id, account_id),
            ),
            requests=[
                _request(r)
                for r in await db.fetchall(
                    "SELECT * FROM data_requests WHERE account_id = ? ORDER BY id",
                    (account_id,),
                )
            ],
        )

    # -- stopping and erasing -----------------------------------------------------------------

    async def stop_announcements(self, account_id: int) -> int:
        """No more announcements to any identity of the account, including those queued;
        returns how many queued messages were withdrawn."""

        async with self.db.transaction():
            await self.db.execute(
                "UPDATE users SET broadcasts_on = 0 WHERE account_id = ?", (account_id,)
            )
            return await self.db.execute(
                "UPDATE outbox SET status = 'cancelled' WHERE status = 'pending'"
                " AND broadcast_id IS NOT NULL"
                " AND user_id IN (SELECT id FROM users WHERE account_id = ?)",
                (account_id,),
            )

    async def stop_all_messages(self, account_id: int) -> int:
        """No more reminders or announcements, nothing followed, and every message queued in
        bulk withdrawn (notices still go: they answer what the person did); how many."""

        async with self.db.transaction():
            await self.db.execute(
                "UPDATE users SET reminders_on = 0, broadcasts_on = 0 WHERE account_id = ?",
                (account_id,),
            )
            await self.db.execute("DELETE FROM sector_follows WHERE account_id = ?", (account_id,))
            await self.db.execute("DELETE FROM fair_follows WHERE account_id = ?", (account_id,))
            return await self.db.execute(
                "UPDATE outbox SET status = 'cancelled' WHERE status = 'pending'"
                " AND lane = 'bulk' AND user_id IN (SELECT id FROM users WHERE account_id = ?)",
                (account_id,),
            )

    async def erase(
        self,
        account_id: int,
        subject: str,
        user_hashes: Sequence[str],
        needles: Sequence[str],
        *,
        at_commit: bool = False,
    ) -> Erased:
        """Delete or empty every row of the account's data, in the current transaction.

        `needles` are the account's phone numbers (as stored and as shown), tax code and
        reference: any message or log entry about someone else that quotes one is emptied too
        (the review requests sent to staff, for instance). The identities themselves keep their
        rows (staff records may name them) but nothing of the person; `at_commit`: at the
        COMMIT, after the turn's own last writes, so that nothing the turn writes to them (the
        name the person was seen under) comes back.
        """
        hashes = list(user_hashes)
        quoted = [n for n in dict.fromkeys(needles) if len(n) >= 6]
        now = utcnow().isoformat()

        # What is deleted is overwritten in the file, not only unlinked: SQLite's secure_delete
        # is always on (storage/sqlite/statements.configure); PostgreSQL's autovacuum reclaims
        # deleted rows (storage/postgres/dialect.py).
        erased = await erase_rows(self.db, account_id, subject, hashes, quoted)
        anonymise = anonymised(await identities(self.db, account_id), now)
        if at_commit:
            for sql, params in anonymise:
                self.db.at_commit(sql, params)
        else:
            for sql, params in anonymise:
                await self.db.execute(sql, params)
        return erased
