"""Users and their conversations kept in memory between their updates, as the database has them.

The database stays the only truth: every turn still writes its conversation and commits before
its reply. The cache only spares the next turn of the same person the read and the validation
of what that turn has just written. An entry goes the moment anything else writes the row:
temporary triggers on `users` and `conversations` call back into Python for every write made
through this connection, and `PRAGMA data_version` (read once per round of the event loop)
tells of commits made by other connections and processes (`ketnoi broadcast`, `ketnoi fairs
import`), which empty the cache. What is kept is kept in the connection's own order of
statements (storage.engine.TurnMemory), so a write that lands after a turn's save always
removes what that save kept.

What is kept is opaque here (a user and a conversation state, both models of storage/): this
module knows the two tables' names and keys, not the repositories.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["MAX_KEPT", "TurnCache"]

U = TypeVar("U")
S = TypeVar("S")
Peek = Callable[[Callable[[sqlite3.Connection], None]], Awaitable[None]]

MAX_KEPT = 20_000  # people kept; the oldest entry goes first (about 2.5 kB each)

_TRIGGERS = (
    "CREATE TEMP TRIGGER IF NOT EXISTS ketnoi_user_updated AFTER UPDATE ON main.users"
    " BEGIN SELECT ketnoi_forget_user(OLD.channel, OLD.external_id); END",
    "CREATE TEMP TRIGGER IF NOT EXISTS ketnoi_user_deleted AFTER DELETE ON main.users"
    " BEGIN SELECT ketnoi_forget_user(OLD.channel, OLD.external_id); END",
    "CREATE TEMP TRIGGER IF NOT EXISTS ketnoi_conversation_inserted"
    " AFTER INSERT ON main.conversations BEGIN SELECT ketnoi_forget_state(NEW.user_id); END",
    "CREATE TEMP TRIGGER IF NOT EXISTS ketnoi_conversation_updated"
    " AFTER UPDATE ON main.conversations BEGIN SELECT ketnoi_forget_state(OLD.user_id); END",
    "CREATE TEMP TRIGGER IF NOT EXISTS ketnoi_conversation_deleted"
    " AFTER DELETE ON main.conversations BEGIN SELECT ketnoi_forget_state(OLD.user_id); END",
)


class TurnCache(Generic[U, S]):
    """Users by platform address, and the conversation each turn saved, by user id.

    A conversation is taken out while its person's turn runs (the turn changes it in place) and
    put back by the turn's own save, after the save's statement; a turn that fails puts nothing
    back, so the next one reads the database. Keeps nothing until `attach`ed to a connection
    (SqliteDatabase.turn_memory) and its triggers are in place.
    """

    def __init__(self, max_kept: int = MAX_KEPT) -> None:
        self.max_kept = max_kept
        self._users: dict[tuple[str, str], tuple[int, U]] = {}  # (id, user) by address
        self._states: dict[int, S] = {}
        self._keys: dict[int, tuple[str, str]] = {}  # the address of each user kept, by id
        self._peek: Peek | None = None
        self._installed = False  # the callbacks and triggers are on the connection
        self._version: int | None = None  # PRAGMA data_version at the last look
        self._looked = False  # looked in this round of the event loop

    def __len__(self) -> int:
        return len(self._users)

    def attach(self, peek: Peek) -> None:
        """Use the connection through `peek` (a call of some microseconds, outside any
        transaction) to install the triggers and to look for other writers."""
        self._peek = peek

    async def take(self, key: tuple[str, str]) -> tuple[U, S] | None:
        """The user at `key` and their conversation, taken out until the turn saves it; None
        if either is not kept (or another connection committed since the last look)."""
        if not self._looked:
            await self._look()
        kept = self._users.get(key)
        if kept is None:
            return None
        conv = self._states.pop(kept[0], None)
        return None if conv is None else (kept[1], conv)

    async def _look(self) -> None:
        """Empty the cache if another connection committed since the last look: once per round
        of the event loop, shared by the turns that start in it (which run one after another,
        between two looks at the outside world), since the statement costs as much as a read."""
        if self._peek is None:
            raise RuntimeError("TurnCache.take() before attach()")
        await self._peek(self._look_now)
        if not self._looked:
            self._looked = True
            asyncio.get_running_loop().call_soon(self._unlook)

    def _look_now(self, c: sqlite3.Connection) -> None:
        if not self._installed:
            c.create_function("ketnoi_forget_user", 2, self._forget_user)
            c.create_function("ketnoi_forget_state", 1, self._forget_state)
            for sql in _TRIGGERS:
                c.execute(sql)
            self._installed = True
        version = c.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self.clear()
            self._version = version

    def _unlook(self) -> None:
        self._looked = False

    def keep_user(self, key: tuple[str, str], user_id: int, user: U) -> None:
        """Keep a user just read from the database (with their conversation, read with them,
        taken out); called right after the statement that read them."""
        if not self._installed:
            return
        if key in self._users:
            self._forget_user(*key)
        elif len(self._users) >= self.max_kept:
            self._forget_user(*next(iter(self._users)))
        self._users[key] = (user_id, user)
        self._keys[user_id] = key
        self._states.pop(user_id, None)

    def keep_state(self, user_id: int, state: S) -> None:
        """Keep a conversation just written by its turn's save (called right after the
        statement, so after its own trigger), if its user is kept."""
        if user_id in self._keys:
            self._states[user_id] = state

    def forget(self, key: tuple[str, str]) -> None:
        """Drop what is kept of one person (their turn failed)."""
        self._forget_user(*key)

    def clear(self) -> None:
        """Drop everything (a commit failed, or another connection wrote)."""
        self._users.clear()
        self._states.clear()
        self._keys.clear()

    def _forget_user(self, channel: str, external_id: str) -> None:
        kept = self._users.pop((channel, external_id), None)
        if kept is not None:
            self._states.pop(kept[0], None)
            self._keys.pop(kept[0], None)

    def _forget_state(self, user_id: int) -> None:
        self._states.pop(user_id, None)
