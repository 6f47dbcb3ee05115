"""Processes on one PostgreSQL: a person's turns one at a time across processes, one leader
that passes on when it dies, dead claimants recognised. Each "process" here is a
PostgresCoordination of its own, with its own connections, as in `ketnoi run`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import psycopg
import pytest

from storage.coordination.postgres import PERSON, PostgresCoordination
from tests.database import database_url_for, on_postgres

pytestmark = pytest.mark.skipif(
    not on_postgres(), reason="needs PostgreSQL: set KETNOI_TEST_DATABASE_URL (.ci/run does)"
)


@pytest.fixture
def pg_url(tmp_path: Path) -> str:
    url = database_url_for(tmp_path / "ketnoi.db")
    assert url is not None
    return url


async def _people_locks(url: str, *, granted: bool) -> int:
    """How many turns hold (or wait for) a person's lock on the server now."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s::oid"
            " AND granted = %s",
            (PERSON, granted),
        )
        row = await cur.fetchone()
        return int(row[0]) if row else 0


async def _kill(url: str, process: PostgresCoordination) -> None:
    """What kill -9 does to a process's connections: the server sees them close."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
            " AND objid = %s::oid AND objsubid = 2",
            (int(process.process),),
        )


async def _until(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait for the server to have seen a connection close (it ends its backend a moment
    after the client goes)."""
    for _ in range(500):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the server never let go")


async def test_one_persons_turn_waits_for_their_turn_in_another_process(pg_url: str) -> None:
    a, b = await PostgresCoordination.open(pg_url), await PostgresCoordination.open(pg_url)
    try:
        done: list[str] = []
        release = asyncio.Event()

        async def first() -> None:
            async with a.person(("telegram", "42")):
                await release.wait()
                done.append("first")

        async def second() -> None:
            async with b.person(("telegram", "42")):
                done.append("second")

        one = asyncio.create_task(first())
        while await _people_locks(pg_url, granted=True) == 0:
            await asyncio.sleep(0.01)
        two = asyncio.create_task(second())
        while await _people_locks(pg_url, granted=False) == 0:
            await asyncio.sleep(0.01)
        # Someone else meanwhile is not held up by person 42.
        async with b.person(("telegram", "43")):
            done.append("other")
        release.set()
        await asyncio.gather(one, two)
        assert done == ["other", "first", "second"]
    finally:
        await a.close()
        await b.close()


async def test_the_lead_passes_on_when_its_holder_dies(pg_url: str) -> None:
    a, b = await PostgresCoordination.open(pg_url), await PostgresCoordination.open(pg_url)
    try:
        assert await a.leading()
        assert not await b.leading()
        assert await a.leading()  # kept
        assert await b.processes() == 2
        assert await b.gone([a.process, b.process, None]) == {None}

        await _kill(pg_url, a)

        await _until(lambda: b.gone([a.process]))
        assert await b.gone([a.process, b.process]) == {a.process}
        assert await b.leading()
        assert await b.processes() == 1
        assert not await a.leading()  # it notices it lost its connection, and follows
        assert await a.processes() == 2  # back, under the same name
    finally:
        await a.close()
        await b.close()


@pytest.mark.parametrize("how", ["close", "kill"])
async def test_a_stopped_process_is_gone_for_the_others(pg_url: str, how: str) -> None:
    a, b = await PostgresCoordination.open(pg_url), await PostgresCoordination.open(pg_url)
    try:
        assert a.process != b.process
        if how == "close":
            await a.close()
        else:
            await _kill(pg_url, a)
        await _until(lambda: b.gone([a.process]))
        assert await b.gone([a.process]) == {a.process}
    finally:
        await a.close()
        await b.close()
