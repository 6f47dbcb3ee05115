"""The SQLite engine: PRAGMAs, migrations, transactions with group commit, backup.

Implements storage.engine.Database on one connection (storage/sqlite/connection.py), shared by
every coroutine of the process, with the turn cache (storage/sqlite/turn_cache.py).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, overload

from storage.engine import Row, StorageError, TableInfo, TurnMemory
from storage.sqlite import statements as st
from storage.sqlite.connection import Connection
from storage.sqlite.statements import Write
from storage.sqlite.turn_cache import TurnCache

__all__ = ["SqliteDatabase"]

T = TypeVar("T")
U = TypeVar("U")
S = TypeVar("S")
log = logging.getLogger(__name__)


class _Tx:
    """The state of the transaction the current task is in."""

    def __init__(self) -> None:
        self.started = False  # BEGIN/SAVEPOINT issued (lazily, with the first statement)
        self.deferred: list[Write] = []  # writes run by the group COMMIT
        self.savepoints: list[bool] = []  # nested blocks, innermost last: SAVEPOINT issued yet


_current: ContextVar[_Tx | None] = ContextVar("ketnoi_transaction", default=None)


class SqliteDatabase:
    """One SQLite connection, shared by every coroutine of the process."""

    def __init__(self, path: Path, conn: Connection) -> None:
        self.path = path
        self._conn = conn
        self._lock = asyncio.Lock()
        self._commit_pending: asyncio.Future[None] | None = None  # the next group COMMIT
        self._commit_waiting = False  # it waits for the transaction under way to end
        self._committing = False  # a COMMIT is in flight; the next one waits for it
        self._deferred: list[Write] = []  # of transactions finished since the last COMMIT
        self._checkpointed = time.monotonic()
        self._dirty = False  # committed since the last checkpoint was queued
        self._commit_failed: list[Callable[[], None]] = []

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> SqliteDatabase:
        """Open (creating if needed) and migrate the database at `path`."""
        path = Path(path)
        st.check_library()
        try:
            conn = await Connection.open(path)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the database {path}: {exc}") from None
        db = cls(path, conn)
        try:
            await db.run(st.configure)
            if migrate:
                await db.migrate()
        except sqlite3.Error as exc:
            await conn.close()
            raise StorageError(f"cannot use the database {path}: {exc}") from None
        except BaseException:  # a migration that failed (StorageError), a cancelled start
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        """Commit what is pending and close the connection (which checkpoints the WAL)."""
        self._dirty, self._checkpointed = False, float("inf")  # no checkpoint queued from now
        async with self._lock:
            await self._queue_commit()
        await self._conn.close()

    async def run(self, fn: Callable[[sqlite3.Connection], T], *, quick: bool = False) -> T:
        """Run `fn` with the raw connection on the database thread: several statements, one hop.

        `quick`: statements of some microseconds (by key, a few rows), run at once in the event
        loop's thread when the database thread has nothing to do (storage/sqlite/connection.py);
        a BEGIN that would wait for another process's write lock goes to the thread to wait.
        Writes through `run` belong inside `transaction()`: the connection is shared, and a
        write outside would land in whichever transaction happens to be open.
        """
        tx = _current.get()
        if tx is None or (tx.started and (not tx.savepoints or tx.savepoints[-1])):
            result: T = await self._conn.call(fn, inline=fn if quick else None)
            return result
        # The transaction's first statement takes the write lock (released when the transaction
        # ends) and carries its BEGIN/SAVEPOINT, and a nested block's first statement carries
        # the block's SAVEPOINT: no extra hop.
        begin = not tx.started
        if begin:
            await self._lock.acquire()
            tx.started = True
        pending = 0
        for i in reversed(range(len(tx.savepoints))):
            if tx.savepoints[i]:
                break
            tx.savepoints[i] = True
            pending += 1
        inline = partial(st.opening, begin, pending, fn, wait=False) if quick else None
        result = await self._conn.call(partial(st.opening, begin, pending, fn), inline=inline)
        return result

    def on_commit_failed(self, hook: Callable[[], None]) -> None:
        """Call `hook` when a COMMIT fails and is rolled back, right there on the connection
        (before any later statement): for what was kept in memory on the strength of it."""
        self._commit_failed.append(hook)

    @overload
    async def fetchone(
        self, sql: str, params: Iterable[Any] = (), *, unlocked: bool = False, quick: bool = True
    ) -> sqlite3.Row | None: ...

    @overload
    async def fetchone(
        self,
        sql: str,
        params: Iterable[Any] = (),
        *,
        unlocked: bool = False,
        quick: bool = True,
        then: Callable[[Row | None], T],
    ) -> T: ...

    async def fetchone(
        self,
        sql: str,
        params: Iterable[Any] = (),
        *,
        unlocked: bool = False,
        quick: bool = True,
        then: Callable[[Row | None], T] | None = None,
    ) -> sqlite3.Row | T | None:
        """The first row of a query, or None; `quick=False` for one that scans a table.

        `then`: called with the row on the connection, right after the statement; its result
        is returned. `unlocked`: read outside the current transaction, so without waiting for
        the write lock (it sees what other transactions wrote, committed or not): for a check
        that is made again under the lock before anything is written on the strength of it.
        """

        def go(c: sqlite3.Connection) -> sqlite3.Row | T | None:
            row: sqlite3.Row | None = c.execute(sql, tuple(params)).fetchone()
            return row if then is None else then(row)

        if unlocked:
            return await self._conn.call(go, inline=go if quick else None)
        return await self.run(go, quick=quick)

    async def fetchall(
        self, sql: str, params: Iterable[Any] = (), *, quick: bool = False
    ) -> list[Row]:
        """Every row of a query; `quick`: a few rows by key, as for `run`."""
        rows: list[Row] = await self.run(
            lambda c: c.execute(sql, tuple(params)).fetchall(), quick=quick
        )
        return rows

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one writing statement, in its own transaction unless inside one.

        Returns the new row's id for an INSERT that inserted a row, else the number of rows
        changed (0 for an INSERT that a conflict turned into nothing).
        """
        inserting = sql.lstrip()[:6].upper() == "INSERT"

        def go(c: sqlite3.Connection) -> int:
            cur = c.execute(sql, tuple(params))
            # lastrowid keeps the id of an earlier INSERT after an UPDATE or a skipped insert
            if inserting and cur.rowcount > 0 and cur.lastrowid is not None:
                return cur.lastrowid
            return cur.rowcount

        if _current.get() is not None:
            return await self.run(go, quick=True)
        async with self.transaction():
            return await self.run(go, quick=True)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one writing statement once per row of parameters, in one call, in its own
        transaction unless inside one; how many rows changed in all."""
        args = [tuple(r) for r in rows]

        def go(c: sqlite3.Connection) -> int:
            before = c.total_changes
            c.executemany(sql, args)
            return c.total_changes - before

        if _current.get() is not None:
            return await self.run(go)
        async with self.transaction():
            return await self.run(go)

    def at_commit(
        self, sql: str, params: Sequence[Any] = (), *, then: Callable[[], None] | None = None
    ) -> None:
        """Run a writing statement with the COMMIT of the current transaction (in the same
        call as the COMMIT); `then` right after it. Only inside `transaction()`."""
        args = tuple(params)
        if then is None:
            self.defer(lambda c: c.execute(sql, args))
            return

        def write(c: sqlite3.Connection) -> None:
            c.execute(sql, args)
            then()

        self.defer(write)

    def turn_memory(self, memory: TurnMemory[U, S] | None = None) -> TurnMemory[U, S] | None:
        """People's turns kept in `memory` (a TurnCache) or a new TurnCache, told of every write
        to their rows through this connection and of commits by other connections."""
        cache: TurnMemory[U, S] = TurnCache() if memory is None else memory
        if not isinstance(cache, TurnCache):
            raise TypeError(f"the SQLite engine keeps turns in a TurnCache, not {cache!r}")
        cache.attach(self._peek)
        self.on_commit_failed(cache.clear)
        return cache

    def _peek(self, fn: Callable[[sqlite3.Connection], None]) -> asyncio.Future[None]:
        """Run `fn` (some microseconds, no write) on the connection outside any transaction."""
        return self._conn.call(fn, inline=fn)

    def defer(self, write: Write) -> None:
        """Run `write` at the COMMIT of the current transaction (in the same thread hop).

        For a last write whose result nobody reads before the commit, such as the
        conversation state at the end of a turn. Only inside `transaction()`.
        """
        tx = _current.get()
        if tx is None:
            raise RuntimeError("SqliteDatabase.defer() outside a transaction")
        tx.deferred.append(write)

    def transaction(self) -> _Transaction:
        """All writes inside commit together, or not at all; the block ends once they are durable.

        The statements of different coroutines' transactions never interleave: a transaction
        takes the write lock with its first statement and keeps it to its end, so one whose
        only writes are deferred never waits for another's statements. A transaction opened
        inside another is a savepoint of it. Transactions that finish close together share one
        COMMIT (group commit), and each waits for that COMMIT before returning.
        """
        return _Transaction(self)

    def _join_commit(self) -> asyncio.Future[None]:
        """The future of the next group COMMIT, which is queued in the next round of the event
        loop, so that transactions finishing in this one join it."""
        if self._commit_pending is None:
            loop = asyncio.get_running_loop()
            self._commit_pending = loop.create_future()
            loop.call_soon(self._commit_now)
        return self._commit_pending

    def _commit_now(self, *, between: bool = False) -> None:
        """Queue the group COMMIT, unless a transaction's statements are under way: then as
        soon as that transaction ends, before the next one can begin (`between`). While a
        COMMIT is in flight, the next waits for it, gathering what finishes meanwhile, except
        between two transactions: it would otherwise wait for all of the next one."""
        if self._commit_pending is None:
            return
        if self._lock.locked():
            self._commit_waiting = True
            return
        if self._committing and not between:
            return  # queued when the COMMIT in flight is done
        self._queue_commit()

    def _queue_commit(self) -> asyncio.Future[None]:
        """Queue the COMMIT of the transactions finished since the last one, their deferred
        writes first; it settles their group's future. The database thread runs calls in the
        order they are queued, so the next transaction's BEGIN comes after this COMMIT, and no
        handler waits for the commit's hop to come back before it starts."""
        loop = asyncio.get_running_loop()
        done, self._commit_pending = self._commit_pending or loop.create_future(), None
        deferred, self._deferred = self._deferred, []

        def settle(hop: asyncio.Future[None]) -> None:
            self._committing = False
            self._commit_now()
            if done.done():
                return
            if hop.cancelled():
                done.cancel()
            elif isinstance(exc := hop.exception(), sqlite3.Error):
                done.set_exception(StorageError(f"commit failed: {exc}"))
            elif exc is not None:
                done.set_exception(exc)
            else:
                done.set_result(None)

        self._committing = True
        self._dirty = True
        hooks = self._commit_failed
        ran = self._conn.run_inline(partial(st.commit, deferred=deferred, failed=hooks, wait=False))
        if ran is not None:
            settle(ran)
        else:  # on the thread, which may wait there for another process's write lock
            commit = self._conn.call(lambda c: st.commit(c, deferred, failed=hooks))
            commit.add_done_callback(settle)
        self._checkpoint_now()
        return done

    def _checkpoint_now(self) -> None:
        """Queue a checkpoint on the database thread (copying the WAL into the database file,
        with its fsync), at most once a second: never in the event loop's thread."""
        now = time.monotonic()
        if not self._dirty or now - self._checkpointed < st.CHECKPOINT_EVERY:
            return
        self._checkpointed, self._dirty = now, False

        def failed(hop: asyncio.Future[None]) -> None:
            if not hop.cancelled() and (exc := hop.exception()) is not None:
                log.warning("checkpoint failed: %s", exc)

        self._conn.call(st.checkpoint).add_done_callback(failed)

    async def user_version(self) -> int:
        """The number of the last migration applied."""
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def applied_migrations(self) -> dict[int, str]:
        """number → name of every migration applied (schema_migrations, made from PRAGMA
        user_version the first time: statements.applied_migrations)."""
        files = st.migration_files()
        async with self._lock:  # its own transaction, when none is open
            return await self._conn.call(partial(st.applied_migrations, files=files))

    async def migrate(self) -> list[str]:
        """Apply every migration not in schema_migrations, a lower number than the last one
        applied included; returns their names."""
        done = await self.applied_migrations()
        applied = []
        for number, name, sql in st.migration_files():
            if number in done:
                continue
            await self.run(partial(st.apply_migration, number=number, name=name, sql=sql))
            applied.append(name)
        return applied

    async def schema(self) -> dict[str, TableInfo]:
        """Every table but SQLite's own, FTS5's and schema_migrations: columns, unique keys."""

        def go(c: sqlite3.Connection) -> dict[str, TableInfo]:
            tables: dict[str, TableInfo] = {}
            names = c.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE"
                " 'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE"
                " 'enterprise_search%' AND name != 'schema_migrations' ORDER BY name"
            ).fetchall()
            for (name,) in names:
                info = c.execute(f'PRAGMA table_info("{name}")').fetchall()
                columns = tuple(str(col[1]) for col in info)
                unique: list[tuple[str, ...]] = []
                key = tuple(str(col[1]) for col in sorted(info, key=lambda r: r[5]) if col[5])
                if key:
                    unique.append(key)
                for index in c.execute(f'PRAGMA index_list("{name}")').fetchall():
                    if index[2]:
                        cols = c.execute(f'PRAGMA index_info("{index[1]}")').fetchall()
                        unique.append(tuple(str(i[2]) for i in cols))
                tables[str(name)] = TableInfo(columns=columns, unique=tuple(unique))
            return tables

        return await self._conn.call(go)

    async def backup(self, target: Path | str) -> None:
        """Copy the live database to `target` with SQLite's online backup API."""

        def go(c: sqlite3.Connection) -> None:
            dest = sqlite3.connect(target)
            try:
                c.backup(dest)
            finally:
                dest.close()

        await self._conn.call(go)


