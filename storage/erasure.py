"""The statements of an erasure (storage.personal_data.PersonalDataRepo.erase): what is deleted,
what is emptied, and what stays, under a pseudonym, because the Department must keep it."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from pydantic import BaseModel

from storage.engine import Database

__all__ = ["Erased", "anonymise_rows", "erase_rows", "identities"]


class Erased(BaseModel):
    """What an erasure removed (rows per kind) and what it kept (rows per kind)."""

    removed: dict[str, int]
    kept: dict[str, int]


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values)) or "NULL"


async def identities(db: Database, account: int) -> list[int]:
    """The users.id of the account's identities."""
    rows = await db.fetchall("SELECT id FROM users WHERE account_id = ?", (account,), quick=True)
    return [int(r[0]) for r in rows]


_ANONYMISE = (
    "UPDATE users SET external_id = ?, display_name = NULL, locale = NULL, phone = NULL,"
    " reminders_on = 0, broadcasts_on = 0, blocked_at = ?, created_at = ?,"
    " last_seen_at = ? WHERE id = ?"
)


def anonymised(users: list[int], now: str) -> list[tuple[str, tuple[object, ...]]]:
    """The statements that leave the identities their rows (staff records may name them) and
    nothing of the person: a random address, no name, language or phone, nothing ever sent."""
    return [
        (_ANONYMISE, (f"erased-{secrets.token_hex(8)}", now, now, now, user_id))
        for user_id in users
    ]


async def anonymise_rows(db: Database, account: int, now: str) -> None:
    """The account's identities anonymised (`anonymised`), now."""
    for sql, params in anonymised(await identities(db, account), now):
        await db.execute(sql, params)


async def erase_rows(
    db: Database, account: int, subject: str, hashes: list[str], quoted: list[str]
) -> Erased:
    """Delete or empty every row of the account's data but its identities (in the current
    transaction); `quoted`: strings whose mention in a message or log entry empties it."""
    users = await identities(db, account)
    enterprises = [
        int(r[0])
        for r in await db.fetchall("SELECT id FROM enterprises WHERE account_id = ?", (account,))
    ]
    apps = [
        int(r[0])
        for r in await db.fetchall(
            "SELECT id FROM booth_applications WHERE account_id = ?", (account,)
        )
    ]
    removed: dict[str, int] = {}
    kept: dict[str, int] = {}

    async def run(key: str, sql: str, params: Sequence[object]) -> None:
        removed[key] = removed.get(key, 0) + await db.execute(sql, tuple(params))

    u, e, a = _marks(users), _marks(enterprises), _marks(apps)
    await run("booth_applications", f"DELETE FROM booth_applications WHERE id IN ({a})", apps)
    # an invitation they accepted holds what the Department's list said of them
    await run(
        "registration",
        f"DELETE FROM invitations WHERE used_by IN ({u}) OR enterprise_id IN ({e})",
        [*users, *enterprises],
    )
    await run("registration", f"DELETE FROM enterprises WHERE id IN ({e})", enterprises)
    for table, key in (
        ("consents", "consents"),
        ("sector_follows", "follows"),
        ("fair_follows", "follows"),
        ("fair_feedback", "feedback"),
    ):
        await run(key, f"DELETE FROM {table} WHERE account_id = ?", (account,))
    await run("conversations", f"DELETE FROM conversations WHERE user_id IN ({u})", users)
    await run("link_codes", f"DELETE FROM link_codes WHERE user_id IN ({u})", users)
    await run("link_codes", f"DELETE FROM link_tries WHERE user_id IN ({u})", users)
    await run("questions", f"DELETE FROM questions WHERE user_hash IN ({_marks(hashes)})", hashes)
    # Messages: the person's own, and any to staff that quote their numbers or reference.
    quotes = " OR ".join("instr(replies, ?) > 0" for _ in quoted) or "1 = 0"
    await run(
        "messages",
        "UPDATE outbox SET replies = '[]',"
        " status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END"
        f" WHERE replies != '[]' AND (user_id IN ({u}) OR {quotes})",
        [*users, *quoted],
    )
    # The audit log keeps what staff did, not the data: snapshots of the registration and its
    # applications, and entries quoting the numbers, are emptied; the person's own entries
    # (refused attempts) name a pseudonym.
    targets = [f"enterprise:{i}" for i in enterprises] + [f"booth:{i}" for i in apps]
    mentions = " OR ".join(
        "instr(coalesce(before, ''), ?) > 0 OR instr(coalesce(after, ''), ?) > 0" for _ in quoted
    )
    await run(
        "audit_snapshots",
        "UPDATE audit_log SET before = NULL, after = NULL WHERE (before IS NOT NULL OR after"
        f" IS NOT NULL) AND (target IN ({_marks(targets)}) OR {mentions or '1 = 0'})",
        [*targets, *(n for n in quoted for _ in range(2))],
    )
    await run(
        "audit_snapshots",
        f"UPDATE audit_log SET actor = ?, actor_id = NULL, before = NULL, after = NULL,"
        f" target = NULL WHERE actor_id IN ({u})",
        [subject, *users],
    )
    await db.execute("UPDATE data_requests SET account_id = NULL WHERE account_id = ?", (account,))
    row = await db.fetchone(
        f"SELECT count(*) FROM audit_log WHERE target IN ({_marks(targets)}) OR actor = ?",
        [*targets, subject],
    )
    kept["audit_entries"] = int(row[0]) if row else 0
    row = await db.fetchone("SELECT count(*) FROM data_requests WHERE subject = ?", (subject,))
    kept["requests"] = int(row[0]) if row else 0
    return Erased(removed={k: v for k, v in removed.items() if v}, kept=kept)
