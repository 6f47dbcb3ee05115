"""The Zalo OA channel against the fake OA server, on the real router and outbox: the webhook's
refusals, the inbox, and what the outbox does with each person's window."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.channels.webhook import WebhookServer
from bot.channels.zalo_oa import ZaloOaChannel
from bot.core.clock import utcnow
from bot.core.config import Settings
from bot.core.types import Notice, Reply, UserRef
from storage.zalo_oa import ZaloOaRepo
from tests.chat import Chat
from tests.conftest import make_settings
from tests.fakes.zalo_oa_api import APP_ID, FakeOa

LAN = "8512340012345678901"
UNSUPPORTED = "Tôi chỉ đọc được tin nhắn chữ."
REF = UserRef("zalo_oa", LAN)
TEMPLATES = """\
fair_reminder:
  template_id: "412001"
  fields: {ten: name, hoi_cho: fair, ngay: date}
"""


@pytest.fixture
def fake() -> Iterator[FakeOa]:
    with FakeOa() as server:
        server.add_template("412001", ["ten", "hoi_cho", "ngay"], max_length=40)
        server.add_phone("84912345678")
        yield server


@pytest.fixture
def settings(tmp_path: Path, fake: FakeOa) -> Settings:
    (tmp_path / "zalo_oa_templates.yaml").write_text(TEMPLATES, encoding="utf-8")
    return make_settings(
        tmp_path,
        zalo_oa_app_id=APP_ID,
        zalo_oa_secret_key="app-secret",
        zalo_oa_webhook_key=fake.webhook_key,
        zalo_oa_refresh_token="ref-first",
        zalo_oa_api_url=fake.url,
        zalo_oa_oauth_url=fake.url,
        zalo_oa_business_url=fake.url,
        zalo_oa_chat_rate=50,
        listen="127.0.0.1:0",
        quiet_hours="off",
    )


@pytest.fixture
async def oa(app: App, fake: FakeOa) -> AsyncIterator[ZaloOaChannel]:
    """The channel, serving its webhook on a free port; the fake delivers there."""
    server = WebhookServer(app.settings.listen)
    channel = ZaloOaChannel(app.settings, app.dispatcher, ZaloOaRepo(app.db), server)
    await channel.start()
    fake.deliver_to(f"http://127.0.0.1:{server.port}/zalo-oa")
    yield channel
    await channel.stop()


async def post(fake: FakeOa, method: str, *args: Any, **kwargs: Any) -> int:
    """A follower's event, posted from a thread (the bot runs on this loop)."""
    status: int = await asyncio.to_thread(getattr(fake, method), *args, **kwargs)
    return status


async def test_a_message_is_answered_once_however_often_zalo_retries_it(
    app: App, oa: ZaloOaChannel, fake: FakeOa
) -> None:
    status = await post(fake, "send_text", LAN, "/start", repeat=3)
    welcome = await fake.await_message(LAN)
    await asyncio.sleep(0.3)

    assert status == 200
    assert welcome["text"].startswith("Xin chào")
    assert "1. Đăng ký vào mạng lưới" in welcome["text"].splitlines()
    assert len(fake.sent(LAN)) == 1  # three deliveries, one event, one answer
    contact = await oa.repo.contact(LAN)
    assert contact is not None and contact.last_interaction_at is not None


async def test_a_wrong_or_missing_signature_or_a_stale_event_is_refused(
    app: App, oa: ZaloOaChannel, fake: FakeOa
) -> None:
    wrong = await post(fake, "send_text", LAN, "/start", signature="mac=" + "0" * 64)
    missing = await post(fake, "send_text", LAN, "/start", signature="")
    old = int((utcnow() - timedelta(hours=4)).timestamp() * 1000)
    stale = await post(fake, "send_text", LAN, "/start", timestamp_ms=old)
    other_key = FakeOa(webhook_key="not-ours")
    other_key.deliver_to(fake.webhook_url or "")
    forged = await asyncio.to_thread(other_key.send_text, LAN, "/start")
    await asyncio.sleep(0.3)

    assert (wrong, missing, stale, forged) == (403, 403, 403, 403)
    assert fake.sent(LAN) == []
    assert await app.db.fetchone("SELECT * FROM zalo_oa_inbox") is None
    assert await app.router.services.users.find(REF) is None


