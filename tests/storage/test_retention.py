"""Retention rules with a moved clock: each kind of data goes when its rule says, not before;
registered people and staff are never removed by age; the daily job runs once a day; the
command line shows the rules and what the next run would remove."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import time_machine

import main
from bot.app import App
from bot.core.types import Reply
from bot.services.retention import run_if_due
from storage.enterprises import EnterpriseStatus
from tests.chat import Chat
from tests.fair_data import TODAY
from tests.handlers.staff.staff_data import add_enterprise, owner

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _today(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(TODAY, tick=False)


async def _network(app: App) -> dict[str, Chat]:
    """Someone of each kind the rules look at, all on TODAY."""
    svc = app.router.services
    approved = await add_enterprise(
        app, "ok", "Cơ sở gốm Minh Hải", status=EnterpriseStatus.APPROVED
    )
    rejected = await add_enterprise(
        app, "no", "Lò gốm Đức Ánh", phone="+84903333444", status=EnterpriseStatus.REJECTED
    )
    await svc.audit.record_cli("registration.reject", f"enterprise:{rejected.id}", rejected)
    half = Chat(app.router, "half", name="Hoa")  # begins registering, leaves it
    await half.say("/dang_ky")
    await half.press("reg:consent:yes")
    once = Chat(app.router, "once", name="Mai")  # asks one question and never comes back
    await once.say("hội chợ gốm khi nào")
    boss = owner(app)
    await boss.say("/start")
    async with svc.db.transaction():
        user = await svc.users.find(once.user)
        assert user is not None
        await svc.links.issue(user.id)
        await svc.outbox.enqueue(user.id, [Reply(text="Xin chào")], "hello:once")
    [row] = await svc.outbox.claim(10)
    await svc.outbox.finish(row.id, "sent")
    assert approved.status is EnterpriseStatus.APPROVED
    return {"half": half, "once": once, "boss": boss}


async def test_nothing_is_due_on_the_first_day(app: App) -> None:
    await _network(app)
    counts = await app.router.services.retention.count()
    assert set(counts.values()) == {0}


async def test_each_kind_goes_when_its_rule_says(
    app: App, time_machine: time_machine.TimeMachineFixture
) -> None:
    people = await _network(app)
    svc = app.router.services
    time_machine.move_to(TODAY + 2 * DAY, tick=False)
    assert await svc.retention.count() == {
        "unfinished_conversations": 0,
        "rejected_registrations": 0,
        "never_registered": 0,
        "delivered_messages": 0,
        "questions": 0,
        "link_codes": 1,
        "connection_requests": 0,
        "data_requests": 0,
        "audit_log": 0,
    }
    time_machine.move_to(TODAY + 31 * DAY, tick=False)
    counts = await svc.retention.count()
    assert counts["unfinished_conversations"] == 1 and counts["delivered_messages"] == 1
    run = await svc.retention.apply()
    assert run.removed["unfinished_conversations"] == 1
    conv = await svc.conversations.get((await svc.users.find(people["half"].user)).id)  # type: ignore[union-attr]
    assert conv.flow is None and conv.data == {}
    row = await svc.outbox.get("hello:once")
    assert row is not None and row.replies == [] and row.status == "sent"

    time_machine.move_to(TODAY + 366 * DAY, tick=False)
    counts = await svc.retention.count()
    # Hoa and Mai never registered; the owner and the two registrations stay
    assert counts["never_registered"] == 2
    assert counts["rejected_registrations"] == 1 and counts["questions"] == 1
    await svc.retention.apply()
    assert await svc.users.find(people["once"].user) is None
    assert await svc.users.find(people["half"].user) is None
    assert await svc.users.find(people["boss"].user) is not None
    names = [e.name for e in await svc.enterprises.find()]
    assert names == ["Cơ sở gốm Minh Hải"]
    entries, _ = await svc.audit.repo.page(0, 10)
    assert [(e.target, e.after) for e in entries] == [("enterprise:2", None)]  # fact, no data
    assert set((await svc.retention.count()).values()) == {0}

    time_machine.move_to(TODAY + 1826 * DAY, tick=False)
    assert (await svc.retention.count())["audit_log"] == 1


async def test_the_daily_job_runs_once_a_day(
    app: App, time_machine: time_machine.TimeMachineFixture
) -> None:
    repo = app.router.services.retention
    assert await run_if_due(repo) is not None
    time_machine.move_to(TODAY + timedelta(hours=23), tick=False)
    assert await run_if_due(repo) is None
    time_machine.move_to(TODAY + timedelta(hours=24), tick=False)
    second = await run_if_due(repo)
    assert second is not None and second.ran_at == TODAY + DAY


async def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = await asyncio.to_thread(main.main, argv)
    return code, capsys.readouterr().out


async def test_the_command_line_shows_the_rules_and_the_next_run(
    app: App, capsys: pytest.CaptureFixture[str], time_machine: time_machine.TimeMachineFixture
) -> None:
    await _network(app)
    time_machine.move_to(TODAY + 8 * DAY, tick=False)
    code, out = await _cli(["data", "retention"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["rule", "days", "active", "next"]
    unfinished = next(line for line in lines if line.startswith("unfinished_conversations"))
    assert unfinished.split()[:4] == ["unfinished_conversations", "7", "yes", "1"]
    assert lines[-1].startswith("last run: never")
    code, out = await _cli(["data", "retention", "--apply"], capsys)
    assert code == 0 and "applied now: 2 rows removed" in out  # the conversation, the code
    code, out = await _cli(["data", "retention"], capsys)
    assert out.splitlines()[-1].endswith("removed link_codes 1, unfinished_conversations 1")
