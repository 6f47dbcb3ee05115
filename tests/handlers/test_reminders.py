"""/nhac_lich and /dung: what a person follows and whether reminders reach them."""

from __future__ import annotations

import time_machine

from bot.app import App
from bot.services.scheduler import Scheduler
from tests.bot.services.test_scheduler import applicant, fair, local
from tests.chat import Chat
from tests.fair_data import tap


async def kim_lan(app: App) -> int:
    """The scheduler tests' ceramics fair, with 80 booths."""
    return (await fair(app, booths=80)).id


def producer(app: App) -> Chat:
    return Chat(app.router, channel="telegram", external_id="501", language="en")


async def reminded(app: App) -> int:
    with time_machine.travel(local(2026, 12, 3, 9, 0), tick=False):
        return await Scheduler(app.router.services).run()


async def test_the_menu_entry_opens_reminders_and_a_sector_can_be_followed(app: App) -> None:
    await kim_lan(app)
    chat = producer(app)
    await chat.say("/language")
    await chat.press("lang:en")
    await chat.press("menu:reminders")
    assert "Reminders: on" in chat.text
    assert "You follow nothing yet" in chat.text
    await chat.press("Follow a sector")
    await chat.press("Ceramics")
    assert "You now follow Ceramics." in chat.text
    assert any(b.label == "✓ Ceramics" for b in chat.options)
    await chat.press("remind:show")
    assert "Sectors you follow: Ceramics" in chat.text
    assert await reminded(app) == 1


async def test_following_a_fair_and_unfollowing_it(app: App) -> None:
    fair_id = await kim_lan(app)
    chat = producer(app)
    await chat.say("/nhac_lich")
    await chat.press("remind:fairs")
    await chat.press(f"remind:fair:{fair_id}")
    assert await app.router.services.fairs.follows(fair_id, 1)
    await chat.press(f"remind:fair:{fair_id}")
    assert not await app.router.services.fairs.follows(fair_id, 1)
    assert await reminded(app) == 0


async def test_reminders_off_then_on(app: App) -> None:
    fair_id = await kim_lan(app)
    chat = producer(app)
    await chat.say("/nhac_lich")
    await chat.press("remind:fairs")
    await chat.press(f"remind:fair:{fair_id}")
    await chat.press("remind:show")
    await chat.press("remind:off")
    assert (await app.router.services.users.get(1)).reminders_on is False  # type: ignore[union-attr]
    assert await reminded(app) == 0
    await chat.press("remind:on")
    assert await reminded(app) == 1


async def test_stop_stops_everything(app: App) -> None:
    fair_id = await kim_lan(app)
    chat = producer(app)
    await chat.say("/reminders")
    await chat.press("remind:sectors")
    await chat.press("remind:sector:ceramics")
    await chat.press("remind:show")
    await chat.press("remind:fairs")
    await chat.press(f"remind:fair:{fair_id}")
    await chat.say("/dung")
    user = await app.router.services.users.get(1)
    assert user is not None and not user.reminders_on and not user.broadcasts_on
    assert await app.router.services.reminders.sectors(1) == []
    assert await reminded(app) == 0
    assert await app.router.services.broadcasts.recipients("all") == []


async def test_following_turns_reminders_back_on(app: App) -> None:
    await kim_lan(app)
    chat = producer(app)
    await chat.say("/stop")
    await chat.say("/reminders")
    await chat.press("remind:sectors")
    await chat.press("remind:sector:ceramics")
    assert (await app.router.services.users.get(1)).reminders_on  # type: ignore[union-attr]
    assert await reminded(app) == 1


async def test_survey_answers_from_those_who_held_no_booth_are_refused_and_not_kept(
    app: App,
) -> None:
    kim_lan = await fair(app)  # one booth
    await applicant(app, 101, kim_lan)  # holds it
    await applicant(app, 102, kim_lan)  # on the waiting list: never exhibited
    waiting = Chat(app.router, channel="telegram", external_id="102")
    stranger = Chat(app.router, channel="telegram", external_id="103")
    forged = [f"fb:{kim_lan.id}:v:gt500", f"fb:{kim_lan.id}:again:0"]
    for chat in (waiting, stranger):
        for payload in forged:
            await tap(chat, payload)
            assert chat.text.startswith(
                "Xin lỗi, câu hỏi này dành cho các cơ sở đã có gian hàng tại hội chợ đó."
            )
            assert not any(b.payload.startswith("fb:") for b in chat.options)
    reminders = app.router.services.reminders
    assert await reminders.feedback(kim_lan.id) == []
    entries, _total = await app.router.services.audit.repo.page(0, 10)
    refused = [e for e in reversed(entries) if e.outcome == "refused"]
    assert [(e.actor.split(" ")[0], e.target) for e in refused] == [
        (f"telegram:{who}", payload) for who in (102, 103) for payload in forged
    ]
    assert {e.after["reason"] for e in refused} == {
        "an answer about a fair where they held no booth"
    }

    exhibitor = Chat(app.router, channel="telegram", external_id="101")
    await tap(exhibitor, f"fb:{kim_lan.id}:v:50_200")
    await tap(exhibitor, f"fb:{kim_lan.id}:again:1")
    [answer] = await reminders.feedback(kim_lan.id)
    assert (answer.visitors, answer.come_again) == ("50_200", True)
