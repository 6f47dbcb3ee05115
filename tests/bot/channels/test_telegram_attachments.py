"""Photos and documents from Telegram users: an announcement carries one, re-sent by its
file_id on Telegram and named in words on Zalo and the console; everywhere else a file gets the
polite "please type" answer and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels import console
from bot.channels.zalo import ZaloChannel
from bot.core.types import UserRef
from bot.engine.ratelimit import Limiter
from storage.conversations import Conversation
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo
from tests.telegram_bot import TelegramBot, running_bot

ADMIN = 7000  # telegram:7000 owns the bot (running_bot's KETNOI_ADMINS)
LAN = 101
ZALO_TOKEN = "1459232241454765289:zalo-test-token"
ZALO_CHAT = "e4ea2cd5189df1c3a88c"
CAPTION = "Mẫu gian hàng của hội chợ gốm sứ Bát Tràng 2026, mời bà con tham khảo."
POLITE = "chỉ đọc được tin nhắn chữ"
NOTE = "(Thông báo này kèm một ảnh, chỉ xem được trên Telegram.)"


@pytest.fixture
def zalo_fake() -> Iterator[FakeZalo]:
    with FakeZalo(token=ZALO_TOKEN) as server:
        yield server


def _fast(tg: TelegramBot) -> None:
    """No per-chat wait: the admin's chat gets several messages a second here."""
    tg.channel.limiter = tg.app.outlets.limiters["telegram"] = Limiter(
        1000, chat_rate=1000, chat_burst=1000
    )


async def _state(tg: TelegramBot, chat_id: int) -> Conversation:
    loaded = await tg.app.router.services.conversations.load_turn(tg.ref(chat_id))
    assert loaded is not None
    return loaded[1]


async def test_an_announcement_with_a_photo_reaches_telegram_zalo_and_the_console(
    tmp_path: Path, fake_telegram: FakeTelegram, zalo_fake: FakeZalo
) -> None:
    async with running_bot(
        tmp_path,
        fake_telegram,
        quiet_hours="off",
        zalo_token=ZALO_TOKEN,
        zalo_api_url=zalo_fake.url,
        zalo_chat_rate=50,
    ) as tg:
        _fast(tg)
        zalo = ZaloChannel(tg.app.settings, tg.app.dispatcher, poll_timeout=1)
        await zalo.start()
        try:
            await tg.user(LAN)
            services = tg.app.router.services
            zalo_fake.send_text(ZALO_CHAT, "/start")  # Zalo writes only to who wrote first
            await zalo_fake.await_message(ZALO_CHAT)
            on_zalo = await services.users.find(UserRef(channel="zalo", external_id=ZALO_CHAT))
            assert on_zalo is not None

            fake_telegram.send_text(ADMIN, "/thong_bao")
            await fake_telegram.await_message(ADMIN)
            fake_telegram.send_photo_from_user(ADMIN, caption=CAPTION)
            await fake_telegram.await_message(ADMIN)  # who should get it
            fake_telegram.press_button(ADMIN, "bcast:aud:all")
            preview = await fake_telegram.await_message(ADMIN)
            assert preview["method"] == "sendPhoto"
            assert preview["photo"]["url"] == "user-photo-b"  # the largest size, by file_id
            assert CAPTION in preview["caption"]
            count = await fake_telegram.await_message(ADMIN)
            assert "3 người" in count["text"]
            fake_telegram.press_button(ADMIN, "bcast:send")
            await fake_telegram.await_message(ADMIN)  # the progress message
            while await tg.app.outbox.drain_once():
                pass

            [to_lan] = fake_telegram.sent(LAN)
            assert to_lan["method"] == "sendPhoto"
            assert to_lan["photo"]["url"] == "user-photo-b"
            assert CAPTION in to_lan["caption"] and "/dung" in to_lan["caption"]
            assert NOTE not in to_lan["caption"]

            on_zalo_text = zalo_fake.texts(ZALO_CHAT)[-1]
            assert CAPTION in on_zalo_text and on_zalo_text.endswith(NOTE)
            assert not zalo_fake.calls("sendPhoto")

            row = await services.outbox.get(f"broadcast:1:user:{on_zalo.id}")
            assert row is not None  # the attachment survives the outbox row's JSON
            [reply] = row.replies
            assert reply.attachment is not None and reply.attachment.file_id == "user-photo-b"
            shown = console.render(reply)
            assert CAPTION in shown and NOTE in shown
        finally:
            await zalo.stop()