async def test_the_card_shares_the_phone_with_consent_and_its_date(
    app: App, oa: ZaloOaChannel, fake: FakeOa
) -> None:
    await post(fake, "follow", LAN)
    await fake.await_message(LAN)
    await post(fake, "submit_info", LAN, name="Nguyễn Thị Lan", phone="84912345678")
    thanks = await fake.await_message(LAN)

    contact = await oa.repo.contact(LAN)
    assert contact is not None and contact.phone == "84912345678"
    assert contact.shared_name == "Nguyễn Thị Lan"
    assert contact.phone_consent_at is not None
    assert abs((contact.phone_consent_at - utcnow()).total_seconds()) < 60
    assert "0912 345 678" in thanks["text"]
    user = await app.router.services.users.find(REF)
    assert user is not None and user.phone == "+84912345678"


def reminder(fair: str = "Gốm sứ Kim Lan 2026") -> list[Reply]:
    notice = Notice("fair_reminder", {"fair": fair, "date": "10/12/2026", "time": "08:00"})
    return [Reply(text=f"Nhắc lịch: “{fair}” khai mạc sau 7 ngày.", notice=notice)]


async def queue(app: App, replies: list[Reply], key: str) -> None:
    user = await app.router.services.users.ensure(REF)
    await app.router.services.outbox.enqueue(user.id, replies, key)
    await app.outbox.drain_once()


async def status_of(app: App, key: str) -> tuple[str, str | None]:
    row = await app.router.services.outbox.get(key)
    assert row is not None
    return row.status, row.error


async def known(app: App, oa: ZaloOaChannel, fake: FakeOa, *, consent: bool) -> None:
    """Lan followed the OA (and shared her phone), then said nothing for ten days."""
    await post(fake, "follow", LAN, name="Lan")
    await fake.await_message(LAN)
    if consent:
        await post(fake, "submit_info", LAN, name="Nguyễn Thị Lan", phone="84912345678")
        await fake.await_message(LAN)
    fake.age(LAN, 10)
    await app.db.execute(
        "UPDATE zalo_oa_contacts SET last_interaction_at = ?",
        ((utcnow() - timedelta(days=10)).isoformat(),),
    )


async def test_inside_the_window_a_reminder_is_a_customer_service_message(
    app: App, oa: ZaloOaChannel, fake: FakeOa
) -> None:
    await post(fake, "follow", LAN)
    await fake.await_message(LAN)
    await queue(app, reminder(), "r1")

    assert await status_of(app, "r1") == ("sent", None)
    assert fake.sent(LAN)[-1]["text"].startswith("Nhắc lịch")
    assert fake.sent("phone:84912345678") == []


async def test_after_ten_days_a_reminder_goes_as_a_template_message(
    app: App, oa: ZaloOaChannel, fake: FakeOa
) -> None:
    await known(app, oa, fake, consent=True)
    before = len(fake.sent(LAN))
    await queue(app, reminder(), "r1")

    assert await status_of(app, "r1") == ("sent", None)
    assert len(fake.sent(LAN)) == before  # nothing tried as a customer-service message
    (sent,) = fake.sent("phone:84912345678")
    assert sent["template_id"] == "412001"
    assert sent["template_data"] == {
        "ten": "Nguyễn Thị Lan",
        "hoi_cho": "Gốm sứ Kim Lan 2026",
        "ngay": "10/12/2026",
    }
    counts = await app.router.services.reports.template_messages()
    assert (counts.sent, counts.failed, counts.cost) == (1, 0, 200)


