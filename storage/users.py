"""Users: one row per platform identity, with their language and preferences."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel

from bot.core.clock import utcnow
from bot.core.types import UserRef
from storage.engine import Database, Row

__all__ = ["User", "UserRepo", "touch_user", "user_from_row"]


class User(BaseModel):
    """A person as one platform knows them."""

    id: int
    account_id: int
    channel: str
    external_id: str
    display_name: str | None = None
    locale: str | None = None
    phone: str | None = None
    reminders_on: bool = True
    broadcasts_on: bool = True  # announcements; /dung turns both off
    created_at: datetime
    last_seen_at: datetime
    blocked_at: datetime | None = None

    @property
    def ref(self) -> UserRef:
        """The platform address of this user."""
        return UserRef(channel=self.channel, external_id=self.external_id)


def user_from_row(row: Row) -> User:
    """A User from its row."""
    return User.model_validate(dict(row))


_user = user_from_row


async def touch_user(
    db: Database,
    ref: UserRef,
    display_name: str | None,
    now: str,
    *,
    then: Callable[[User], None] | None = None,
) -> tuple[User, bool]:
    """Mark the user behind `ref` seen (creating them on first contact); the user and if new.
    `then` gets the user right after the statement that last wrote them. Inside a transaction.
    """

    def written(row: Row | None) -> User | None:
        user = None if row is None else user_from_row(row)
        if user is not None and then is not None:
            then(user)
        return user

    seen = await db.fetchone(
        "UPDATE users SET last_seen_at = ?, blocked_at = NULL,"
        " display_name = coalesce(?, display_name)"
        " WHERE channel = ? AND external_id = ? RETURNING *",
        (now, display_name, ref.channel, ref.external_id),
        then=written,
    )
    if seen is not None:
        return seen, False
    new_id = await db.execute(
        "INSERT INTO users (channel, external_id, display_name, created_at, last_seen_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (ref.channel, ref.external_id, display_name, now, now),
    )
    created = await db.fetchone(
        "UPDATE users SET account_id = id WHERE id = ? RETURNING *", (new_id,), then=written
    )
    assert created is not None  # the row inserted just before, in the same transaction
    return created, True


class UserRepo:
    """Reads and writes `users`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def touch(self, ref: UserRef, display_name: str | None = None) -> tuple[User, bool]:
        """The user behind `ref`, created on first contact; marks them seen and not blocked.

        Returns the user and whether they are new. Call inside a transaction.
        """
        return await touch_user(self.db, ref, display_name, utcnow().isoformat())

    async def ensure(self, ref: UserRef) -> User:
        """The user behind `ref`, created if they never wrote (an admin listed in advance)."""
        found = await self.find(ref)
        if found is not None:
            return found
        now = utcnow().isoformat()
        async with self.db.transaction():
            # again under the write lock: they may have written meanwhile (on PostgreSQL,
            # from another process), and the read above saw only what was committed
            found = await self.find(ref)
            if found is not None:
                return found
            new_id = await self.db.execute(
                "INSERT INTO users (channel, external_id, created_at, last_seen_at)"
                " VALUES (?, ?, ?, ?)",
                (ref.channel, ref.external_id, now, now),
            )
            row = await self.db.fetchone(
                "UPDATE users SET account_id = id WHERE id = ? RETURNING *", (new_id,)
            )
        assert row is not None  # inserted just before, in the same transaction
        return _user(row)

    async def get(self, user_id: int) -> User | None:
        """The user with this id."""
        row = await self.db.fetchone("SELECT * FROM users WHERE id = ?", (user_id,))
        return _user(row) if row else None

    async def find(self, ref: UserRef) -> User | None:
        """The user behind a platform address, if they ever wrote."""
        row = await self.db.fetchone(
            "SELECT * FROM users WHERE channel = ? AND external_id = ?",
            (ref.channel, ref.external_id),
        )
        return _user(row) if row else None

    async def set_locale(self, user_id: int, locale: str) -> None:
        """Remember the user's language."""
        await self.db.execute("UPDATE users SET locale = ? WHERE id = ?", (locale, user_id))

    def set_locale_at_commit(self, user_id: int, locale: str) -> None:
        """Remember the user's language with the COMMIT of the current transaction (no hop)."""
        self.db.at_commit("UPDATE users SET locale = ? WHERE id = ?", (locale, user_id))

    async def set_phone(self, user_id: int, phone: str) -> None:
        """Remember the phone number the user shared."""
        await self.db.execute("UPDATE users SET phone = ? WHERE id = ?", (phone, user_id))

    async def set_reminders(self, user_id: int, on: bool) -> None:
        """Turn all reminders of a user on or off."""
        await self.db.execute("UPDATE users SET reminders_on = ? WHERE id = ?", (int(on), user_id))

    async def mark_blocked(self, user_id: int) -> None:
        """The user blocked the bot: send them nothing until they write again."""
        await self.db.execute(
            "UPDATE users SET blocked_at = coalesce(blocked_at, ?) WHERE id = ?",
            (utcnow().isoformat(), user_id),
        )

    async def mark_unblocked(self, ref: UserRef) -> None:
        """The user unblocked the bot (a my_chat_member update)."""
        await self.db.execute(
            "UPDATE users SET blocked_at = NULL WHERE channel = ? AND external_id = ?",
            (ref.channel, ref.external_id),
        )

    async def identities(self, account_id: int) -> list[User]:
        """Every platform identity of an account, the most recently seen first."""
        rows = await self.db.fetchall(
            "SELECT * FROM users WHERE account_id = ? ORDER BY last_seen_at DESC, id DESC",
            (account_id,),
        )
        return [_user(r) for r in rows]

    async def move(self, user_id: int, external_id: str) -> bool:
        """The chat got a new id (a group became a supergroup); False if that id is taken."""
        taken = await self.db.fetchone(
            "SELECT 1 FROM users WHERE external_id = ? AND channel ="
            " (SELECT channel FROM users WHERE id = ?)",
            (external_id, user_id),
        )
        if taken is not None:
            return False
        await self.db.execute(
            "UPDATE users SET external_id = ? WHERE id = ?", (external_id, user_id)
        )
        return True
