"""The statements of an erasure (storage.personal_data.PersonalDataRepo.erase): what is deleted,
what is emptied, and what stays, under a pseudonym, because the Department must keep it."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Sequence

from pydantic import BaseModel

__all__ = ["Erased", "anonymise_rows", "erase_rows"]


class Erased(BaseModel):
    """What an erasure removed (rows per kind) and what it kept (rows per kind)."""

    removed: dict[str, int]
    kept: dict[str, int]


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values)) or "NULL"


def anonymise_rows(c: sqlite3.Connection, account: int, now: str) -> None:
    """The account's identities keep their rows (staff records may name them) and nothing of
    the person: a random address, no name, language or phone, nothing ever sent to them."""
    for (user_id,) in c.execute("SELECT id FROM users WHERE account_id = ?", (account,)).fetchall():
        c.execute(
            "UPDATE users SET external_id = ?, display_name = NULL, locale = NULL, phone = NULL,"
            " reminders_on = 0, broadcasts_on = 0, blocked_at = ?, created_at = ?,"
            " last_seen_at = ? WHERE id = ?",
            (f"erased-{secrets.token_hex(8)}", now, now, now, user_id),
        )


def erase_rows(
    c: sqlite3.Connection, account: int, subject: str, hashes: list[str], quoted: list[str]
) -> Erased:
    """Delete or empty every row of the account's data but its identities (on the database
    thread); `quoted`: strings whose mention in a message or log entry empties it."""
    users = [r[0] for r in c.execute("SELECT id FROM users WHERE account_id = ?", (account,))]
    enterprises = [
        r[0] for r in c.execute("SELECT id FROM enterprises WHERE account_id = ?", (account,))
    ]
    apps = [
        r[0]
        for r in c.execute("SELECT id FROM booth_applications WHERE account_id = ?", (account,))
    ]
    removed: dict[str, int] = {}
    kept: dict[str, int] = {}

    def run(key: str, sql: str, params: Sequence[object]) -> None:
        removed[key] = removed.get(key, 0) + c.execute(sql, tuple(params)).rowcount

    u, e, a = _marks(users), _marks(enterprises), _marks(apps)
    run("booth_applications", f"DELETE FROM booth_applications WHERE id IN ({a})", apps)
    # an invitation they accepted holds what the Department's list said of them
    run(
        "registration",
        f"DELETE FROM invitations WHERE used_by IN ({u}) OR enterprise_id IN ({e})",
        [*users, *enterprises],
    )
    # Links with other members: the requests keep only their count (pair, craft, month), the
    # blocks, reports and meeting slots go; what the others booked with them is freed.
    run(
        "connections",
        "UPDATE connection_requests SET reason = NULL,"
        " status = CASE WHEN status = 'open' THEN 'cancelled' ELSE status END,"
        f" from_id = CASE WHEN from_id IN ({e}) THEN NULL ELSE from_id END,"
        f" to_id = CASE WHEN to_id IN ({e}) THEN NULL ELSE to_id END"
        f" WHERE from_id IN ({e}) OR to_id IN ({e})",
        [*enterprises, *enterprises, *enterprises, *enterprises],
    )
    run(
        "connections",
        f"DELETE FROM member_blocks WHERE enterprise_id IN ({e}) OR blocked_id IN ({e})",
        [*enterprises, *enterprises],
    )
    run(
        "connections",
        f"DELETE FROM member_reports WHERE reporter_id IN ({e}) OR reported_id IN ({e})",
        [*enterprises, *enterprises],
    )
    run(
        "connections",
        "UPDATE meeting_slots SET buyer_id = NULL, reason = NULL, booked_at = NULL"
        f" WHERE buyer_id IN ({e})",
        enterprises,
    )
    run("connections", f"DELETE FROM meeting_slots WHERE enterprise_id IN ({e})", enterprises)
    run("registration", f"DELETE FROM enterprises WHERE id IN ({e})", enterprises)
    for table, key in (
        ("consents", "consents"),
        ("sector_follows", "follows"),
        ("fair_follows", "follows"),
        ("fair_feedback", "feedback"),
    ):
        run(key, f"DELETE FROM {table} WHERE account_id = ?", (account,))
    run("conversations", f"DELETE FROM conversations WHERE user_id IN ({u})", users)
    run("link_codes", f"DELETE FROM link_codes WHERE user_id IN ({u})", users)
    run("link_codes", f"DELETE FROM link_tries WHERE user_id IN ({u})", users)
    run("questions", f"DELETE FROM questions WHERE user_hash IN ({_marks(hashes)})", hashes)
    # Messages: the person's own, and any to staff that quote their numbers or reference.
    quotes = " OR ".join("instr(replies, ?) > 0" for _ in quoted) or "0"
    run(
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
    run(
        "audit_snapshots",
        "UPDATE audit_log SET before = NULL, after = NULL WHERE (before IS NOT NULL OR after"
        f" IS NOT NULL) AND (target IN ({_marks(targets)}) OR {mentions or '0'})",
        [*targets, *(n for n in quoted for _ in range(2))],
    )
    run(
        "audit_snapshots",
        f"UPDATE audit_log SET actor = ?, actor_id = NULL, before = NULL, after = NULL,"
        f" target = NULL WHERE actor_id IN ({u})",
        [subject, *users],
    )
    c.execute("UPDATE data_requests SET account_id = NULL WHERE account_id = ?", (account,))
    kept["audit_entries"] = c.execute(
        f"SELECT count(*) FROM audit_log WHERE target IN ({_marks(targets)}) OR actor = ?",
        [*targets, subject],
    ).fetchone()[0]
    kept["requests"] = c.execute(
        "SELECT count(*) FROM data_requests WHERE subject = ?", (subject,)
    ).fetchone()[0]
    return Erased(removed={k: v for k, v in removed.items() if v}, kept=kept)
