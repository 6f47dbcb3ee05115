"""Reminders fall due on the clock: who gets them, once, and what happens when a fair moves."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.app import App
from bot.core.types import Reply, UserRef
from bot.services.scheduler import Scheduler
from storage.enterprises import EnterpriseFields
from storage.fairs import Fair, FairFields, FairStatus
from tests.chat import Chat

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args: int) -> datetime:
    """A moment in Hanoi."""
    return datetime(*args, tzinfo=HANOI)  # type: ignore[misc]


async def fair(app: App, **changes: object) -> Fair:
    """The ceramics fair at Kim Lan: 10–14 December 2026, applications until 1 December."""
    fields = FairFields(
        key="gom-su-kim-lan-2026",
        title_vi="Kết nối ngành gốm sứ 2026",
        title_en="Ceramics network fair 2026",
        sectors=["ceramics"],
        starts_at=local(2026, 12, 10, 8),
        ends_at=local(2026, 12, 14, 21),
        venue_name="Bảo tàng Gốm sứ Kim Lan",
        venue_address="xã Bát Tràng, Hà Nội",
        venue_latitude=20.977,
        venue_longitude=105.915,
        booths=1,
        apply_by=date(2026, 12, 1),
    ).model_copy(update=changes)
    async with app.db.transaction():
        saved, _ = await app.router.services.fairs.upsert(fields)
    return saved


async def person(app: App, chat_id: int, locale: str | None = None) -> int:
    """A Telegram user; their id (and account id)."""
    users = app.router.services.users
    user = await users.ensure(UserRef(channel="telegram", external_id=str(chat_id)))
    if locale:
        await users.set_locale(user.id, locale)
    return user.id


async def applicant(app: App, chat_id: int, the_fair: Fair) -> int:
    """Someone registered who applied for a booth; their application id."""
    uid = await person(app, chat_id)
    svc = app.router.services
    enterprise = await svc.enterprises.create(
        uid,
        EnterpriseFields(
            name=f"Xưởng gốm {chat_id}",
            kind="household",
            contact_name="Lan",
            phone=f"+8491{uid:07d}",
        ),
        datetime.now(UTC),
    )
    application = await svc.booths.apply(the_fair.id, enterprise.id, uid, 1, "Bình, lọ gốm")
    assert application is not None
    return application.id


async def queued(app: App) -> dict[str, list[Reply]]:
    """The reminders in the outbox not withdrawn, by dedupe key."""
    rows = await app.db.fetchall(
        "SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE 'reminder:%'"
        " AND status != 'cancelled' ORDER BY id"
    )
    repo = app.router.services.outbox
    found = {}
    for r in rows:
        row = await repo.get(r[0])
        assert row is not None
        found[row.dedupe_key] = row.replies
    return found


def recipients(keys: object) -> set[int]:
    return {int(k.rsplit(":", 1)[1]) for k in keys}  # type: ignore[attr-defined]


@pytest.fixture
def scheduler(app: App) -> Scheduler:
    return Scheduler(app.router.services)


async def test_followers_applicants_and_sector_followers_are_reminded_a_week_before(
    app: App, scheduler: Scheduler
) -> None:
    kim_lan = await fair(app)
    follower = await person(app, 101)
    await app.router.services.fairs.follow(kim_lan.id, follower)
    sector_fan = await person(app, 102, locale="en")
    await app.router.services.reminders.follow_sector(sector_fan, "ceramics")
    await applicant(app, 103, kim_lan)
    exhibitor = 3  # the applicant's user id
    await person(app, 104)  # follows nothing
    quiet = await person(app, 105)
    await app.router.services.fairs.follow(kim_lan.id, quiet)
    await app.router.services.reminders.set_reminders(quiet, False)

    with time_machine.travel(local(2026, 12, 3, 8, 59), tick=False) as clock:
        assert await scheduler.run() == 0
        clock.move_to(local(2026, 12, 3, 9, 0))
        assert await scheduler.run() == 3
        clock.move_to(local(2026, 12, 3, 9, 1))
        assert await scheduler.run() == 0  # each rule reaches a person once

    found = await queued(app)
    assert recipients(found) == {follower, sector_fan, exhibitor}
    [english] = [replies for key, replies in found.items() if key.endswith(f":{sector_fan}")]
    text = english[0].text
    assert "Ceramics network fair 2026" in text and "opens in 7 days" in text
    assert "Thursday, December 10, 2026" in text
    assert "Bảo tàng Gốm sứ Kim Lan, xã Bát Tràng, Hà Nội" in text
    assert "https://maps.google.com/?q=20.977,105.915" in text
    [vietnamese] = [replies for key, replies in found.items() if key.endswith(f":{follower}")]
    assert "Thứ Năm, 10 tháng 12, 2026" in vietnamese[0].text


async def test_the_day_before_and_the_first_morning(app: App, scheduler: Scheduler) -> None:
    kim_lan = await fair(app)
    follower = await person(app, 101)
    await app.router.services.fairs.follow(kim_lan.id, follower)
    with time_machine.travel(local(2026, 12, 9, 9, 0), tick=False) as clock:
        assert await scheduler.run() == 1
        clock.move_to(local(2026, 12, 10, 7, 0))
        assert await scheduler.run() == 1
    texts = [replies[0].text for replies in (await queued(app)).values()]
    assert len(texts) == 2
    assert "08:00" in texts[0] and "08:00" in texts[1]


async def test_a_reminder_missed_while_the_bot_was_down_is_not_sent_late(
    app: App, scheduler: Scheduler
) -> None:
    kim_lan = await fair(app)
    await app.router.services.fairs.follow(kim_lan.id, await person(app, 101))
    with time_machine.travel(local(2026, 12, 5, 9, 0), tick=False):
        assert await scheduler.run() == 0  # "a week before" would be wrong on the 5th


async def test_a_new_date_moves_the_reminders_and_withdraws_the_old_ones(
    app: App, scheduler: Scheduler
) -> None:
    kim_lan = await fair(app)
    follower = await person(app, 101)
    await app.router.services.fairs.follow(kim_lan.id, follower)
    with time_machine.travel(local(2026, 12, 3, 9, 0), tick=False) as clock:
        assert await scheduler.run() == 1  # queued for the 10th, not sent yet
        await fair(app, starts_at=local(2026, 12, 17, 8), ends_at=local(2026, 12, 21, 21))
        clock.move_to(local(2026, 12, 3, 9, 1))
        assert await scheduler.run() == 0
        assert await queued(app) == {}  # the reminder for the old date was withdrawn

        clock.move_to(local(2026, 12, 9, 9, 0))
        assert await scheduler.run() == 0  # nothing "tomorrow" any more
        clock.move_to(local(2026, 12, 10, 9, 0))
        assert await scheduler.run() == 1
    [replies] = (await queued(app)).values()
    assert "Thứ Năm, 17 tháng 12, 2026" in replies[0].text


async def test_nothing_for_a_cancelled_fair(app: App, scheduler: Scheduler) -> None:
    kim_lan = await fair(app)
    await app.router.services.fairs.follow(kim_lan.id, await person(app, 101))
    with time_machine.travel(local(2026, 12, 3, 9, 0), tick=False) as clock:
        assert await scheduler.run() == 1
        await fair(app, status=FairStatus.CANCELLED)
        clock.move_to(local(2026, 12, 3, 9, 2))
        await scheduler.run()
        assert await queued(app) == {}
        clock.move_to(local(2026, 12, 9, 9, 0))
        assert await scheduler.run() == 0


async def test_unfinished_applications_are_reminded_before_apply_by(
    app: App, scheduler: Scheduler
) -> None:
    kim_lan = await fair(app, booths=5)
    began = Chat(app.router, channel="telegram", external_id="101")
    await began.say("/start")
    conv = await app.router.services.conversations.get(1)
    conv.start("booth_apply", "products", {"fair": kim_lan.id})
    async with app.db.transaction():
        await app.router.services.conversations.save(conv)
    await applicant(app, 102, kim_lan)  # sent theirs: not reminded
    with time_machine.travel(local(2026, 11, 29, 9, 0), tick=False):
        assert await scheduler.run() == 1
    [(key, replies)] = (await queued(app)).items()
    assert key.endswith(":user:1")
    assert any(b.payload == f"fair:{kim_lan.key}:apply" for b in replies[0].options)


async def test_an_offer_about_to_lapse(app: App, scheduler: Scheduler) -> None:
    kim_lan = await fair(app)
    first = await applicant(app, 101, kim_lan)
    second = await applicant(app, 102, kim_lan)  # waiting list
    booths = app.router.services.booths
    with time_machine.travel(local(2026, 11, 20, 10, 0), tick=False) as clock:
        await booths.withdraw(first, 1)
        [offer] = await booths.offer_freed(kim_lan.id, 48)
        assert offer.id == second
        clock.move_to(local(2026, 11, 21, 21, 59))
        assert await scheduler.run() == 0
        clock.move_to(local(2026, 11, 21, 22, 0))  # 12 hours before it lapses
        assert await scheduler.run() == 1
    [replies] = (await queued(app)).values()
    assert [b.payload for b in replies[0].options] == [
        f"booth:{second}:accept",
        f"booth:{second}:decline",
    ]


async def test_exhibitors_are_asked_how_it_went_and_answers_are_kept(
    app: App, scheduler: Scheduler
) -> None:
    kim_lan = await fair(app)
    await applicant(app, 101, kim_lan)
    with time_machine.travel(local(2026, 12, 15, 10, 0), tick=False):
        assert await scheduler.run() == 1
    [replies] = (await queued(app)).values()
    exhibitor = Chat(app.router, channel="telegram", external_id="101")
    exhibitor.replies.extend(replies)
    await exhibitor.press(f"fb:{kim_lan.id}:v:50_200")
    await exhibitor.press(f"fb:{kim_lan.id}:again:1")
    [answer] = await app.router.services.reminders.feedback(kim_lan.id)
    assert (answer.visitors, answer.come_again) == ("50_200", True)


async def test_reminders_are_sent_in_the_outbox_like_any_message(
    app: App, scheduler: Scheduler
) -> None:
    kim_lan = await fair(app)
    await app.router.services.fairs.follow(kim_lan.id, await person(app, 101))
    sent: list[tuple[UserRef, list[Reply]]] = []

    async def record(user: UserRef, replies: list[Reply]) -> None:
        sent.append((user, replies))

    app.outlets.senders["telegram"] = record
    with time_machine.travel(local(2026, 12, 3, 9, 0), tick=False):
        await scheduler.run()
        await app.outbox.drain_once()
    assert [u.external_id for u, _ in sent] == ["101"]