async def test_outside_the_window_without_consent_or_template_it_is_unreachable(
    app: App, oa: ZaloOaChannel, fake: FakeOa
) -> None:
    await known(app, oa, fake, consent=False)
    await queue(app, reminder(), "no-consent")
    await app.db.execute(
        "UPDATE zalo_oa_contacts SET phone = '84912345678', phone_consent_at = ?",
        (utcnow().isoformat(),),
    )
    announcement = [Reply(text="Thông báo của Sở: hội chợ mới.")]
    await queue(app, announcement, "broadcast")
    offer = [Reply(text="x", notice=Notice("offer_reminder", {"fair": "F", "deadline": "d"}))]
    await queue(app, offer, "no-template")

    assert (await status_of(app, "no-consent"))[0] == "unreachable"
    assert "no phone shared" in str((await status_of(app, "no-consent"))[1])
    assert (await status_of(app, "broadcast"))[0] == "unreachable"
    assert "no template for offer_reminder" in str((await status_of(app, "no-template"))[1])
    assert fake.sent("phone:84912345678") == []
    sent = {s.kind: s for s in await app.router.services.reports.sent()}
    assert sum(s.unreachable for s in sent.values()) == 3


async def test_minus_230_sends_the_notice_by_template_instead(
    app: App, oa: ZaloOaChannel, fake: FakeOa
) -> None:
    await known(app, oa, fake, consent=True)
    await app.db.execute(  # ketnoi believes her window open; Zalo knows better
        "UPDATE zalo_oa_contacts SET last_interaction_at = ?", (utcnow().isoformat(),)
    )
    await queue(app, reminder(), "r1")

    assert await status_of(app, "r1") == ("sent", None)
    assert len(fake.sent("phone:84912345678")) == 1
    errors = [c["error"] for c in fake.calls("message/cs")]
    assert errors[-1] == -230
    contact = await oa.repo.contact(LAN)
    assert contact is not None and contact.last_interaction_at is None


async def test_an_expired_access_token_is_refreshed_once_and_the_message_sent(
    app: App, oa: ZaloOaChannel, fake: FakeOa
) -> None:
    await post(fake, "follow", LAN)
    await fake.await_message(LAN)
    fake.expire_tokens()
    refreshes = fake.refreshes
    await queue(app, reminder(), "r1")

    assert await status_of(app, "r1") == ("sent", None)
    assert fake.refreshes == refreshes + 1
    assert [c["error"] for c in fake.calls("message/cs")][-2:] == [-216, 0]


async def test_a_template_zalo_refuses_is_unreachable_and_counted(
    app: App, oa: ZaloOaChannel, fake: FakeOa
) -> None:
    await known(app, oa, fake, consent=True)
    fake.fail_next("message/template", -1125, "Template is not approved (DISABLE)")
    await queue(app, reminder(), "r1")

    status, error = await status_of(app, "r1")
    assert status == "unreachable" and "template message refused" in str(error)
    counts = await app.router.services.reports.template_messages()
    assert (counts.sent, counts.failed, counts.cost) == (0, 1, 0)


async def test_unfollowing_stops_messages(app: App, oa: ZaloOaChannel, fake: FakeOa) -> None:
    await post(fake, "follow", LAN)
    await fake.await_message(LAN)
    await post(fake, "unfollow", LAN)
    await asyncio.sleep(0.3)
    await queue(app, reminder(), "r1")

    assert (await status_of(app, "r1"))[0] == "blocked"


async def test_a_sticker_gets_the_polite_answer(app: App, oa: ZaloOaChannel, fake: FakeOa) -> None:
    await post(fake, "send_sticker", LAN)
    sticker = await fake.await_message(LAN)

    assert sticker["text"].startswith(UNSUPPORTED)


async def test_after_48_hours_it_still_goes_and_is_counted_against_the_quota(
    app: App, oa: ZaloOaChannel, fake: FakeOa
) -> None:
    await post(fake, "follow", LAN)
    await fake.await_message(LAN)
    fake.age(LAN, 3)
    await app.db.execute(
        "UPDATE zalo_oa_contacts SET last_interaction_at = ?",
        ((utcnow() - timedelta(days=3)).isoformat(),),
    )
    await queue(app, reminder(), "r1")

    assert await status_of(app, "r1") == ("sent", None)
    assert fake.sent(LAN)[-1]["text"].startswith("Nhắc lịch")
    counts = await app.router.services.reports.template_messages()
    assert (counts.sent, counts.after_48h) == (0, 1)


