"""Booth allocation: atomic under concurrency, the waiting list in arrival order, offers."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from bot.app import App
from bot.core.clock import utcnow
from bot.core.types import UserRef
from storage.booths import BoothApplication, BoothNumbersTaken, BoothRepo, BoothStatus
from storage.engine import Database
from storage.enterprises import EnterpriseFields, EnterpriseRepo
from storage.users import UserRepo
from tests.database import open_test_db
from tests.fair_data import TODAY, make_fair

pytestmark = pytest.mark.today


async def _enterprises(db: Database, n: int) -> list[tuple[int, int]]:
    """(enterprise id, account id) of n registered establishments."""
    users, enterprises = UserRepo(db), EnterpriseRepo(db)
    found = []
    for i in range(n):
        user = await users.ensure(UserRef(channel="console", external_id=f"p{i}"))
        fields = EnterpriseFields(
            name=f"Cơ sở {i}", kind="household", contact_name="Lan", phone=f"+849{i:08d}"
        )
        enterprise = await enterprises.create(user.account_id, fields, consent_at=utcnow())
        found.append((enterprise.id, user.account_id))
    return found


async def _apply_all(
    db: Database, fair_id: int, who: list[tuple[int, int]], counts: list[int]
) -> list[BoothApplication]:
    repo = BoothRepo(db)

    async def one(i: int) -> BoothApplication:
        enterprise_id, account_id = who[i]
        async with db.transaction():
            app = await repo.apply(fair_id, enterprise_id, account_id, counts[i], "gốm")
        assert app is not None
        return app

    return list(await asyncio.gather(*(one(i) for i in range(len(who)))))


async def test_300_simultaneous_applications_for_80_booths(app: App) -> None:
    fair = await make_fair(app, booths=80, max_booths=1)
    who = await _enterprises(app.db, 300)

    apps = await _apply_all(app.db, fair.id, who, [1] * 300)

    allocated = [a for a in apps if a.status is BoothStatus.ALLOCATED]
    waitlisted = [a for a in apps if a.status is BoothStatus.WAITLISTED]
    assert len(allocated) == 80
    assert len(waitlisted) == 220
    # arrival order: the first 80 to arrive got the booths, the rest queue behind them
    assert [a.enterprise_id for a in allocated] == [e for e, _ in who[:80]]
    repo = app.router.services.booths
    assert [await repo.position(a) for a in waitlisted] == list(range(1, 221))
    assert (await repo.taken([fair.id]))[fair.id] == 80


async def test_mixed_booth_counts_never_exceed_the_total(app: App) -> None:
    fair = await make_fair(app, booths=80, max_booths=3)
    who = await _enterprises(app.db, 120)
    rng = random.Random(7)
    counts = [rng.choice([1, 2, 3]) for _ in range(120)]

    apps = await _apply_all(app.db, fair.id, who, counts)

    held = sum(a.booths for a in apps if a.status is BoothStatus.ALLOCATED)
    assert held <= 80
    # replayed one at a time in arrival order, first come first served gives the same result
    free, expected = 80, []
    for count in counts:
        fits = count <= free
        free -= count if fits else 0
        expected.append(BoothStatus.ALLOCATED if fits else BoothStatus.WAITLISTED)
    assert [a.status for a in apps] == expected
    assert 80 - held < 3  # nobody waits while their request would still fit


async def test_two_connections_cannot_both_take_the_last_booths(app: App, tmp_path: Path) -> None:
    fair = await make_fair(app, booths=10, max_booths=1)
    who = await _enterprises(app.db, 40)
    other = await open_test_db(tmp_path / "ketnoi.db")  # as a second process would
    try:
        first, second = await asyncio.gather(
            _apply_all(app.db, fair.id, who[:20], [1] * 20),
            _apply_all(other, fair.id, who[20:], [1] * 20),
        )
    finally:
        await other.close()
    statuses = [a.status for a in first + second]
    assert statuses.count(BoothStatus.ALLOCATED) == 10
    assert statuses.count(BoothStatus.WAITLISTED) == 30


async def test_an_establishment_has_one_live_application_per_fair(app: App) -> None:
    fair = await make_fair(app)
    [(enterprise_id, account_id)] = await _enterprises(app.db, 1)
    repo = app.router.services.booths
    async with app.db.transaction():
        first = await repo.apply(fair.id, enterprise_id, account_id, 1, "gốm")
        again = await repo.apply(fair.id, enterprise_id, account_id, 1, "gốm")
    assert first is not None and again is None
    async with app.db.transaction():
        assert await repo.withdraw(first.id, account_id) is not None
        after_withdrawal = await repo.apply(fair.id, enterprise_id, account_id, 2, "gốm")
    assert after_withdrawal is not None and after_withdrawal.booths == 2


async def test_freed_booths_go_to_the_first_in_line_whose_request_fits(app: App) -> None:
    fair = await make_fair(app, booths=3, max_booths=3)
    who = await _enterprises(app.db, 4)
    a, b, c, d = await _apply_all(app.db, fair.id, who, [3, 3, 2, 1])
    assert [x.status for x in (a, b, c, d)] == [BoothStatus.ALLOCATED] + [
        BoothStatus.WAITLISTED
    ] * 3
    repo = app.router.services.booths
    async with app.db.transaction():
        await repo.withdraw(a.id, a.account_id)
        offered = await repo.offer_freed(fair.id, hours=48)
    assert [o.id for o in offered] == [b.id]
    assert offered[0].offer_expires_at == utcnow() + timedelta(hours=48)
    async with app.db.transaction():
        declined = await repo.decline_offer(b.id, b.account_id)
        offered = await repo.offer_freed(fair.id, hours=48)
    assert declined is not None and declined.status is BoothStatus.DECLINED
    # 3 free: C (2) is offered, then D (1) fits in what is left
    assert [o.id for o in offered] == [c.id, d.id]


async def test_offers_expire_and_late_acceptance_is_refused(
    app: App, time_machine: time_machine.TimeMachineFixture
) -> None:
    fair = await make_fair(app, booths=1, max_booths=1)
    who = await _enterprises(app.db, 2)
    a, b = await _apply_all(app.db, fair.id, who, [1, 1])
    repo = app.router.services.booths
    async with app.db.transaction():
        await repo.withdraw(a.id, a.account_id)
        await repo.offer_freed(fair.id)
    time_machine.move_to(TODAY + timedelta(hours=49), tick=True)
    async with app.db.transaction():
        assert await repo.accept_offer(b.id, b.account_id) is None
        lapsed = await repo.expire_offers()
    assert [x.id for x in lapsed] == [b.id]
    assert lapsed[0].status is BoothStatus.EXPIRED


async def test_booth_numbers_are_given_once_per_fair(app: App) -> None:
    fair = await make_fair(app, booths=3)
    who = await _enterprises(app.db, 2)
    a, b = await _apply_all(app.db, fair.id, who, [2, 1])
    repo = app.router.services.booths
    async with app.db.transaction():
        approved = await repo.approve(a.id, ["A1", "A2"], admin_id=1)
    assert approved is not None and approved.booth_numbers == ["A1", "A2"]
    with pytest.raises(BoothNumbersTaken) as taken:
        async with app.db.transaction():
            await repo.approve(b.id, ["A2"], admin_id=1)
    assert taken.value.numbers == ["A2"]
    assert await repo.numbers_taken(fair.id) == {"A1", "A2"}
    async with app.db.transaction():
        assert await repo.approve(a.id, ["A3"], admin_id=1) is None  # already approved
