"""Transactions sharing the connection: the write lock taken by the first statement, calls of
one event-loop round sent together, the group COMMIT queued between two transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from storage.sqlite import SqliteDatabase as Database

pytestmark = pytest.mark.sqlite_only(reason="SQLite's group commit")

NOW = "2026-11-23T00:00:00+00:00"
INSERT = "INSERT INTO users (channel, external_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)"


def committed(path: Path) -> set[str]:
    """The external ids committed so far, as another process would see them."""
    with sqlite3.connect(path) as other:
        return {r[0] for r in other.execute("SELECT external_id FROM users")}


async def test_a_deferred_only_transaction_runs_while_another_holds_the_lock(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "k.db")
    holding, release, b_ran = asyncio.Event(), asyncio.Event(), asyncio.Event()
    seen: list[str] = []

    async def a() -> None:
        async with db.transaction():
            await db.execute(INSERT, ("console", "a", NOW, NOW))
            holding.set()
            await release.wait()
        seen.append("a committed")

    async def b() -> None:
        await holding.wait()
        async with db.transaction():
            seen.append("b ran")
            b_ran.set()
            db.defer(lambda c: c.execute(INSERT, ("console", "b", NOW, NOW)))
        seen.append("b committed")

    tasks = [asyncio.create_task(a()), asyncio.create_task(b())]
    await asyncio.wait_for(b_ran.wait(), timeout=10)  # a hang guard, not a speed check
    assert committed(tmp_path / "k.db") == set()  # no COMMIT in the middle of a
    release.set()
    await asyncio.gather(*tasks)
    assert seen[0] == "b ran"
    assert committed(tmp_path / "k.db") == {"a", "b"}
    await db.close()


async def test_a_transaction_that_fails_after_others_finished_loses_only_its_own_writes(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "k.db")
    holding, release = asyncio.Event(), asyncio.Event()

    async def failing() -> None:
        async with db.transaction():
            await db.execute(INSERT, ("console", "lost", NOW, NOW))
            holding.set()
            await release.wait()
            raise RuntimeError("the handler failed")

    async def deferred() -> None:
        await holding.wait()
        async with db.transaction():
            db.defer(lambda c: c.execute(INSERT, ("console", "kept", NOW, NOW)))

    first = asyncio.create_task(failing())
    second = asyncio.create_task(deferred())
    await holding.wait()
    await asyncio.sleep(0)
    release.set()
    with pytest.raises(RuntimeError):
        await first
    await second
    assert committed(tmp_path / "k.db") == {"kept"}
    await db.close()


async def test_a_nested_block_opens_its_savepoint_with_its_first_statement(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "k.db")
    async with db.transaction():
        with pytest.raises(RuntimeError):
            async with db.transaction():  # the outer one's first statement is in here
                await db.execute(INSERT, ("console", "inner", NOW, NOW))
                raise RuntimeError
        with pytest.raises(RuntimeError):
            async with db.transaction():  # no statement: nothing to roll back
                raise RuntimeError
        await db.execute(INSERT, ("console", "outer", NOW, NOW))
    assert committed(tmp_path / "k.db") == {"outer"}
    await db.close()


async def test_calls_sent_together_get_their_own_results_and_errors(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.db")
    async with db.transaction():
        for i in range(20):
            await db.execute(INSERT, ("console", f"u{i}", NOW, NOW))
    found = await asyncio.gather(
        *(db.fetchone("SELECT external_id FROM users WHERE id = ?", (i + 1,)) for i in range(20)),
        db.fetchone("SELECT nothing FROM nowhere"),
        return_exceptions=True,
    )
    assert [r[0] for r in found[:20]] == [f"u{i}" for i in range(20)]  # type: ignore[index]
    assert isinstance(found[20], sqlite3.OperationalError)
    await db.close()


async def test_an_unlocked_read_does_not_wait_for_another_transaction(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.db")
    holding, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with db.transaction():
            await db.execute(INSERT, ("console", "a", NOW, NOW))
            holding.set()
            await release.wait()

    async def reader() -> int:
        async with db.transaction():
            row = await db.fetchone("SELECT count(*) FROM users", unlocked=True)
            release.set()
        assert row is not None
        return int(row[0])

    task = asyncio.create_task(writer())
    await holding.wait()
    try:
        count = await asyncio.wait_for(reader(), timeout=10)  # a hang guard, not a speed check
    finally:
        release.set()
    assert count == 1  # it sees the writer's row, not yet committed
    await task
    await db.close()


async def test_transactions_of_one_group_do_not_nest_their_savepoints(tmp_path: Path) -> None:
    """Each transaction that succeeds ends its savepoint, so that the next one of the same
    group starts an empty journal instead of journaling every page again one level deeper; a
    transaction that fails after them still loses only its own writes."""
    db = await Database.open(tmp_path / "k.db")
    open_savepoints: list[int] = []

    async def write(name: str) -> None:
        async with db.transaction():
            await db.execute(INSERT, ("console", name, NOW, NOW))

    def count_savepoints(c: sqlite3.Connection) -> None:
        n = 0  # RELEASE the newest "turn" until there is none: this transaction's own is one
        while True:
            try:
                c.execute("RELEASE turn")
            except sqlite3.OperationalError as exc:
                assert "no such savepoint" in str(exc)
                break
            n += 1
        open_savepoints.append(n)
        c.execute("SAVEPOINT turn")  # this transaction's, back for its own end

    async def look() -> None:
        async with db.transaction():
            await db.execute(INSERT, ("console", "looked", NOW, NOW))
            await db.run(count_savepoints)

    async def fail() -> None:
        async with db.transaction():
            await db.execute(INSERT, ("console", "lost", NOW, NOW))
            raise RuntimeError("the handler failed")

    # started together, they run one after another in one round of the loop: one group
    tasks = [asyncio.create_task(write(str(i))) for i in range(10)]
    tasks += [asyncio.create_task(look()), asyncio.create_task(fail())]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[-1], RuntimeError)
    assert open_savepoints == [1]
    assert committed(tmp_path / "k.db") == {str(i) for i in range(10)} | {"looked"}
    await db.close()
