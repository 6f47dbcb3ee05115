"""/thong_bao: an admin composes, picks an audience, previews the count, confirms, sees progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.core.config import Settings
from bot.core.types import Incoming, Kind, Reply, UserRef
from bot.engine.ratelimit import Limiter
from bot.services.broadcasts import Broadcaster
from storage.enterprises import EnterpriseFields
from storage.fairs import FairFields
from tests.chat import Chat
from tests.conftest import make_settings
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_bot import running_bot

ADMIN = 7000


async def people(app: App, n: int, *, locale: str | None = None, first: int = 100) -> list[int]:
    """n Telegram users who have talked to the bot; their user ids."""
    ids = []
    for i in range(first, first + n):
        user = await app.router.services.users.ensure(
            UserRef(channel="telegram", external_id=str(i))
        )
        if locale:
            await app.router.services.users.set_locale(user.id, locale)
        ids.append(user.id)
    return ids


async def registered(app: App, user_id: int, **fields: object) -> int:
    """A pending registration of the user's account; its enterprise id."""
    values: dict[str, object] = {
        "name": "Gốm Minh Long",
        "kind": "household",
        "contact_name": "Lan",
        "phone": f"+8491{user_id:07d}",
    }
    values.update(fields)
    enterprise = await app.router.services.enterprises.create(
        user_id, EnterpriseFields.model_validate(values), datetime.now(UTC)
    )
    return enterprise.id


