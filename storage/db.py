"""The SQLite connection: PRAGMAs, migrations, transactions with group commit, backup."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

__all__ = ["Database", "StorageError"]

T = TypeVar("T")
Write = Callable[[sqlite3.Connection], object]
log = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 5000
CHECKPOINT_EVERY = 1.0  # seconds: the WAL is copied into the database file on the thread


class _WouldWait(Exception):
    """Another process holds the write lock: the call goes to the database thread to wait."""


class _Tx:
    """The state of the transaction the current task is in."""

    def __init__(self) -> None:
        self.started = False  # BEGIN/SAVEPOINT issued (lazily, with the first statement)
        self.deferred: list[Write] = []  # writes run by the group COMMIT
        self.savepoints: list[bool] = []  # nested blocks, innermost last: SAVEPOINT issued yet


_current: ContextVar[_Tx | None] = ContextVar("ketnoi_transaction", default=None)


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
        self._commit_pending: asyncio.Future[None] | None = None  # the next group COMMIT
        self._commit_waiting = False  # it waits for the transaction under way to end
        self._committing = False  # a COMMIT is in flight; the next one waits for it
        self._deferred: list[Write] = []  # of transactions finished since the last COMMIT
        self._queued: list[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]] = []
        self._away = 0  # calls on the database thread, or on their way to it
        self._checkpointed = time.monotonic()
        self._dirty = False  # committed since the last checkpoint was queued
        self._commit_failed: list[Callable[[], None]] = []

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
        """Commit what is pending and close the connection (which checkpoints the WAL)."""
        self._dirty, self._checkpointed = False, float("inf")  # no checkpoint queued from now
        async with self._lock:
            await self._queue_commit()
        await self._conn.close()

    async def run(self, fn: Callable[[sqlite3.Connection], T], *, quick: bool = False) -> T:
        """Run `fn` with the raw connection on the database thread: several statements, one hop.

        `quick`: statements of some microseconds (by key, a few rows), run at once in the event
        loop's thread when the database thread has nothing to do (see `_hop`); a BEGIN that
        would wait for another process's write lock goes to the thread to wait there.
        Writes through `run` belong inside `transaction()`: the connection is shared, and a
        write outside would land in whichever transaction happens to be open.
        """
        tx = _current.get()
        if tx is None or (tx.started and (not tx.savepoints or tx.savepoints[-1])):
            result: T = await self._hop(fn, inline=fn if quick else None)
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
        inline = partial(_opening, begin, pending, fn, wait=False) if quick else None
        result = await self._hop(partial(_opening, begin, pending, fn), inline=inline)
        return result

    def on_commit_failed(self, hook: Callable[[], None]) -> None:
        """Call `hook` when a COMMIT fails and is rolled back, right there on the connection
        (before any later statement): for what was kept in memory on the strength of it."""
        self._commit_failed.append(hook)

    def _idle(self) -> bool:
        """Nothing is on, or on its way to, the database thread: the connection is free."""
        return self._away == 0 and not self._queued

    def _hop(
        self,
        fn: Callable[[sqlite3.Connection], T],
        *,
        inline: Callable[[sqlite3.Connection], T] | None = None,
    ) -> asyncio.Future[T]:
        """Queue `fn` for the database thread. Calls queued while the event loop runs one
        round (other users' reads, a transaction's statement, the group COMMIT) go in one
        thread hop and come back with one wake-up of the loop, in the order they were made.

        `inline`: the same call as `fn`, of some microseconds, that raises _WouldWait rather
        than wait for a lock; it runs at once in this thread if the database thread is idle.
        Handing such a call over costs more than running it: two thread wake-ups, and the
        database thread waiting for the interpreter lock while the event loop runs Python.
        """
        if inline is not None and (ran := self._run_inline(inline)) is not None:
            return ran
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()
        self._queued.append((fn, done))
        if len(self._queued) == 1:
            loop.call_soon(self._send_queued)
        return done

    def _run_inline(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T] | None:
        """Run `fn` now in this thread if the database thread is idle; its settled future, or
        None if it was not run (the thread is busy, or `fn` would wait for a lock)."""
        if not self._idle():
            return None
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        try:
            done.set_result(fn(self._conn._conn))  # ValueError once closed
        except _WouldWait:
            return None
        except BaseException as exc:
            done.set_exception(exc)
        return done

    def _send_queued(self) -> None:
        batch, self._queued = self._queued, []
        loop = asyncio.get_running_loop()
        try:
            conn = self._conn._conn  # ValueError once closed
        except ValueError as exc:
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            return

        def work() -> None:
            results: list[tuple[bool, Any]] = []
            for fn, _ in batch:
                try:
                    results.append((True, fn(conn)))
                except BaseException as exc:
                    results.append((False, exc))
            loop.call_soon_threadsafe(settle, results)

        def settle(results: list[tuple[bool, Any]]) -> None:
            self._away -= 1
            for (_, done), (ok, value) in zip(batch, results, strict=True):
                if done.done():
                    continue
                if ok:
                    done.set_result(value)
                else:
                    done.set_exception(value)

        # aiosqlite's public calls cost one thread hop each; its queue takes any callable for
        # its thread (with no future, `work` hands the results back itself).
        self._away += 1
        self._conn._tx.put_nowait((None, work))

    async def fetchone(
        self, sql: str, params: Iterable[Any] = (), *, unlocked: bool = False, quick: bool = True
    ) -> sqlite3.Row | None:
        """The first row of a query, or None; `quick=False` for one that scans a table.

        `unlocked`: read outside the current transaction, so without waiting for the write lock
        (it sees what other transactions wrote, committed or not): for a check that is made
        again under the lock before anything is written on the strength of it.
        """

        def go(c: sqlite3.Connection) -> sqlite3.Row | None:
            row: sqlite3.Row | None = c.execute(sql, tuple(params)).fetchone()
            return row

        if unlocked:
            return await self._hop(go, inline=go if quick else None)
        return await self.run(go, quick=quick)

    async def fetchall(
        self, sql: str, params: Iterable[Any] = (), *, quick: bool = False
    ) -> list[sqlite3.Row]:
        """Every row of a query; `quick`: a few rows by key, as for `run`."""
        rows: list[sqlite3.Row] = await self.run(
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

    def defer(self, write: Write) -> None:
        """Run `write` at the COMMIT of the current transaction (in the same thread hop).

        For a last write whose result nobody reads before the commit, such as the
        conversation state at the end of a turn. Only inside `transaction()`.
        """
        tx = _current.get()
        if tx is None:
            raise RuntimeError("Database.defer() outside a transaction")
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
        ran = self._run_inline(partial(_commit, deferred=deferred, failed=hooks, wait=False))
        if ran is not None:
            settle(ran)
        else:  # on the thread, which may wait there for another process's write lock
            self._hop(lambda c: _commit(c, deferred, failed=hooks)).add_done_callback(settle)
        self._checkpoint_now()
        return done

    def _checkpoint_now(self) -> None:
        """Queue a checkpoint on the database thread (copying the WAL into the database file,
        with its fsync), at most once a second: never in the event loop's thread."""
        now = time.monotonic()
        if not self._dirty or now - self._checkpointed < CHECKPOINT_EVERY:
            return
        self._checkpointed, self._dirty = now, False

        def failed(hop: asyncio.Future[None]) -> None:
            if not hop.cancelled() and (exc := hop.exception()) is not None:
                log.warning("checkpoint failed: %s", exc)

        self._hop(_checkpoint).add_done_callback(failed)

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
            self._away += 1  # aiosqlite's own hop: the connection is not free meanwhile
            try:
                await self._conn.backup(dest)
            finally:
                self._away -= 1


