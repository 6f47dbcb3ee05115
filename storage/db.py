"""The SQLite connection: PRAGMAs, migrations, transactions with group commit, backup."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

__all__ = ["Database", "StorageError", "utcnow"]

T = TypeVar("T")
Write = Callable[[sqlite3.Connection], object]


class _Tx:
    """The state of the transaction the current task is in."""

    def __init__(self) -> None:
        self.started = False  # BEGIN/SAVEPOINT issued (lazily, with the first statement)
        self.deferred: list[Write] = []  # writes run by the group COMMIT


_current: ContextVar[_Tx | None] = ContextVar("ketnoi_transaction", default=None)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


class StorageError(Exception):
    """The database cannot be used; the message is the one line to show."""


def _migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every file in storage/migrations, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        if entry.name.endswith(".sql") and entry.name[:4].isdigit():
            found.append((int(entry.name[:4]), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class Database:
    """One aiosqlite connection, shared by every coroutine of the process."""

    def __init__(self, path: Path, conn: aiosqlite.Connection) -> None:
        self.path = path
        self._conn = conn
        self._lock = asyncio.Lock()
        self._commit_pending: asyncio.Future[None] | None = None
        self._deferred: list[Write] = []  # of transactions finished since the last COMMIT

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> Database:
        """Open (creating if needed) and migrate the database at `path`."""
        path = Path(path)
        try:
            conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the database {path}: {exc}") from None
        conn.row_factory = sqlite3.Row
        db = cls(path, conn)
        try:
            await db.run(_configure)
            if migrate:
                await db.migrate()
        except sqlite3.Error as exc:
            await conn.close()
            raise StorageError(f"cannot use the database {path}: {exc}") from None
        return db

    async def close(self) -> None:
        """Commit what is pending and close the connection."""
        async with self._lock:
            deferred, self._deferred = self._deferred, []
            await self.run(lambda c: _commit(c, deferred))
        await self._conn.close()

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` with the raw connection on the database thread: several statements, one hop.

        Writes through `run` belong inside `transaction()`: the connection is shared, and a
        write outside would land in whichever transaction happens to be open.
        """
        # aiosqlite's public calls cost one thread hop each; _execute queues any callable on the
        # same thread, which lets a repository do a read-modify-write in a single hop.
        tx = _current.get()
        if tx is not None and not tx.started:
            # the transaction's first statement carries its BEGIN/SAVEPOINT: no extra hop
            tx.started = True
            result: T = await self._conn._execute(_after_begin, fn, self._conn._conn)
        else:
            result = await self._conn._execute(fn, self._conn._conn)
        return result

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        row: sqlite3.Row | None = await self.run(lambda c: c.execute(sql, tuple(params)).fetchone())
        return row

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Every row of a query."""
        rows: list[sqlite3.Row] = await self.run(lambda c: c.execute(sql, tuple(params)).fetchall())
        return rows

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one writing statement, in its own transaction unless inside one.

        Returns the last inserted rowid, or the number of rows changed.
        """

        def go(c: sqlite3.Connection) -> int:
            cur = c.execute(sql, tuple(params))
            return cur.lastrowid if cur.lastrowid else cur.rowcount

        if _current.get() is not None:
            return await self.run(go)
        async with self.transaction():
            return await self.run(go)

    def defer(self, write: Write) -> None:
        """Run `write` at the COMMIT of the current transaction (in the same thread hop).

        For a last write whose result nobody reads before the commit, such as the
        conversation state at the end of a turn. Only inside `transaction()`.
        """
        tx = _current.get()
        if tx is None:
            raise RuntimeError("Database.defer() outside a transaction")
        tx.deferred.append(write)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """All writes inside commit together, or not at all; the block ends once they are durable.

        Transactions of different coroutines run one at a time; a transaction opened inside
        another is a savepoint of it. Transactions that finish close together share one COMMIT
        (group commit), and each waits for that COMMIT before returning.
        """
        if _current.get() is not None:
            await self.run(lambda c: c.execute("SAVEPOINT inner"))
            try:
                yield self
            except BaseException:
                await self.run(_rollback_to("inner"))
                raise
            # no RELEASE: COMMIT clears the savepoint stack, and ROLLBACK TO finds the newest
            return
        tx = _Tx()
        async with self._lock:
            token = _current.set(tx)
            try:
                yield self
            except BaseException:
                if tx.started:
                    await self.run(_rollback_to("turn"))
                raise
            finally:
                _current.reset(token)
            self._deferred.extend(tx.deferred)
        if tx.started or tx.deferred:
            await self._group_commit()

    async def _group_commit(self) -> None:
        if self._commit_pending is None:
            self._commit_pending = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().create_task(self._commit_soon(self._commit_pending))
        await asyncio.shield(self._commit_pending)

    async def _commit_soon(self, done: asyncio.Future[None]) -> None:
        await asyncio.sleep(0)  # let transactions already waiting for the lock join this commit
        async with self._lock:
            self._commit_pending = None
            deferred, self._deferred = self._deferred, []
            try:
                await self.run(lambda c: _commit(c, deferred))
            except sqlite3.Error as exc:
                await self.run(_rollback_if_open)
                done.set_exception(StorageError(f"commit failed: {exc}"))
            else:
                done.set_result(None)

    async def user_version(self) -> int:
        """The number of the last migration applied."""
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self) -> list[str]:
        """Apply the migrations newer than PRAGMA user_version; returns their names."""
        current = await self.user_version()
        applied = []
        for number, name, sql in _migrations():
            if number <= current:
                continue
            script = f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;"
            try:
                await self.run(lambda c, s=script: c.executescript(s))  # type: ignore[misc]
            except sqlite3.Error as exc:
                await self.run(_rollback_if_open)
                raise StorageError(f"migration {name} failed: {exc}") from None
            applied.append(name)
        return applied

    async def backup(self, target: Path | str) -> None:
        """Copy the live database to `target` with SQLite's online backup API."""
        async with aiosqlite.connect(target) as dest:
            await self._conn.backup(dest)


def _configure(c: sqlite3.Connection) -> None:
    c.execute("PRAGMA busy_timeout = 5000")
    mode = c.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise sqlite3.OperationalError(f"cannot switch to WAL mode (got {mode})")
    c.execute("PRAGMA foreign_keys = ON")
    # WAL with synchronous=NORMAL survives a killed process; only a power cut can lose the
    # last commits (https://www.sqlite.org/pragma.html#pragma_synchronous).
    c.execute("PRAGMA synchronous = NORMAL")
    c.execute("SELECT count(*) FROM sqlite_master").fetchone()


def _after_begin(fn: Callable[[sqlite3.Connection], T], c: sqlite3.Connection) -> T:
    """Open the group's transaction if needed and this transaction's savepoint, then `fn`."""
    if not c.in_transaction:
        c.execute("BEGIN IMMEDIATE")
    # not released on success: COMMIT ends them all, and ROLLBACK TO goes to the newest
    c.execute("SAVEPOINT turn")
    return fn(c)


def _commit(c: sqlite3.Connection, deferred: list[Write]) -> None:
    if deferred and not c.in_transaction:
        c.execute("BEGIN IMMEDIATE")
    for write in deferred:
        write(c)
    if c.in_transaction:
        c.execute("COMMIT")


def _rollback_to(name: str) -> Callable[[sqlite3.Connection], None]:
    def go(c: sqlite3.Connection) -> None:
        c.execute(f"ROLLBACK TO {name}")
        c.execute(f"RELEASE {name}")

    return go


def _rollback_if_open(c: sqlite3.Connection) -> None:
    if c.in_transaction:
        c.execute("ROLLBACK")