async def test_a_document_without_caption_asks_for_the_text(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    async with running_bot(tmp_path, fake_telegram, quiet_hours="off") as tg:
        _fast(tg)
        await tg.user(LAN)
        fake_telegram.send_text(ADMIN, "/thong_bao")
        await fake_telegram.await_message(ADMIN)
        fake_telegram.send_document_from_user(ADMIN, file_name="ke-hoach-2026.pdf")
        asked = await fake_telegram.await_message(ADMIN)
        assert "Bây giờ hãy nhập nội dung" in asked["text"]
        fake_telegram.send_text(ADMIN, "Kế hoạch dựng gian hàng, xem tệp kèm theo.")
        await fake_telegram.await_message(ADMIN)  # who should get it
        fake_telegram.press_button(ADMIN, "bcast:aud:all")
        preview = await fake_telegram.await_message(ADMIN)
        assert preview["method"] == "sendDocument"
        assert preview["document"]["url"] == "user-doc-1"
        assert "Kế hoạch dựng gian hàng" in preview["caption"]
        await fake_telegram.await_message(ADMIN)  # how many will get it
        fake_telegram.press_button(ADMIN, "bcast:send")
        await fake_telegram.await_message(ADMIN)
        while await tg.app.outbox.drain_once():
            pass
        [to_lan] = fake_telegram.sent(LAN)
        assert to_lan["method"] == "sendDocument"
        assert to_lan["document"]["url"] == "user-doc-1"


async def test_the_attachment_can_be_removed_at_the_preview(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    async with running_bot(tmp_path, fake_telegram, quiet_hours="off") as tg:
        _fast(tg)
        await tg.user(LAN)
        fake_telegram.send_text(ADMIN, "/thong_bao")
        await fake_telegram.await_message(ADMIN)
        fake_telegram.send_photo_from_user(ADMIN, caption=CAPTION)
        await fake_telegram.await_message(ADMIN)
        fake_telegram.press_button(ADMIN, "bcast:aud:all")
        await fake_telegram.await_message(ADMIN)
        await fake_telegram.await_message(ADMIN)
        fake_telegram.press_button(ADMIN, "bcast:detach")
        preview = await fake_telegram.await_message(ADMIN)
        assert preview["method"] == "sendMessage" and CAPTION in preview["text"]
        await fake_telegram.await_message(ADMIN)
        fake_telegram.press_button(ADMIN, "bcast:send")
        await fake_telegram.await_message(ADMIN)
        while await tg.app.outbox.drain_once():
            pass
        [to_lan] = fake_telegram.sent(LAN)
        assert to_lan["method"] == "sendMessage" and CAPTION in to_lan["text"]


async def test_a_photo_outside_any_flow_gets_the_polite_answer(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    async with running_bot(tmp_path, fake_telegram) as tg:
        _fast(tg)
        fake_telegram.send_photo_from_user(LAN, caption="Đây là sản phẩm của tôi")
        assert POLITE in (await fake_telegram.await_message(LAN))["text"]
        fake_telegram.send_document_from_user(LAN)
        assert POLITE in (await fake_telegram.await_message(LAN))["text"]


async def test_a_photo_during_registration_changes_nothing(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    async with running_bot(tmp_path, fake_telegram) as tg:
        _fast(tg)
        fake_telegram.send_text(LAN, "/dang_ky")
        await fake_telegram.await_message(LAN)
        before = await _state(tg, LAN)
        assert before.flow == "registration"
        fake_telegram.send_photo_from_user(LAN, caption="Gốm Minh Long")
        assert POLITE in (await fake_telegram.await_message(LAN))["text"]
        after = await _state(tg, LAN)
        assert (after.flow, after.step, after.data) == (before.flow, before.step, before.data)