class _Transaction:
    """`Database.transaction()`: a class rather than @asynccontextmanager, which costs a
    generator and two helper objects on every update."""

    __slots__ = ("_db", "_outer", "_token", "_tx")

    def __init__(self, db: Database) -> None:
        self._db = db

    async def __aenter__(self) -> Database:
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
            # no RELEASE: COMMIT clears the savepoint stack, and ROLLBACK TO finds the newest
            if self._outer.savepoints.pop() and kind is not None:
                await db.run(_rollback_to("inner"))
            return
        tx = self._tx
        group: asyncio.Future[None] | None = None
        try:
            if kind is not None:
                if tx.started:
                    await db.run(_rollback_to("turn"))
                return
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


def _configure(c: sqlite3.Connection) -> None:
    c.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = c.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise sqlite3.OperationalError(f"cannot switch to WAL mode (got {mode})")
    c.execute("PRAGMA foreign_keys = ON")
    # WAL with synchronous=NORMAL survives a killed process; only a power cut can lose the
    # last commits (https://www.sqlite.org/pragma.html#pragma_synchronous).
    c.execute("PRAGMA synchronous = NORMAL")
    # Commits may run in the event loop's thread (Database._hop): checkpoints, which fsync,
    # are queued to the database thread instead of riding a commit (Database._checkpoint_now).
    c.execute("PRAGMA wal_autocheckpoint = 0")
    c.execute("SELECT count(*) FROM sqlite_master").fetchone()


