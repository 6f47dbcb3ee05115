"""Outbox claims name their process; the claims of a process that stopped are taken over:
never sent twice (what reached the platform is 'unknown'), nothing lost (what did not goes
back in the queue), replies sent again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.types import Reply, UserRef
from storage.coordination import Local
from storage.engine import Database
from storage.opening import open_database
from storage.outbox import OutboxRepo
from storage.users import UserRepo
from tests.database import database_url_for, on_postgres, open_test_db


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    opened = await open_test_db(tmp_path / "ketnoi.db")
    try:
        yield opened
    finally:
        await opened.close()


async def _queue(db: Database, keys: list[tuple[str, str]]) -> None:
    users, outbox = UserRepo(db), OutboxRepo(db)
    for n, (key, lane) in enumerate(keys, start=1):
        user = await users.ensure(UserRef("telegram", str(n)))
        assert await outbox.enqueue(user.id, [Reply(text=key)], key, lane=lane)


async def test_a_stopped_process_rows_are_taken_over_and_a_live_ones_left(
    db: Database,
) -> None:
    await _queue(db, [("went", "bulk"), ("waited", "bulk"), ("answer", "reply"), ("b", "bulk")])
    one, two = Local(), Local()
    first, second = OutboxRepo(db, one), OutboxRepo(db, two)
    mine = await first.claim(3, channel="telegram")
    assert sorted(r.dedupe_key for r in mine) == ["answer", "waited", "went"]
    assert {r.claimed_by for r in mine} == {one.process}
    [theirs] = await second.claim(5, channel="telegram")  # only what was left
    assert theirs.dedupe_key == "b" and theirs.claimed_by == two.process
    went = next(r for r in mine if r.dedupe_key == "went")
    await first.handed(went.id)

    # The first process dies; the second takes over its rows.
    unknown = await second.take_over(await two.gone(await second.claimants()), unsent_back=True)

    assert [r.dedupe_key for r in unknown] == ["went"]  # it may have arrived: never again
    statuses = {k: (await second.get(k)) for k in ("went", "waited", "answer", "b")}
    assert {k: r.status for k, r in statuses.items() if r} == {
        "went": "unknown",
        "waited": "pending",  # never reached the platform: sent by someone else
        "answer": "pending",  # a person waits for it: sent again, even if twice
        "b": "sending",  # the live process's own
    }
    assert statuses["waited"] is not None and statuses["waited"].attempts == 0
    # Taken over once: a second look finds nothing more.
    assert await second.take_over({one.process}, unsent_back=True) == []


async def test_alone_on_sqlite_everything_in_flight_at_a_restart_is_unknown(
    db: Database,
) -> None:
    await _queue(db, [("a", "bulk"), ("b", "notice")])
    before = OutboxRepo(db, Local())
    assert len(await before.claim(5, channel="telegram")) == 2  # never handed: not recorded

    after = OutboxRepo(db, Local())  # the next run
    unknown = await after.take_over(
        await after.coordination.gone(await after.claimants()),
        unsent_back=after.coordination.shared,
    )
    assert sorted(r.dedupe_key for r in unknown) == ["a", "b"]


@pytest.mark.skipif(not on_postgres(), reason="needs PostgreSQL: KETNOI_TEST_DATABASE_URL")
async def test_senders_of_two_processes_never_claim_the_same_row(
    db: Database, tmp_path: Path
) -> None:
    from storage.coordination.postgres import PostgresCoordination

    url = database_url_for(tmp_path / "ketnoi.db")
    assert url is not None
    user = await UserRepo(db).ensure(UserRef("telegram", "1"))
    await OutboxRepo(db).enqueue_many(
        [(user.id, f"row:{n}") for n in range(300)], [Reply(text="Hội chợ")]
    )
    processes = [
        (await open_database(tmp_path / "unused", url), await PostgresCoordination.open(url))
        for _ in range(2)
    ]
    try:
        senders = [OutboxRepo(d, c) for d, c in processes for _ in range(4)]  # 4 each

        async def drain(repo: OutboxRepo) -> list[int]:
            mine: list[int] = []
            while rows := await repo.claim(7, channel="telegram"):
                assert len(rows) <= 7  # no more than asked: each claimed row is at risk
                mine += [r.id for r in rows]
                for row in rows:
                    await repo.finish(row.id, "sent")
            return mine

        claimed = await asyncio.gather(*(drain(r) for r in senders))
        every = [i for ids in claimed for i in ids]
        assert len(every) == len(set(every)) == 300  # each row once, none left
    finally:
        for database, coordination in processes:
            await coordination.close()
            await database.close()
