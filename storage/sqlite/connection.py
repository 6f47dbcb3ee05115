"""One sqlite3 connection and the one thread of ours that runs calls on it.

Calls made while the event loop runs one round go to the database thread together and come
back with one wake-up of the loop, in the order they were made. A call of some microseconds
runs at once in the event loop's own thread when the database thread has nothing to do: handing
it over would cost more than running it (two thread wake-ups, and the database thread waiting
for the interpreter lock while the loop runs Python). The connection is never used by two
threads at once: the loop's thread uses it only while nothing is on, or on its way to, the
database thread.

Why a thread of our own and not aiosqlite's: aiosqlite's public calls cost one thread hop each,
and it has no public way to send several calls in one hop or to use the connection in the event
loop's thread. Version 1 reached into its private attributes for both (`_conn`, `_tx`), which
any release may change. This module is the small part of aiosqlite we need, owned openly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from queue import SimpleQueue
from typing import Any, TypeVar

__all__ = ["Connection", "WouldWait"]

T = TypeVar("T")
Call = Callable[[sqlite3.Connection], Any]
log = logging.getLogger(__name__)


class WouldWait(Exception):
    """Raised by an inline call instead of waiting for a lock: the call goes to the thread."""


class _Thread:
    """The database thread: runs jobs in the order they are put, until it is stopped."""

    def __init__(self) -> None:
        jobs: SimpleQueue[Callable[[], object] | None] = SimpleQueue()
        self.put = jobs.put
        # A daemon, so that a connection left open never keeps the process alive (SQLite in
        # WAL mode survives a process that ends mid-write); stopped when the connection is
        # closed, or dropped without being closed.
        threading.Thread(target=_serve, args=(jobs,), name="ketnoi-db", daemon=True).start()
        self.stop = weakref.finalize(self, jobs.put, None)

    def call(self, fn: Callable[[], T]) -> asyncio.Future[T]:
        """Run `fn` on the thread; its result in the running event loop."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()

        def job() -> None:
            try:
                result = fn()
            except BaseException as exc:
                _post(loop, _fail, done, exc)
            else:
                _post(loop, _succeed, done, result)

        self.put(job)
        return done


def _serve(jobs: SimpleQueue[Callable[[], object] | None]) -> None:
    while (job := jobs.get()) is not None:
        try:
            job()
        except BaseException:  # jobs settle their own futures; this is a bug, not a stop
            log.exception("database thread job failed")
        # while waiting for the next job, hold nothing of the last: a connection dropped
        # without being closed must be collectable, which is what stops this thread
        job = None


def _post(loop: asyncio.AbstractEventLoop, fn: Callable[..., None], *args: Any) -> None:
    """Hand `fn(*args)` to the event loop's thread (nobody waits any more if it is closed)."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(fn, *args)


def _succeed(done: asyncio.Future[T], value: T) -> None:
    if not done.done():
        done.set_result(value)


def _fail(done: asyncio.Future[Any], exc: BaseException) -> None:
    if not done.done():
        done.set_exception(exc)


class Connection:
    """The connection, used by the event loop's thread when idle and else by the database
    thread; `call` is the only way in."""

    def __init__(self, conn: sqlite3.Connection, thread: _Thread) -> None:
        self._conn: sqlite3.Connection | None = conn
        self._thread = thread
        self._queued: list[tuple[Call, asyncio.Future[Any]]] = []
        self._away = 0  # batches on the database thread, or on their way to it

    @classmethod
    async def open(cls, path: Path) -> Connection:
        """Connect (on the database thread: opening a file may block)."""
        thread = _Thread()
        try:
            conn = await thread.call(
                lambda: sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            )
        except BaseException:
            thread.stop()
            raise
        conn.row_factory = sqlite3.Row
        return cls(conn, thread)

    async def close(self) -> None:
        """Close the connection after every call queued before, and end the thread."""
        if self._conn is None:
            return
        try:
            await self.call(lambda c: c.close())
        finally:
            self._conn = None
            self._thread.stop()

    def idle(self) -> bool:
        """Nothing is on, or on its way to, the database thread: the connection is free."""
        return self._away == 0 and not self._queued

    def call(
        self,
        fn: Callable[[sqlite3.Connection], T],
        *,
        inline: Callable[[sqlite3.Connection], T] | None = None,
    ) -> asyncio.Future[T]:
        """Queue `fn` for the database thread, with the other calls of this round of the event
        loop; its future.

        `inline`: the same call as `fn`, of some microseconds, that raises WouldWait rather
        than wait for a lock; it runs at once in this thread if the database thread is idle.
        """
        if inline is not None and (ran := self.run_inline(inline)) is not None:
            return ran
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()
        self._queued.append((fn, done))
        if len(self._queued) == 1:
            loop.call_soon(self._send_queued)
        return done

    def run_inline(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T] | None:
        """Run `fn` now in this thread if the database thread is idle; its settled future, or
        None if it was not run (the thread is busy, or `fn` would wait for a lock)."""
        if self._away or self._queued:
            return None
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        try:
            if self._conn is None:
                raise ValueError("the database is closed")
            done.set_result(fn(self._conn))
        except WouldWait:
            return None
        except BaseException as exc:
            done.set_exception(exc)
        return done

    def _send_queued(self) -> None:
        batch, self._queued = self._queued, []
        conn = self._conn
        if conn is None:
            for _, done in batch:
                _fail(done, ValueError("the database is closed"))
            return
        loop = asyncio.get_running_loop()

        def work() -> None:
            results: list[tuple[bool, Any]] = []
            for fn, _ in batch:
                try:
                    results.append((True, fn(conn)))
                except BaseException as exc:
                    results.append((False, exc))
            _post(loop, settle, results)

        def settle(results: list[tuple[bool, Any]]) -> None:
            self._away -= 1
            for (_, done), (ok, value) in zip(batch, results, strict=True):
                if ok:
                    _succeed(done, value)
                else:
                    _fail(done, value)

        self._away += 1
        self._thread.put(work)
