"""Several processes on one PostgreSQL: advisory locks say who is alive, who leads, whose turn.

Every lock here is a *session* advisory lock (https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS):
held by one connection until it lets go or closes. The server drops them the moment it sees the
connection close, so a process killed with -9 gives up its lead and its people at once, and
what it was doing is taken over (storage/outbox.py, bot/engine/outbox.py) without waiting out a
timeout. Keys are pairs of int4 (a namespace, a number), listed in pg_locks as classid/objid
with objsubid 2 (https://www.postgresql.org/docs/15/view-pg-locks.html), which is how the
others see which processes are alive.

Connections, kept apart from the engine's own pool so that waiting here never starves a turn:
- one for this process's presence and its lead of the periodic jobs, for the process's life;
- a small pool for people's turns: a turn holds one connection, with its person's lock, while
  it is handled and answered (a session lock rather than a transaction-scoped one, because a
  turn's reads, writes and sends are not one transaction of one connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import secrets
from collections.abc import AsyncIterator, Iterable

import psycopg
from psycopg_pool import AsyncConnectionPool

from storage.engine import StorageError

__all__ = ["PostgresCoordination"]

log = logging.getLogger("ketnoi.coordination")

# Namespaces of the advisory locks (the first int4 of each key); "kn" + a number, far from
# anything a DBA picks by hand.
PROCESS = 0x6B6E0001  # one per live process: its presence
LEADER = 0x6B6E0002  # the periodic jobs' leader
PERSON = 0x6B6E0003  # one person's turn

# People's turns holding a lock at once, each on a connection of its own: twice the engine's
# pool (storage/postgres/database.py), which their statements share; more wait here for a
# connection, first come first served. With the engine's 8 and the presence connection, a
# process uses up to 25 connections: mind max_connections (100 by default) with 4 processes.
TURNS = 16

_ALIVE = (
    "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND classid = %s::oid"
    " AND objsubid = 2 AND granted AND database = (SELECT oid FROM pg_database"
    " WHERE datname = current_database())"
)


def _number(text: str) -> int:
    """A stable positive int4 for a name (two names may share one: they then only wait for
    each other, never run together)."""
    digest = hashlib.blake2b(text.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") & 0x7FFFFFFF


class PostgresCoordination:
    """Advisory locks on the PostgreSQL at `url`, held for this process."""

    def __init__(self, url: str, presence: psycopg.AsyncConnection, key: int) -> None:
        self._url = url
        self._presence = presence
        self._key = key
        self._process = f"{key}"
        self._talking = asyncio.Lock()  # the presence connection runs one statement at a time
        self._leading = False
        self._turns = AsyncConnectionPool(
            url, min_size=1, max_size=TURNS, kwargs={"autocommit": True}, open=False
        )

    @classmethod
    async def open(cls, url: str) -> PostgresCoordination:
        """Connect, and take this process's presence lock."""
        try:
            presence = await psycopg.AsyncConnection.connect(url, autocommit=True)
            while True:  # a number no live process has
                key = secrets.randbelow(0x7FFFFFFF) + 1
                cur = await presence.execute("SELECT pg_try_advisory_lock(%s, %s)", (PROCESS, key))
                row = await cur.fetchone()
                if row and row[0]:
                    break
        except psycopg.Error as exc:
            raise StorageError(f"cannot coordinate on the PostgreSQL database: {exc}") from None
        made = cls(url, presence, key)
        await made._turns.open()
        log.info("process %s (pid %d) serves beside the others", made.process, os.getpid())
        return made

    @property
    def process(self) -> str:
        return self._process

    @property
    def shared(self) -> bool:
        return True

    @property
    def row_locks(self) -> str:
        return " FOR UPDATE SKIP LOCKED"

    @contextlib.asynccontextmanager
    async def person(self, key: tuple[str, str]) -> AsyncIterator[None]:
        number = _number(f"{key[0]}:{key[1]}")
        async with self._turns.connection() as conn:
            try:
                await conn.execute("SELECT pg_advisory_lock(%s, %s)", (PERSON, number))
            except BaseException:
                # Cancelled or broken while waiting: the lock may come after all; a closed
                # connection holds nothing (the pool replaces it).
                await conn.close()
                raise
            try:
                yield
            finally:
                try:
                    await conn.execute("SELECT pg_advisory_unlock(%s, %s)", (PERSON, number))
                except BaseException:
                    await conn.close()
                    raise

    async def leading(self) -> bool:
        """Take the lead if it is free; keep it while the presence connection lives."""
        async with self._talking:
            try:
                if self._leading:
                    await self._presence.execute("SELECT 1")
                    return True
                cur = await self._presence.execute(
                    "SELECT pg_try_advisory_lock(%s, %s)", (LEADER, 1)
                )
                row = await cur.fetchone()
            except psycopg.Error as exc:
                log.error("lost the connection that holds this process's locks: %s", exc)
                self._leading = False
                await self._reconnect()
                return False
            self._leading = bool(row and row[0])
            if self._leading:
                log.info("process %s now runs the periodic jobs", self.process)
            return self._leading

    async def _reconnect(self) -> None:
        """A new presence connection under the same number (its old locks died with the old
        connection); the lead is taken again at the next look, if still free."""
        with contextlib.suppress(psycopg.Error):
            await self._presence.close()
        try:
            self._presence = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
            await self._presence.execute("SELECT pg_advisory_lock(%s, %s)", (PROCESS, self._key))
        except psycopg.Error as exc:
            log.error("cannot reconnect to coordinate: %s", exc)

    async def _alive(self) -> set[int]:
        async with self._talking:
            cur = await self._presence.execute(_ALIVE, (PROCESS,))
            return {int(r[0]) for r in await cur.fetchall()}

    async def gone(self, processes: Iterable[str | None]) -> set[str | None]:
        alive = await self._alive()
        return {p for p in processes if p is None or not p.isdigit() or int(p) not in alive}

    async def processes(self) -> int:
        return max(1, len(await self._alive()))

    async def close(self) -> None:
        await self._turns.close()
        with contextlib.suppress(psycopg.Error):
            # At once, rather than when the server notices the connection gone: a process
            # started right after this one sees it stopped.
            async with self._talking:
                await self._presence.execute("SELECT pg_advisory_unlock_all()")
        with contextlib.suppress(psycopg.Error):
            await self._presence.close()