def _opening(
    begin: bool,
    savepoints: int,
    fn: Callable[[sqlite3.Connection], T],
    c: sqlite3.Connection,
    *,
    wait: bool = True,
) -> T:
    """Open the group's transaction if needed and this transaction's savepoint (`begin`), and
    the savepoints of nested blocks not yet opened; then `fn`. Without `wait`, see _begin."""
    if begin:
        if not c.in_transaction:
            _begin(c, wait)
        # not released on success: COMMIT ends them all, and ROLLBACK TO goes to the newest
        c.execute("SAVEPOINT turn")
    for _ in range(savepoints):
        c.execute("SAVEPOINT inner")
    return fn(c)


def _commit(
    c: sqlite3.Connection,
    deferred: list[Write],
    *,
    failed: Sequence[Callable[[], None]] = (),
    wait: bool = True,
) -> None:
    """The deferred writes and COMMIT; on failure, ROLLBACK and the `failed` hooks. Without
    `wait`, raises _WouldWait instead of waiting for another process's write lock (having done
    nothing); once this connection holds the lock (a transaction is open), nothing here waits:
    in WAL mode COMMIT takes no other lock, and checkpoints are not done by commits."""
    if deferred and not c.in_transaction:
        _begin(c, wait)
    try:
        for write in deferred:
            write(c)
        if c.in_transaction:
            c.execute("COMMIT")
    except BaseException:
        _rollback_if_open(c)  # in the same call: nothing queued after it may run inside
        for hook in failed:
            hook()
        raise


def _begin(c: sqlite3.Connection, wait: bool) -> None:
    """BEGIN IMMEDIATE (the write lock). Without `wait`, if another process holds the lock,
    raises _WouldWait at once, having done nothing, instead of waiting up to busy_timeout."""
    if wait:
        c.execute("BEGIN IMMEDIATE")
        return
    c.execute("PRAGMA busy_timeout = 0")
    try:
        c.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY:  # or an extended busy code
            raise _WouldWait from None
        raise
    finally:
        c.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def _checkpoint(c: sqlite3.Connection) -> None:
    c.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()


def _rollback_to(name: str) -> Callable[[sqlite3.Connection], None]:
    def go(c: sqlite3.Connection) -> None:
        c.execute(f"ROLLBACK TO {name}")
        c.execute(f"RELEASE {name}")

    return go


def _rollback_if_open(c: sqlite3.Connection) -> None:
    if c.in_transaction:
        c.execute("ROLLBACK")
