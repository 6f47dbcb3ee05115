"""Users and their conversations kept in memory between their updates, as the database has them.

The database stays the only truth: every turn still writes its conversation and commits before
its reply. The cache only spares the next turn of the same person the read and the validation
of what that turn has just written. An entry goes the moment anything else writes the row:
temporary triggers on `users` and `conversations` call back into Python for every write made
through this connection, and `PRAGMA data_version` (read once per round of the event loop)
tells of commits made by other connections and processes (`ketnoi broadcast`, `ketnoi fairs
import`), which empty the cache. Every call happens in the connection's own order of
statements, so a write that lands after a turn's save always removes what that save kept.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.conversations import Conversation
    from storage.users import User

__all__ = ["MAX_KEPT", "TurnCache"]

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


class TurnCache:
    """Users by platform address, and the conversation each turn saved, by user id.

    A conversation is taken out while its person's turn runs (the turn changes it in place) and
    put back by the turn's own save, after the save's statement; a turn that fails puts nothing
    back, so the next one reads the database.
    """

    def __init__(self, max_kept: int = MAX_KEPT) -> None:
        self.max_kept = max_kept
        self._users: dict[tuple[str, str], User] = {}
        self._states: dict[int, Conversation] = {}
        self._keys: dict[int, tuple[str, str]] = {}  # the address of each user kept, by id
        self._version: int | None = None  # PRAGMA data_version at the last look
        self._checked = False  # looked in this round of the event loop

    def __len__(self) -> int:
        return len(self._users)

    def install(self, c: sqlite3.Connection) -> None:
        """Register the callbacks and the triggers on this connection (they live with it)."""
        c.create_function("ketnoi_forget_user", 2, self._forget_user)
        c.create_function("ketnoi_forget_state", 1, self._forget_state)
        for sql in _TRIGGERS:
            c.execute(sql)

    def take(self, c: sqlite3.Connection, key: tuple[str, str]) -> tuple[User, Conversation] | None:
        """The user at `key` and their conversation, taken out until the turn saves it; None
        if either is not kept (or another connection committed since the last lookup)."""
        if not self._checked:
            self._check_other_writers(c)
        user = self._users.get(key)
        if user is None:
            return None
        conv = self._states.pop(user.id, None)
        return None if conv is None else (user, conv)

    def _check_other_writers(self, c: sqlite3.Connection) -> None:
        """Empty the cache if another connection committed since the last look: once per round
        of the event loop, shared by the turns that start in it (which run one after another,
        between two looks at the outside world), since the statement costs as much as a read."""
        version = c.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self.clear()
            self._version = version
        try:
            asyncio.get_running_loop().call_soon(self._uncheck)
        except RuntimeError:  # on the database thread: no loop there; look again next time
            return
        self._checked = True

    def _uncheck(self) -> None:
        self._checked = False

    def keep_user(self, key: tuple[str, str], user: User) -> None:
        """Keep a user just read from the database, with their conversation (read with them)
        taken out."""
        if key not in self._users and len(self._users) >= self.max_kept:
            self._forget_user(*next(iter(self._users)))
        self._users[key] = user
        self._keys[user.id] = key
        self._states.pop(user.id, None)

    def keep_state(self, conv: Conversation) -> None:
        """Keep a conversation just written by its turn's save (after the statement, so after
        its own trigger), if its user is kept."""
        if conv.user_id in self._keys:
            self._states[conv.user_id] = conv

    def forget(self, key: tuple[str, str]) -> None:
        """Drop what is kept of one person (their turn failed)."""
        self._forget_user(*key)

    def clear(self) -> None:
        """Drop everything (a commit failed, or another connection wrote)."""
        self._users.clear()
        self._states.clear()
        self._keys.clear()

    def _forget_user(self, channel: str, external_id: str) -> None:
        user = self._users.pop((channel, external_id), None)
        if user is not None:
            self._states.pop(user.id, None)
            self._keys.pop(user.id, None)

    def _forget_state(self, user_id: int) -> None:
        self._states.pop(user_id, None)