class Recorder:
    """A Telegram sender that records instead of sending."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Reply]] = []

    async def __call__(self, user: UserRef, replies: list[Reply]) -> None:
        self.sent += [(user.external_id, r) for r in replies]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """One owner on the console; no quiet hours, whatever the time the tests run at."""
    return make_settings(tmp_path, admins="console:admin", quiet_hours="off")


@pytest.fixture
async def admin(app: App) -> Chat:
    """The owner of KETNOI_ADMINS on the console, speaking English."""
    chat = Chat(app.router, external_id="admin", language="en")
    await chat.say("/language")
    await chat.press("lang:en")
    return chat


async def test_only_admins_may_broadcast(app: App, chat: Chat) -> None:
    await people(app, 3)
    refused = chat.router.services.i18n.get("vi").gettext("Sorry, you are not allowed to do that.")
    await chat.say("/thong_bao")
    assert chat.text == refused
    await chat.send(Incoming(user=chat.user, kind=Kind.BUTTON, payload="bcast:send"))
    assert chat.text == refused
    assert await app.router.services.outbox.counts() == {}


async def test_compose_preview_and_send_to_everyone(app: App, admin: Chat) -> None:
    await people(app, 4)
    await people(app, 2, locale="en", first=200)
    await admin.say("/broadcast")
    await admin.say("Hội chợ gốm sứ Bát Tràng mở đăng ký gian hàng từ hôm nay.")
    assert "Who should get" in admin.text
    await admin.press("Everyone")
    preview, question = admin.replies[-2:]
    assert "Hội chợ gốm sứ Bát Tràng" in preview.text
    assert "It will go to 6 people." in question.text
    await admin.press("Send to 6 people")
    progress = admin.last
    assert progress.edit_key is not None
    assert "sent 0 / 6" in progress.text

    recorder = Recorder()
    app.outlets.senders["telegram"] = recorder
    while await app.outbox.drain_once():
        pass
    assert len(recorder.sent) == 6
    english = [r.text for uid, r in recorder.sent if uid.startswith("2")]
    vietnamese = [r.text for uid, r in recorder.sent if uid.startswith("1")]
    assert all("send /stop" in t for t in english)
    assert all("/dung" in t and "Hội chợ gốm sứ" in t for t in vietnamese)
    entries, _total = await app.router.services.audit.repo.page()
    assert [(e.action, e.target) for e in entries] == [("broadcast.send", "broadcast:1")]


async def test_preview_counts_a_sector_exactly(app: App, admin: Chat) -> None:
    ceramics = await people(app, 3)
    others = await people(app, 2, first=300)
    for uid in ceramics:
        await registered(app, uid, sectors=["ceramics"])
    for uid in others:
        await registered(app, uid, sectors=["lacquer"])
    follower = (await people(app, 1, first=400))[0]
    await app.router.services.reminders.follow_sector(follower, "ceramics")
    await app.router.services.users.mark_blocked(ceramics[0])

    await admin.say("/broadcast")
    await admin.say("Tập huấn sản xuất sạch hơn cho làng gốm.")
    await admin.press("A sector")
    await admin.press("Ceramics")
    text = admin.last.text
    assert "sector: Ceramics" in text
    assert "It will go to 4 people." in text
    assert "1 of them has blocked the bot" in text

    await admin.press("Send to 4 people")
    recorder = Recorder()
    app.outlets.senders["telegram"] = recorder
    while await app.outbox.drain_once():
        pass
    assert len(recorder.sent) == 3  # the one who blocked the bot is not written to
    counts = await app.router.services.outbox.counts()
    assert counts == {"sent": 3, "blocked": 1}


async def test_applicants_of_a_fair_and_a_ward(app: App, admin: Chat) -> None:
    now = datetime.now(UTC)
    fair, _ = await app.router.services.fairs.upsert(
        FairFields(
            key="gom-su-2026",
            title_vi="Hội chợ gốm sứ 2026",
            title_en="Ceramics fair 2026",
            sectors=["ceramics"],
            starts_at=now + timedelta(days=20),
            ends_at=now + timedelta(days=24),
            venue_name="Bảo tàng Gốm sứ Kim Lan",
            venue_address="xã Bát Tràng, Hà Nội",
            venue_latitude=20.977,
            venue_longitude=105.915,
            booths=10,
            apply_by=(now + timedelta(days=10)).date(),
        )
    )
    applicants = await people(app, 2)
    for uid in applicants:
        enterprise = await registered(app, uid, ward_code=None)
        await app.router.services.booths.apply(fair.id, enterprise, uid, 1, "Bình gốm")
    await people(app, 3, first=500)

    await admin.say("/broadcast")
    await admin.say("Lịch dựng gian hàng: 7 giờ sáng ngày khai mạc.")
    await admin.press("Applicants of a fair")
    await admin.press("Ceramics fair 2026")
    assert "It will go to 2 people." in admin.last.text
    assert "applicants of the fair: Ceramics fair 2026" in admin.last.text

    await admin.press("Change the audience")
    await admin.press("A ward or commune")
    await admin.say("bat trang")
    await admin.press("Bát Tràng")
    assert "No one is in this audience" in admin.last.text
    assert not any(b.payload == "bcast:send" for b in admin.last.options)


async def test_an_announcement_too_long_is_refused(app: App, admin: Chat) -> None:
    await admin.say("/broadcast")
    await admin.say("x" * 1900)
    assert "at most 1,800" in admin.text
    await admin.say("Ngắn gọn.")
    assert "Who should get" in admin.text


async def test_progress_is_edited_in_place_then_reported(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    async with running_bot(tmp_path, fake_telegram, quiet_hours="off") as tg:
        # the admin's chat gets an edit per round: its 1 message/s would only slow the test
        fast = Limiter(1000, chat_rate=1000, chat_burst=1000)
        tg.channel.limiter = tg.app.outlets.limiters["telegram"] = fast
        await people(tg.app, 30)
        fake_telegram.block(101)
        fake_telegram.block(102)
        fake_telegram.send_text(ADMIN, "/broadcast", language_code="vi")
        await fake_telegram.await_message(ADMIN)
        fake_telegram.send_text(ADMIN, "Thông báo: hội chợ mở cửa lúc 8 giờ.")
        await fake_telegram.await_message(ADMIN)
        fake_telegram.press_button(ADMIN, "bcast:aud:all")
        await fake_telegram.await_message(ADMIN)  # the announcement as people will see it
        await fake_telegram.await_message(ADMIN)  # how many will get it
        fake_telegram.press_button(ADMIN, "bcast:send")
        progress = await fake_telegram.await_message(ADMIN)
        assert "0 / 31" in progress["text"]  # the admin is one of everyone

        broadcaster = Broadcaster(tg.app.router.services, tg.app.router.services.broadcasts)
        for _ in range(20):
            if not await tg.app.outbox.drain_once(limit=8):
                break
            await broadcaster.tick()
        await broadcaster.tick()  # sees the end, queues the last edit and the report
        while await tg.app.outbox.drain_once():
            pass

        [edited] = [
            m for m in fake_telegram.sent(ADMIN) if m["message_id"] == progress["message_id"]
        ]
        assert len(edited["edits"]) >= 3
        assert "31 / 31" not in progress["text"]
        assert "29 / 31" in edited["text"]  # two blocked the bot
        assert edited["reply_markup"] is None  # no Stop button once it is over
        report = fake_telegram.sent(ADMIN)[-1]
        assert report["message_id"] != progress["message_id"]
        assert "29" in report["text"] and "2" in report["text"]
        sent_to = {m["chat_id"] for m in fake_telegram.sent() if m["chat_id"] != ADMIN}
        assert len(sent_to) == 28  # 30 people less the two who blocked the bot
