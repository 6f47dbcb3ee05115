"""The database thread is ours: it ends with the connection, and a closed database says so."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from storage.engine import StorageError
from storage.sqlite import SqliteDatabase, statements

pytestmark = pytest.mark.sqlite_only(reason="the SQLite connection's thread")

NOW = "2026-11-23T00:00:00+00:00"
INSERT = "INSERT INTO users (channel, external_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)"


def database_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "ketnoi-db"}


async def until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until `check()` is true (a hang guard, not a speed check)."""
    end = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < end, "timed out"
        await asyncio.sleep(0.01)


async def test_closing_ends_the_database_thread(tmp_path: Path) -> None:
    before = database_threads()  # other tests' databases may still be ending theirs
    db = await SqliteDatabase.open(tmp_path / "k.db")
    (mine,) = database_threads() - before
    await db.execute(INSERT, ("console", "a", NOW, NOW))
    await db.close()
    await until(lambda: not mine.is_alive())


async def test_a_database_dropped_without_closing_does_not_leave_its_thread(
    tmp_path: Path,
) -> None:
    before = database_threads()
    db = await SqliteDatabase.open(tmp_path / "k.db")
    (mine,) = database_threads() - before
    await db.fetchone("SELECT 1")
    del db
    gc.collect()
    await until(lambda: not mine.is_alive())


async def test_calls_after_close_fail_at_once(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(tmp_path / "k.db")
    await db.close()
    with pytest.raises(ValueError, match="closed"):
        await db.fetchone("SELECT 1")  # inline
    with pytest.raises(ValueError, match="closed"):
        await db.fetchall("SELECT 1")  # to the thread


async def test_an_sqlite_library_too_old_is_refused_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statements, "MIN_SQLITE", (99, 0, 0))
    with pytest.raises(StorageError, match=r"SQLite 99\.0\.0 or newer is needed"):
        await SqliteDatabase.open(tmp_path / "k.db")


async def test_then_runs_before_any_later_statement(tmp_path: Path) -> None:
    """A `then` runs right after its statement, even when the calls of the round go to the
    thread together: the order the turn cache relies on."""
    db = await SqliteDatabase.open(tmp_path / "k.db")
    await db.execute(INSERT, ("console", "a", NOW, NOW))
    happened: list[str] = []

    def watch(c: sqlite3.Connection) -> None:
        c.create_function("seen_update", 0, lambda: happened.append("update"))
        c.execute(
            "CREATE TEMP TRIGGER watch AFTER UPDATE ON main.users BEGIN SELECT seen_update(); END"
        )

    await db.run(watch)
    scan = db.fetchall("SELECT * FROM users")  # not quick: this round's calls go to the thread
    read = db.fetchone(
        "SELECT locale FROM users WHERE external_id = 'a'",
        then=lambda row: happened.append("then") or (row[0] if row else None),
    )
    write = db.execute("UPDATE users SET locale = 'vi' WHERE external_id = 'a'")
    _, locale, changed = await asyncio.gather(scan, read, write)
    assert (locale, changed) == (None, 1)
    assert happened == ["then", "update"]
    await db.close()


async def test_at_commit_runs_its_then_right_after_its_statement(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(tmp_path / "k.db")
    happened: list[str] = []

    def count(c: sqlite3.Connection) -> None:
        happened.append(f"rows {c.execute('SELECT count(*) FROM users').fetchone()[0]}")

    async with db.transaction():
        db.at_commit(INSERT, ("console", "a", NOW, NOW), then=lambda: happened.append("then"))
        db.defer(count)
    assert happened == ["then", "rows 1"]
    await db.close()