class _Transaction:
    """`SqliteDatabase.transaction()`: a class rather than @asynccontextmanager, which costs a
    generator and two helper objects on every update."""

    __slots__ = ("_db", "_outer", "_token", "_tx")

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def __aenter__(self) -> SqliteDatabase:
        self._outer = _current.get()
        if self._outer is not None:
            # a savepoint of the outer transaction, issued with this block's first statement
            self._outer.savepoints.append(False)
        else:
            self._tx = _Tx()
            self._token = _current.set(self._tx)
        return self._db

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        db = self._db
        if self._outer is not None:
            # no RELEASE: the outer transaction's RELEASE ends it, and ROLLBACK TO finds the newest
            if self._outer.savepoints.pop() and kind is not None:
                await db.run(st.rollback_to("inner"))
            return
        tx = self._tx
        group: asyncio.Future[None] | None = None
        try:
            if kind is not None:
                if tx.started:
                    await db.run(st.rollback_to("turn"))
                return
            if tx.started:  # RELEASE, so that the group's savepoints do not nest
                await db.run(st.release_turn, quick=True)
            db._deferred.extend(tx.deferred)
            if tx.started or tx.deferred:
                group = db._join_commit()
        finally:
            _current.reset(self._token)
            if tx.started:
                db._lock.release()  # taken by run() with the first statement
                if db._commit_waiting:
                    db._commit_waiting = False
                    db._commit_now(between=True)
        if group is not None:
            await asyncio.shield(group)
