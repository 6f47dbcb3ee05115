"""One person, two apps: one-time codes that join identities into one account.

Everything a person owns (registration, booth applications, follows, feedback) is keyed by
`users.account_id`. Joining two accounts moves every such row, in any table with an
`account_id` column, to the surviving account. Tables where account_id is unique hold one
thing per account (the registration in `enterprises`): the account holding it survives, and
two accounts that both hold one are never merged here (choosing between two registrations
is the Department's call). Otherwise the older account survives.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel

from bot.core.clock import utcnow
from storage.engine import Database, Row
from storage.users import User
from storage.zalo_oa import reach_rank

__all__ = ["CODE_TTL", "LOCK_FOR", "MAX_TRIES", "LinkCode", "LinkRepo", "Outcome", "Redeemed"]

CODE_TTL = timedelta(minutes=10)
MAX_TRIES = 5  # wrong codes within TRIES_WINDOW before an identity must wait LOCK_FOR
TRIES_WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)


class Outcome(StrEnum):
    """How typing a code ended."""

    LINKED = "linked"
    WRONG = "wrong"  # unknown or expired
    LOCKED = "locked"  # too many wrong codes: wait
    OWN_CODE = "own_code"  # typed on the app that showed it
    SAME_APP = "same_app"  # made by another identity of the same platform
    ALREADY = "already"  # both identities already share an account
    BOTH_REGISTERED = "both_registered"


class LinkCode(BaseModel):
    """A code shown to a user."""

    code: str
    expires_at: datetime


class Redeemed(BaseModel):
    """The result of typing a code: what happened, with whom, and what is left."""

    outcome: Outcome
    other: User | None = None  # the identity that showed the code
    tries_left: int = MAX_TRIES
    locked_until: datetime | None = None


class LinkRepo:
    """Reads and writes `link_codes` and `link_tries`, and joins accounts."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def issue(self, user_id: int) -> LinkCode:
        """A fresh code for this identity, replacing any earlier one. Call inside a transaction."""
        now = utcnow()
        expires = now + CODE_TTL
        db = self.db
        async with db.transaction():
            await db.execute(
                "DELETE FROM link_codes WHERE user_id = ? OR expires_at <= ?",
                (user_id, now.isoformat()),
            )
            while True:
                code = f"{secrets.randbelow(1_000_000):06d}"
                if await db.fetchone("SELECT 1 FROM link_codes WHERE code = ?", (code,)) is None:
                    break
            await db.execute(
                "INSERT INTO link_codes (code, user_id, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (code, user_id, now.isoformat(), expires.isoformat()),
            )
        return LinkCode(code=code, expires_at=expires)

    async def redeem(self, user_id: int, code: str) -> Redeemed:
        """Type `code` as identity `user_id`: join the two accounts if all is well.

        Call inside a transaction (the router's turn is one).
        """
        now = utcnow()
        db = self.db
        async with db.transaction():
            tries = await db.fetchone("SELECT * FROM link_tries WHERE user_id = ?", (user_id,))
            if (
                tries is not None
                and tries["locked_until"]
                and tries["locked_until"] > now.isoformat()
            ):
                locked = datetime.fromisoformat(tries["locked_until"])
                return Redeemed(outcome=Outcome.LOCKED, tries_left=0, locked_until=locked)
            found = await db.fetchone(
                "SELECT user_id FROM link_codes WHERE code = ? AND expires_at > ?",
                (code, now.isoformat()),
            )
            if found is None:
                return await _wrong(db, user_id, tries, now)
            me, other = await _user(db, user_id), await _user(db, found["user_id"])
            if other.id == me.id:
                return Redeemed(outcome=Outcome.OWN_CODE, other=other)
            if other.channel == me.channel:
                return Redeemed(outcome=Outcome.SAME_APP, other=other)
            await db.execute("DELETE FROM link_codes WHERE code = ?", (code,))
            await db.execute("DELETE FROM link_tries WHERE user_id = ?", (user_id,))
            if other.account_id == me.account_id:
                return Redeemed(outcome=Outcome.ALREADY, other=other)
            outcome = await _join(db, me.account_id, other.account_id)
            return Redeemed(outcome=outcome, other=await _user(db, other.id))

    async def unlink(self, keep_user_id: int, leave_user_id: int) -> int | None:
        """Take identity `leave_user_id` out of the account it shares with `keep_user_id`: it
        starts again with an account of its own (no registration, no applications); what the
        account holds stays with `keep_user_id`. Returns the kept account's id (new if the
        account was keyed by the one leaving), or None if they share no account. Call inside a
        transaction."""
        db = self.db
        async with db.transaction():
            keep, leave = await _user(db, keep_user_id), await _user(db, leave_user_id)
            if keep.id == leave.id or keep.account_id != leave.account_id:
                return None
            account = keep.account_id
            if account != leave.id:
                await db.execute("UPDATE users SET account_id = id WHERE id = ?", (leave.id,))
                return account
            # The account bears the leaving identity's id: it moves to the one that stays.
            owned, _ = await _owned_tables(db)
            for table in owned:
                await db.execute(
                    f"UPDATE {table} SET account_id = ? WHERE account_id = ?", (keep.id, account)
                )
            await db.execute(
                "UPDATE users SET account_id = ? WHERE account_id = ? AND id != ?",
                (keep.id, account, leave.id),
            )
            return keep.id

    async def reachable(self, user_id: int) -> User | None:
        """The identity of this user's account to write to: of those a message surely reaches
        (an app without a window, a Zalo OA follower inside the free 48 hours), the one seen
        last; else an OA follower inside the 7 days, else one outside them (a template message
        or unreachable); an identity that blocked the bot last of all (zalo_oa.reach_rank)."""
        row = await self.db.fetchone(
            "SELECT u.* FROM users u JOIN users me ON me.account_id = u.account_id"
            f" WHERE me.id = ? ORDER BY {reach_rank('u', utcnow())}, u.last_seen_at DESC,"
            " u.id DESC LIMIT 1",
            (user_id,),
        )
        return User.model_validate(dict(row)) if row else None


