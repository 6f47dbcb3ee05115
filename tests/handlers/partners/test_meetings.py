"""Meetings at a fair (issue 20): an exhibitor offers half-hour slots by typing, a member who
found them books one, both are reminded an hour before (once, as bulk messages that wait out
quiet hours), and staff see the fair's schedule."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from bot.app import App
from handlers.meetings import remind_meetings
from tests.chat import Chat
from tests.fair_data import HANOI, make_fair
from tests.handlers.partners.members import member, person

pytestmark = pytest.mark.today


async def _exhibitor(app: App, chat: Chat) -> int:
    """Minh, an approved producer with booth A12 approved at the test fair; the fair's id."""
    fair = await make_fair(app)
    e = await member(app, chat, "Gốm Minh Hải")
    svc = app.router.services
    applied = await svc.booths.apply(fair.id, e.id, e.account_id, 1, "Bát đĩa men lam")
    assert applied is not None
    assert await svc.booths.approve(applied.id, ["A12"], e.account_id) is not None
    return fair.id


async def test_a_buyer_books_a_slot_and_both_are_reminded_an_hour_before(
    app: App, time_machine: time_machine.TimeMachineFixture
) -> None:
    minh = await person(app, "minh", "en")
    await _exhibitor(app, minh)
    await minh.say("/offer_meetings")
    assert "Which day of Test fair?" in minh.text
    await minh.say("2")  # the second day, by its number
    await minh.say("9h15")
    assert "could not read «9h15» as times" in minh.text
    await minh.say("23:00")
    assert "falls outside" in minh.text
    await minh.say("9-10")
    assert "Offered on Tuesday, 08/12: 9:00\u202fAM, 9:30\u202fAM." in minh.text

    shop = await person(app, "shop", "en")
    await member(app, shop, "Quà Việt", roles=("distributor",), phone="+84987654321")
    await shop.say("/find ceramics producer")
    await shop.press("Meet no. 1 at a fair")
    assert "Free slots of Gốm Minh Hải at Test fair" in shop.text
    await shop.press(1)
    await shop.say("Glazed bowls for our shop")
    assert "Booked: Tuesday, 08/12 9:00\u202fAM at Test fair" in shop.text
    assert "booth A12" in shop.text
    await shop.say("/meetings")
    assert "Gốm Minh Hải · «Glazed bowls for our shop»" in shop.text

    svc = app.router.services
    assert await remind_meetings(svc) == 0  # two weeks early
    time_machine.move_to(datetime(2026, 12, 8, 8, 10, tzinfo=HANOI), tick=False)
    assert await remind_meetings(svc) == 2
    assert await remind_meetings(svc) == 0  # once each
    rows = await svc.db.fetchall(
        "SELECT dedupe_key, lane FROM outbox WHERE dedupe_key LIKE 'meeting:%' ORDER BY id"
    )
    assert [r["lane"] for r in rows] == ["bulk", "bulk"]  # deferred in quiet hours
    reminded = [await svc.outbox.get(r["dedupe_key"]) for r in rows]
    texts = [r.replies[0].text for r in reminded if r is not None]
    assert any("In an hour: your meeting at Test fair" in t and "Quà Việt" in t for t in texts)
    assert any("with Gốm Minh Hải, booth A12" in t for t in texts)
    # outside the Zalo OA's 7 days, the Department's template goes in its place
    notices = [r.replies[0].notice for r in reminded if r is not None]
    assert {(n.kind, n.fields["time"]) for n in notices if n} == {
        ("meeting_reminder", "09:00 08/12/2026")
    }

    boss = Chat(app.router, external_id="admin")
    await boss.say("/language")
    await boss.press("lang:en")
    time_machine.move_to(datetime(2026, 12, 8, 8, 10, tzinfo=HANOI) - timedelta(days=1))
    await boss.say("/meeting_schedule")
    await boss.press("Test fair")
    assert "9:00\u202fAM Gốm Minh Hải (A12) ↔ Quà Việt: «Glazed bowls for our shop»" in boss.text
    assert "1 slot still free." in boss.text


async def test_a_member_without_an_approved_booth_cannot_offer_slots(app: App) -> None:
    lan = await person(app, "lan", "en")
    await member(app, lan, "Gốm Lan Anh")
    await lan.say("/offer_meetings")
    assert "once the Department approves your booth" in lan.text
