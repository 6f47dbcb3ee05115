"""The OA's tokens: kept in the database, refreshed once however many ask at the same time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.channels.zalo_oa_api import ZaloOaApi
from bot.channels.zalo_oa_tokens import RefreshRefused, TokenKeeper
from bot.core.clock import utcnow
from storage.engine import Database
from storage.zalo_oa import ZaloOaRepo
from tests.database import open_test_db
from tests.fakes.zalo_oa_api import APP_ID, FakeOa


@pytest.fixture
def fake() -> Iterator[FakeOa]:
    with FakeOa() as server:
        yield server


class Process:
    """What one ketnoi process holds: its own database connection, client and keeper."""

    def __init__(self, db: Database, fake: FakeOa, first: str = "ref-first") -> None:
        self.db = db
        self.repo = ZaloOaRepo(db)
        self.api = ZaloOaApi(
            api_url=fake.url,
            oauth_url=fake.url,
            business_url=fake.url,
            app_id=APP_ID,
            secret_key="app-secret",
        )
        self.keeper = TokenKeeper(self.repo, self.api, first, poll=0.05)

    async def open(self) -> Process:
        await self.api.open()
        await self.keeper.start()
        return self

    async def close(self) -> None:
        await self.api.close()
        await self.db.close()


@pytest.fixture
async def two(tmp_path: Path, fake: FakeOa) -> AsyncIterator[tuple[Process, Process]]:
    path = tmp_path / "ketnoi.db"
    first = await Process(await open_test_db(path), fake).open()
    second = await Process(await open_test_db(path), fake).open()
    yield first, second
    await first.close()
    await second.close()


async def test_the_first_token_comes_from_the_configured_refresh_token(
    two: tuple[Process, Process], fake: FakeOa
) -> None:
    one, _ = two
    token, generation = await one.keeper.token()
    again, _ = await one.keeper.token()
    row = await one.repo.tokens()

    assert token == again and fake.refreshes == 1
    assert row is not None and row.refresh_token == fake.refresh_token != "ref-first"
    assert row.expires_at is not None and row.expires_at > utcnow() + timedelta(hours=24)
    assert generation == row.generation


async def test_two_connections_asking_at_once_refresh_once(
    two: tuple[Process, Process], fake: FakeOa
) -> None:
    fake.refresh_delay = 0.5  # both ask while the first refresh is under way
    one, other = two
    got = await asyncio.gather(
        one.keeper.token(), other.keeper.token(), one.keeper.token(), other.keeper.token()
    )

    assert fake.refreshes == 1
    assert len({token for token, _ in got}) == 1
    assert one.keeper.refreshes + other.keeper.refreshes == 1


async def test_a_refused_token_is_renewed_once_by_whoever_notices_first(
    two: tuple[Process, Process], fake: FakeOa
) -> None:
    one, other = two
    token, generation = await one.keeper.token()
    fake.expire_tokens()  # Zalo says no before the 25 hours are over
    fake.refresh_delay = 0.3
    renewed = await asyncio.gather(one.keeper.renew(generation), other.keeper.renew(generation))

    assert fake.refreshes == 2
    assert renewed[0] == renewed[1] and renewed[0][0] != token


async def test_an_expiring_token_is_refreshed_before_use(
    two: tuple[Process, Process], fake: FakeOa
) -> None:
    one, _ = two
    await one.keeper.token()
    await one.db.execute(
        "UPDATE zalo_oa_tokens SET expires_at = ?", ((utcnow() + timedelta(minutes=5)).isoformat(),)
    )
    await one.keeper.token()
    assert fake.refreshes == 2


async def test_a_refused_refresh_token_says_so_and_frees_the_lease(
    two: tuple[Process, Process], fake: FakeOa
) -> None:
    one, other = two
    fake.fail_next("access_token", -14014, "Invalid refresh token")
    with pytest.raises(RefreshRefused):
        await one.keeper.token()
    token, _ = await other.keeper.token()  # not kept waiting for a lease nobody holds

    assert token and fake.refreshes == 1


async def test_a_new_refresh_token_in_the_environment_starts_again(
    tmp_path: Path, fake: FakeOa, two: tuple[Process, Process]
) -> None:
    one, _ = two
    await one.keeper.token()
    fake._state.refresh_token = "ref-reauthorised"  # the officer authorised the app again
    later = await Process(
        await open_test_db(tmp_path / "ketnoi.db"), fake, "ref-reauthorised"
    ).open()
    try:
        row = await later.repo.tokens()
        assert row is not None and row.access_token is None
        await later.keeper.token()
    finally:
        await later.close()
    assert fake.refreshes == 2


async def test_a_refresh_that_outlives_its_lease_still_stores_the_pair_it_got(
    two: tuple[Process, Process], fake: FakeOa
) -> None:
    one, other = two
    one.keeper = TokenKeeper(
        one.repo, one.api, "ref-first", poll=0.05, lease=timedelta(seconds=0.3)
    )
    other.keeper = TokenKeeper(
        other.repo, other.api, "ref-first", poll=0.05, lease=timedelta(seconds=0.3)
    )
    fake.refresh_delay = 2.0  # Zalo answers long after the lease is over

    first = asyncio.ensure_future(one.keeper.token())
    while True:  # the lease taken, then run out: the other process takes it and refreshes too
        row = await one.repo.tokens()
        assert row is not None
        if row.refreshing_until is not None and row.refreshing_until < utcnow():
            break
        await asyncio.sleep(0.05)
    second = await other.keeper.token()
    got = await first
    row = await one.repo.tokens()

    assert fake.refreshes == 1  # Zalo honoured the first; the second's token was used already
    assert len(fake.calls("access_token")) == 2
    assert row is not None and row.refresh_token == fake.refresh_token  # the pair is not lost
    assert got == second and row.access_token == got[0]
    later, _ = await other.keeper.token()  # and the next refresh works
    fake.expire_tokens()
    renewed = await other.keeper.renew(row.generation)
    assert later == got[0] and renewed[0] != got[0] and fake.refreshes == 2


async def test_a_pair_stored_by_someone_else_is_not_overwritten(
    two: tuple[Process, Process], fake: FakeOa
) -> None:
    one, _ = two
    await one.keeper.token()
    old = await one.repo.tokens()
    assert old is not None
    await one.db.execute("UPDATE zalo_oa_tokens SET refresh_token = 'ref-stored-meanwhile'")

    stored = await one.repo.store_refreshed(old, "acc-late", "ref-late", utcnow())

    row = await one.repo.tokens()
    assert not stored and row is not None and row.refresh_token == "ref-stored-meanwhile"
