"""Link codes: single use, ten minutes, five wrong tries, and accounts joined with their data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.app import App
from bot.core.types import UserRef
from storage.links import LinkRepo, Outcome
from storage.users import User


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), tick=False) as frozen:
        yield frozen


async def identity(app: App, channel: str, external_id: str) -> User:
    async with app.db.transaction():
        user, _ = await app.router.services.users.touch(
            UserRef(channel=channel, external_id=external_id)
        )
    return user


async def issue(app: App, user: User) -> str:
    async with app.db.transaction():
        return (await app.router.services.links.issue(user.id)).code


async def redeem(app: App, user: User, code: str) -> Outcome:
    async with app.db.transaction():
        return (await app.router.services.links.redeem(user.id, code)).outcome


async def account(app: App, user: User) -> int:
    found = await app.router.services.users.get(user.id)
    assert found is not None
    return found.account_id


async def test_a_code_joins_two_apps_once(app: App, clock: time_machine.Coordinates) -> None:
    zalo, telegram = await identity(app, "zalo", "z1"), await identity(app, "telegram", "42")
    third = await identity(app, "telegram", "43")
    code = await issue(app, zalo)

    assert len(code) == 6 and code.isdigit()
    assert await redeem(app, telegram, code) is Outcome.LINKED
    assert await account(app, telegram) == await account(app, zalo) == zalo.account_id
    assert await redeem(app, third, code) is Outcome.WRONG  # single use


async def test_a_new_code_replaces_the_last(app: App, clock: time_machine.Coordinates) -> None:
    zalo, telegram = await identity(app, "zalo", "z1"), await identity(app, "telegram", "42")
    first = await issue(app, zalo)
    second = await issue(app, zalo)

    if first != second:
        assert await redeem(app, telegram, first) is Outcome.WRONG
    assert await redeem(app, telegram, second) is Outcome.LINKED


async def test_codes_expire_after_ten_minutes(app: App, clock: time_machine.Coordinates) -> None:
    zalo, telegram = await identity(app, "zalo", "z1"), await identity(app, "telegram", "42")
    late = await issue(app, zalo)
    clock.shift(timedelta(minutes=10, seconds=1))

    assert await redeem(app, telegram, late) is Outcome.WRONG
    in_time = await issue(app, zalo)
    clock.shift(timedelta(minutes=9, seconds=59))
    assert await redeem(app, telegram, in_time) is Outcome.LINKED


async def test_five_wrong_codes_lock_for_fifteen_minutes(
    app: App, clock: time_machine.Coordinates
) -> None:
    zalo, telegram = await identity(app, "zalo", "z1"), await identity(app, "telegram", "42")
    code = await issue(app, zalo)
    wrong = "000000" if code != "000000" else "111111"
    links: LinkRepo = app.router.services.links

    lefts = []
    for _ in range(4):
        async with app.db.transaction():
            lefts.append((await links.redeem(telegram.id, wrong)).tries_left)
    locked = await redeem(app, telegram, wrong)
    right_but_locked = await redeem(app, telegram, code)
    clock.shift(timedelta(minutes=15, seconds=1))
    code = await issue(app, zalo)  # the first one has expired meanwhile

    assert lefts == [4, 3, 2, 1]
    assert (locked, right_but_locked) == (Outcome.LOCKED, Outcome.LOCKED)
    assert await redeem(app, telegram, code) is Outcome.LINKED


async def test_wrong_tries_are_forgotten_after_a_quarter_hour(
    app: App, clock: time_machine.Coordinates
) -> None:
    zalo, telegram = await identity(app, "zalo", "z1"), await identity(app, "telegram", "42")
    code = await issue(app, zalo)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        await redeem(app, telegram, wrong)
    clock.shift(timedelta(minutes=16))

    assert await redeem(app, telegram, wrong) is Outcome.WRONG  # a fresh count, not a lock


async def test_own_code_and_same_app_are_refused_and_keep_the_code(
    app: App, clock: time_machine.Coordinates
) -> None:
    zalo, other_zalo = await identity(app, "zalo", "z1"), await identity(app, "zalo", "z2")
    telegram = await identity(app, "telegram", "42")
    code = await issue(app, zalo)

    assert await redeem(app, zalo, code) is Outcome.OWN_CODE
    assert await redeem(app, other_zalo, code) is Outcome.SAME_APP
    assert await redeem(app, telegram, code) is Outcome.LINKED


async def own_tables(app: App) -> None:
    """Tables owned by account, as other features have them: one per account, many, keyed."""
    async with app.db.transaction():
        await app.db.execute(
            "CREATE TABLE profiles (account_id INTEGER NOT NULL UNIQUE, name TEXT)"
        )
        await app.db.execute("CREATE TABLE notes (account_id INTEGER NOT NULL, note TEXT)")
        await app.db.execute(
            "CREATE TABLE follows (account_id INTEGER, fair INTEGER,"
            " PRIMARY KEY (account_id, fair))"
        )


async def rows(app: App, table: str) -> list[tuple[int, object]]:
    found = await app.db.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2")
    return [tuple(r) for r in found]  # type: ignore[misc]


async def test_the_account_with_the_registration_survives_with_all_data(
    app: App, clock: time_machine.Coordinates
) -> None:
    await own_tables(app)
    telegram, zalo = await identity(app, "telegram", "42"), await identity(app, "zalo", "z1")
    async with app.db.transaction():
        await app.db.execute("INSERT INTO profiles VALUES (?, 'Gốm Minh Hải')", (zalo.account_id,))
        for who, fair in ((telegram, 1), (telegram, 2), (zalo, 1)):
            await app.db.execute("INSERT INTO follows VALUES (?, ?)", (who.account_id, fair))
        await app.db.execute("INSERT INTO notes VALUES (?, 'từ Telegram')", (telegram.account_id,))

    assert await redeem(app, telegram, await issue(app, zalo)) is Outcome.LINKED

    kept = zalo.account_id  # the younger account, but it holds the registration
    assert await account(app, telegram) == kept
    assert await rows(app, "profiles") == [(kept, "Gốm Minh Hải")]
    assert await rows(app, "follows") == [(kept, 1), (kept, 2)]
    assert await rows(app, "notes") == [(kept, "từ Telegram")]


async def test_two_registrations_are_not_merged(app: App, clock: time_machine.Coordinates) -> None:
    await own_tables(app)
    telegram, zalo = await identity(app, "telegram", "42"), await identity(app, "zalo", "z1")
    async with app.db.transaction():
        for who in (telegram, zalo):
            await app.db.execute("INSERT INTO profiles VALUES (?, 'x')", (who.account_id,))

    assert await redeem(app, telegram, await issue(app, zalo)) is Outcome.BOTH_REGISTERED
    assert await account(app, telegram) != await account(app, zalo)


async def test_reminders_go_to_the_app_used_last(app: App, clock: time_machine.Coordinates) -> None:
    telegram, zalo = await identity(app, "telegram", "42"), await identity(app, "zalo", "z1")
    await redeem(app, telegram, await issue(app, zalo))
    links = app.router.services.links

    clock.shift(timedelta(minutes=1))
    await identity(app, "telegram", "42")  # she writes on Telegram
    on_telegram = await links.reachable(zalo.id)
    clock.shift(timedelta(minutes=1))
    await identity(app, "zalo", "z1")  # then on Zalo
    on_zalo = await links.reachable(telegram.id)
    await app.router.services.users.mark_blocked(zalo.id)  # and blocks the Zalo bot
    after_block = await links.reachable(telegram.id)

    assert on_telegram is not None and on_telegram.channel == "telegram"
    assert on_zalo is not None and on_zalo.channel == "zalo"
    assert after_block is not None and after_block.channel == "telegram"
