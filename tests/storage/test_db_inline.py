"""Short statements and the group COMMIT run in the event loop's thread when the database
thread is idle; what would wait for another process's write lock waits on the thread instead,
and checkpoints (which fsync) are done on the thread."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.sqlite import SqliteDatabase as Database
from storage.sqlite import statements as db_module

pytestmark = pytest.mark.sqlite_only(reason="the inline path of the SQLite thread")

NOW = "2026-11-23T00:00:00+00:00"
INSERT = "INSERT INTO users (channel, external_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)"


def committed(path: Path) -> set[str]:
    """The external ids committed so far, as another process would see them."""
    with sqlite3.connect(path) as other:
        return {r[0] for r in other.execute("SELECT external_id FROM users")}


async def ticks_while(work: asyncio.Future[object], until: float = 0.3) -> int:
    """How many times a 10 ms timer fired in the event loop until `until` seconds passed, with
    `work` under way (a loop blocked by `work` cannot fire it)."""
    fired = 0
    loop = asyncio.get_running_loop()
    end = loop.time() + until
    while loop.time() < end:
        await asyncio.sleep(0.01)
        fired += 1
    assert not work.done()
    return fired


@pytest.fixture
async def held(tmp_path: Path) -> AsyncIterator[tuple[Database, sqlite3.Connection]]:
    """The bot's database, and another process (`ketnoi fairs import`) holding its write lock."""
    db = await Database.open(tmp_path / "k.db")
    other = sqlite3.connect(tmp_path / "k.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield db, other
    other.close()
    await db.close()


@pytest.mark.parametrize("how", ["deferred", "statement"])
async def test_a_commit_waits_for_another_process_on_the_thread_and_the_bot_keeps_answering(
    held: tuple[Database, sqlite3.Connection], tmp_path: Path, how: str
) -> None:
    db, other = held
    path = tmp_path / "k.db"

    async def write() -> None:
        async with db.transaction():
            if how == "deferred":
                db.defer(lambda c: c.execute(INSERT, ("console", "a", NOW, NOW)))
            else:
                await db.execute(INSERT, ("console", "a", NOW, NOW))

    task = asyncio.ensure_future(write())
    # The event loop runs on (timers fire) while the write waits for the lock.
    assert await ticks_while(task) >= 10
    assert committed(path) == set()
    other.execute("COMMIT")
    await asyncio.wait_for(task, timeout=10)  # a hang guard, not a speed check
    assert committed(path) == {"a"}
    # and the next writes, with the lock free again, are as durable
    await db.execute(INSERT, ("console", "b", NOW, NOW))
    assert committed(path) == {"a", "b"}


async def test_a_commit_that_cannot_wait_long_enough_fails_without_losing_the_next(
    held: tuple[Database, sqlite3.Connection], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, other = held
    # The busy timeout put back after the try in the event loop's thread, and waited on the thread
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 200)
    with pytest.raises(db_module.StorageError, match="locked"):
        async with db.transaction():
            db.defer(lambda c: c.execute(INSERT, ("console", "a", NOW, NOW)))
    other.execute("ROLLBACK")
    await db.execute(INSERT, ("console", "b", NOW, NOW))
    assert committed(tmp_path / "k.db") == {"b"}


async def test_the_wal_is_checkpointed_so_it_does_not_grow_with_every_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "CHECKPOINT_EVERY", 0.0)
    path = tmp_path / "k.db"
    db = await Database.open(path)
    blob = "x" * 8000  # two pages a row: 600 rows write at least 1,200 pages to the WAL
    for i in range(600):
        await db.execute(INSERT, ("console", f"{i}-{blob}", NOW, NOW))
    wal = path.with_name("k.db-wal")
    # Without checkpoints the WAL would hold every page written (over 4.8 MB); checkpointed,
    # SQLite starts it again from the top, and only what is yet to be copied stays.
    assert wal.stat().st_size < 1_000_000
    assert len(committed(path)) == 600
    await db.close()


async def test_short_reads_made_together_still_get_their_own_results(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.db")
    for i in range(5):
        await db.execute(INSERT, ("console", f"u{i}", NOW, NOW))
    slow = db.fetchall("SELECT external_id FROM users ORDER BY id")  # to the thread
    found = await asyncio.gather(
        slow,
        *(db.fetchone("SELECT external_id FROM users WHERE id = ?", (i + 1,)) for i in range(5)),
    )
    assert [r[0] for r in found[0]] == [f"u{i}" for i in range(5)]
    assert [r[0] for r in found[1:]] == [f"u{i}" for i in range(5)]
    await db.close()