async def _user(db: Database, user_id: int) -> User:
    row = await db.fetchone("SELECT * FROM users WHERE id = ?", (user_id,))
    assert row is not None, f"no user {user_id}"
    return User.model_validate(dict(row))


async def _wrong(db: Database, user_id: int, tries: Row | None, now: datetime) -> Redeemed:
    """Count a wrong code; the MAX_TRIES-th within TRIES_WINDOW locks for LOCK_FOR."""
    fresh = tries is None or tries["first_at"] <= (now - TRIES_WINDOW).isoformat()
    failures = 1 if fresh or tries is None else int(tries["failures"]) + 1
    first_at = now.isoformat() if fresh or tries is None else tries["first_at"]
    locked = now + LOCK_FOR if failures >= MAX_TRIES else None
    await db.execute(
        "INSERT INTO link_tries (user_id, failures, first_at, locked_until) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET failures = excluded.failures,"
        " first_at = excluded.first_at, locked_until = excluded.locked_until",
        (user_id, 0 if locked else failures, first_at, locked.isoformat() if locked else None),
    )
    if locked is not None:
        return Redeemed(outcome=Outcome.LOCKED, tries_left=0, locked_until=locked)
    return Redeemed(outcome=Outcome.WRONG, tries_left=MAX_TRIES - failures)


async def _owned_tables(db: Database) -> tuple[dict[str, list[tuple[str, ...]]], list[str]]:
    """Every table but users with an account_id column, with the other columns of each unique
    key that holds account_id; and the tables where account_id alone is unique (read from the
    engine's catalogue)."""
    owned: dict[str, list[tuple[str, ...]]] = {}
    single = []
    for name, table in (await db.schema()).items():
        if name == "users" or "account_id" not in table.columns:
            continue
        owned[name] = [
            tuple(c for c in key if c != "account_id")
            for key in table.unique
            if "account_id" in key and len(key) > 1
        ]
        if ("account_id",) in table.unique:
            single.append(name)
    return owned, single


async def _holds(db: Database, tables: list[str], account: int) -> bool:
    for t in tables:
        if await db.fetchone(f"SELECT 1 FROM {t} WHERE account_id = ?", (account,)):
            return True
    return False


async def _join(db: Database, mine: int, theirs: int) -> Outcome:
    """Merge two accounts into the one holding a registration (else the older)."""
    owned, single = await _owned_tables(db)
    holders = [a for a in (mine, theirs) if await _holds(db, single, a)]
    if len(holders) == 2:
        return Outcome.BOTH_REGISTERED
    keep = holders[0] if holders else min(mine, theirs)
    drop = theirs if keep == mine else mine
    for table, keys in owned.items():
        # A row the kept account already has (both followed the same fair) stays once: the
        # dropped account's copy goes first, then the rest moves over.
        for others in keys:
            same = "".join(f" AND k.{c} = {table}.{c}" for c in others)
            await db.execute(
                f"DELETE FROM {table} WHERE account_id = ? AND EXISTS"
                f" (SELECT 1 FROM {table} k WHERE k.account_id = ?{same})",
                (drop, keep),
            )
        await db.execute(f"UPDATE {table} SET account_id = ? WHERE account_id = ?", (keep, drop))
    await db.execute("UPDATE users SET account_id = ? WHERE account_id = ?", (keep, drop))
    return Outcome.LINKED