async def test_lien_ket_links_the_oa_with_another_app(
    app: App, oa: ZaloOaChannel, fake: FakeOa
) -> None:
    console = Chat(app.router)
    await console.say("/lien_ket")
    code = next(w for w in console.text.split() if w.isdigit() and len(w) == 6)
    await post(fake, "send_text", LAN, f"/lien_ket {code}")
    linked = await fake.await_message(LAN)

    assert linked["text"].startswith(
        "Xong: Zalo OA và giao diện dòng lệnh của bạn đã được liên kết"
    )
    oa_user = await app.router.services.users.find(REF)
    console_user = await app.router.services.users.find(console.user)
    assert oa_user is not None and console_user is not None
    assert oa_user.account_id == console_user.account_id


async def test_a_reply_the_oa_does_not_take_is_tried_again_as_on_every_channel(
    app: App, oa: ZaloOaChannel, fake: FakeOa
) -> None:
    fake.fail_next("message/cs", 502, "Bad Gateway", times=2)  # the shared retry helper's third

    await post(fake, "send_text", LAN, "/start")
    welcome = await fake.await_message(LAN, timeout=10)

    assert welcome["text"].startswith("Xin chào")
    assert len(fake.sent(LAN)) == 1
    assert await app.router.services.outbox.counts() == {}  # no need for the outbox


async def restart(app: App, fake: FakeOa) -> ZaloOaChannel:
    """The channel as a new process starts it on the same database."""
    server = WebhookServer(app.settings.listen)
    channel = ZaloOaChannel(app.settings, app.dispatcher, ZaloOaRepo(app.db), server)
    await channel.start()
    fake.deliver_to(f"http://127.0.0.1:{server.port}/zalo-oa")
    return channel


async def test_an_event_stored_but_not_handled_is_handled_after_the_restart_once(
    app: App, fake: FakeOa
) -> None:
    repo = ZaloOaRepo(app.db)
    # What a process leaves when it stops between the webhook's 200 and the turn: one event
    # stored and never taken, one taken by it (its lease has run out since it died).
    start = fake.body("user_send_text", LAN, message={"msg_id": "m1", "text": "/start"})
    fairs = fake.body("user_send_text", LAN, message={"msg_id": "m2", "text": "/hoi_cho"})
    assert await repo.receive("msg:m1", start.decode(), LAN)
    assert await repo.receive("msg:m2", fairs.decode(), LAN)
    await repo.take_events("died", utcnow() - timedelta(seconds=1), limit=1)

    oa = await restart(app, fake)
    welcome = await fake.await_message(LAN)
    answer = await fake.await_message(LAN)
    await oa.stop()
    again = await restart(app, fake)  # and once more: nothing is handled twice
    await asyncio.sleep(1.5)
    await again.stop()

    assert welcome["text"].startswith("Xin chào")
    assert "hội chợ" in answer["text"].lower() and not answer["text"].startswith("Xin chào")
    assert len(fake.sent(LAN)) == 2  # in the order they came, each answered once
    left = await app.db.fetchall("SELECT done_at FROM zalo_oa_inbox WHERE done_at IS NULL")
    assert left == []


async def test_an_event_is_done_with_its_turn_and_given_back_when_the_stop_comes_first(
    app: App, fake: FakeOa
) -> None:
    oa = await restart(app, fake)
    await post(fake, "send_text", LAN, "/start")
    await fake.await_message(LAN)
    done = await app.db.fetchone("SELECT done_at, taken_by FROM zalo_oa_inbox")
    await oa.stop()  # nothing in hand: nothing given back

    repo = ZaloOaRepo(app.db)
    raw = fake.body("user_send_text", LAN, message={"msg_id": "m9", "text": "/menu"})
    assert await repo.receive("msg:m9", raw.decode(), LAN)
    await repo.take_events("stopping", utcnow() + timedelta(hours=1))
    assert await repo.give_back("stopping") == 1  # a clean stop hands it back at once
    oa = await restart(app, fake)
    menu = await fake.await_message(LAN)
    await oa.stop()

    assert done is not None and done["done_at"] is not None
    assert menu["text"]
    assert len(fake.sent(LAN)) == 2


