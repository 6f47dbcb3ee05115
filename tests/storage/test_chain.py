"""The links between members as stored: what is found, what erasure and the retention rule
leave of a request (its count, never who or why)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from bot.app import App
from storage.chain import RequestStatus
from tests.fair_data import TODAY
from tests.handlers.partners.members import member, person

pytestmark = pytest.mark.today


async def test_blocks_hide_members_both_ways(app: App) -> None:
    a = await member(app, await person(app, "a"), "Gốm A", phone="+84912000001")
    b = await member(app, await person(app, "b"), "Gốm B", phone="+84912000002")
    chain = app.router.services.chain
    assert [e.name for e in await chain.findable(a.id, sectors=["ceramics"])] == ["Gốm B"]
    await chain.block(b.id, a.id)
    assert await chain.findable(a.id) == []
    assert await chain.findable(b.id) == []


async def test_erasure_and_retention_keep_only_the_count_of_a_link(
    app: App, time_machine: time_machine.TimeMachineFixture
) -> None:
    a = await member(app, await person(app, "a"), "Gốm A", phone="+84912000001")
    b = await member(
        app, await person(app, "b"), "Quà B", roles=("distributor",), phone="+84912000002"
    )
    c = await member(app, await person(app, "c"), "Gốm C", phone="+84912000003")
    svc = app.router.services
    kept = await svc.chain.ask(b.id, a.id, "bowls", "producer>distributor", "ceramics")
    await svc.chain.decide(kept.id, RequestStatus.ACCEPTED)
    erased = await svc.chain.ask(b.id, c.id, "vases", "producer>distributor", "ceramics")
    async with svc.db.transaction():
        await svc.personal_data.erase(c.account_id, "P-test", [], [])
    gone = await svc.chain.get(erased.id)
    assert gone is not None
    assert (gone.from_id, gone.to_id, gone.reason, gone.status) == (
        b.id,
        None,
        None,
        RequestStatus.CANCELLED,
    )

    time_machine.move_to(TODAY + timedelta(days=731), tick=False)
    assert (await svc.retention.count())["connection_requests"] == 2
    await svc.retention.apply()
    old = await svc.chain.get(kept.id)
    assert old is not None and (old.from_id, old.to_id, old.reason) == (None, None, None)
    rows = await svc.chain.link_rows()
    assert sorted((r.status, r.n) for r in rows) == [("accepted", 1), ("cancelled", 1)]