async def linked_on_telegram(app: App, fake: FakeOa) -> tuple[Chat, int]:
    """Lan, on Telegram too, links it with the OA from the OA (which she used last)."""
    telegram = Chat(app.router, external_id="4242", channel="telegram")
    await telegram.say("/lien_ket")
    code = next(w for w in telegram.text.split() if w.isdigit() and len(w) == 6)
    await post(fake, "send_text", LAN, f"/lien_ket {code}")
    await fake.await_message(LAN)
    oa_user = await app.router.services.users.find(REF)
    assert oa_user is not None
    return telegram, oa_user.id


async def notice_goes_to(app: App, user_id: int, key: str) -> str:
    """The app a decision about Lan is queued for."""
    notice = Notice("registration_approved", {"reference": "HN-1"})
    await app.router.services.enqueue(
        user_id, lambda _: [Reply(text="Hồ sơ đã được duyệt.", notice=notice)], key, lane="notice"
    )
    row = await app.router.services.outbox.get(key)
    assert row is not None
    return row.channel


async def test_a_notice_goes_to_the_linked_app_that_can_carry_it(
    app: App, oa: ZaloOaChannel, fake: FakeOa
) -> None:
    telegram, oa_id = await linked_on_telegram(app, fake)
    svc = app.router.services
    fresh = await notice_goes_to(app, oa_id, "n1")
    everyone = {r.user_id for r in await svc.broadcasts.recipients("all")}
    oa_first = oa_id in everyone

    await app.db.execute(  # three days without a word on the OA: past the free 48 hours
        "UPDATE zalo_oa_contacts SET last_interaction_at = ?",
        ((utcnow() - timedelta(days=3)).isoformat(),),
    )
    later = await notice_goes_to(app, oa_id, "n2")
    everyone = {r.user_id for r in await svc.broadcasts.recipients("all")}
    telegram_user = await svc.users.find(telegram.user)
    assert telegram_user is not None
    telegram_then = telegram_user.id in everyone and oa_id not in everyone

    await app.db.execute(
        "UPDATE users SET blocked_at = ? WHERE channel = 'telegram'", (utcnow().isoformat(),)
    )
    blocked = await notice_goes_to(app, oa_id, "n3")

    assert (fresh, oa_first) == ("zalo_oa", True)  # inside the 48 hours: the app used last
    assert (later, telegram_then) == ("telegram", True)  # Telegram surely carries it
    assert blocked == "zalo_oa"  # Telegram blocked: the OA (by template, or counted)


async def test_a_reply_zalo_refuses_is_counted_out_of_reach_in_the_figures(
    app: App, oa: ZaloOaChannel, fake: FakeOa
) -> None:
    from storage.roles import Role
    from tests.handlers.staff.staff_data import member

    await post(fake, "follow", LAN)
    await fake.await_message(LAN)
    fake.fail_next("message/cs", -230, "User has not interacted with the OA in the past 7 days")
    await post(fake, "send_text", LAN, "/menu")
    for _ in range(100):  # the reply is kept in the outbox's reply lane
        if await app.router.services.outbox.counts():
            break
        await asyncio.sleep(0.05)
    await app.outbox.drain_once()
    viewer = await member(app, Role.VIEWER)
    await viewer.say("/thong_ke")

    rows = await app.db.fetchall("SELECT lane, status FROM outbox WHERE lane = 'reply'")
    assert [(r["lane"], r["status"]) for r in rows] == [("reply", "unreachable")]
    assert len(fake.calls("message/cs")) == 2  # the welcome, the refused reply: not tried again
    assert any(
        line.startswith("Không gửi tới được: 1 ") for line in viewer.replies[-2].text.splitlines()
    )
