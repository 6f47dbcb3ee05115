"""A whole registration on Telegram through python-telegram-bot and the fake Bot API: inline
buttons, ticks edited in place, the share-contact keyboard, a restart in the middle, and the
admin's approval reaching the applicant."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.engine.ratelimit import Limiter
from tests.conftest import make_settings
from tests.fakes.telegram_api import FakeTelegram
from tests.handlers.registration_walk import BAT_TRANG

TOKEN = "123456:TEST-token"
CHAT = 4343
ADMIN = 1


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN) as server:
        yield server


@contextlib.asynccontextmanager
async def serving(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[None]:
    """The App with its Telegram channel and outbox, as `ketnoi run` has them."""
    settings = make_settings(
        tmp_path, telegram_token=TOKEN, telegram_api_url=fake.url, admins=f"telegram:{ADMIN}"
    )
    app = App(settings)
    await app.open()
    channel = TelegramChannel(settings, app.dispatcher)
    # Telegram allows a message a second per chat; the test need not wait for each reply.
    channel.limiter = app.outlets.limiters["telegram"] = Limiter(30, chat_rate=1000, chat_burst=100)
    await channel.start()
    outbox = asyncio.get_running_loop().create_task(app.outbox.run())
    try:
        yield
    finally:
        outbox.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await outbox
        await channel.stop()
        await app.close()


def _inline(message: dict[str, Any]) -> dict[str, str]:
    """label -> callback data of a message's inline keyboard."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def _press(fake: FakeTelegram, data: str, chat: int = CHAT) -> dict[str, Any]:
    fake.press_button(chat, data)
    return await fake.await_message(chat)


async def _say(fake: FakeTelegram, text: str) -> dict[str, Any]:
    fake.send_text(CHAT, text)
    return await fake.await_message(CHAT)


async def _tick(fake: FakeTelegram, data: str) -> dict[str, Any]:
    fake.press_button(CHAT, data)
    edit: dict[str, Any] = await fake.await_call("editMessageText")
    return edit


async def test_a_registration_on_telegram_survives_a_restart_and_is_approved(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    async with serving(fake, tmp_path):
        assert "Bạn có đồng ý" in (await _say(fake, "/dang_ky"))["text"]
        assert (await _press(fake, "reg:consent:yes"))["text"].startswith("Tên cơ sở")
        await _say(fake, "Cơ sở gốm Minh Hải")
        roles = await _press(fake, "reg:kind:household")
        edit = await _tick(fake, "reg:roles:producer")
        assert int(edit["params"]["message_id"]) == roles["message_id"]  # ticked in place
        assert "✓ Nhà sản xuất" in _inline(fake.sent(CHAT)[-1])
        await _press(fake, "reg:roles:done")
        await _tick(fake, "reg:sectors:ceramics")
        assert "phường, xã nào" in (await _press(fake, "reg:sectors:done"))["text"]
        picks = await _say(fake, "bat trang")
        assert _inline(picks)["Xã Bát Tràng"] == f"reg:ward_pick:{BAT_TRANG}"
        await _press(fake, f"reg:ward_pick:{BAT_TRANG}")
        await _press(fake, "reg:address:skip")
        phone = await _say(fake, "Nguyễn Thị Lan")
        assert phone["reply_markup"]["keyboard"][0][0]["request_contact"] is True

    async with serving(fake, tmp_path):  # a restart: the next answer goes on from there
        fake.share_contact(CHAT, "84912345678")
        noted = await fake.await_message(CHAT)
        assert "0912 345 678" in noted["text"]
        assert noted["reply_markup"] == {"remove_keyboard": True}
        assert "Mã số thuế" in (await fake.await_message(CHAT))["text"]
        await _say(fake, "001085012345")
        await _say(fake, "Bát đĩa men lam")
        await _press(fake, "reg:ocop:4")
        await _tick(fake, "reg:practices:energy_saving")
        summary = (await _press(fake, "reg:practices:done"))["text"]
        assert "Tên cơ sở: Cơ sở gốm Minh Hải" in summary
        assert "Địa bàn: Xã Bát Tràng, Hà Nội" in summary
        assert "Số điện thoại: 0912 345 678" in summary
        assert "Mã hồ sơ: HN-" in (await _press(fake, "reg:summary:confirm"))["text"]

        review = await fake.await_message(ADMIN)
        assert "Đăng ký mới HN-" in review["text"]
        approved = await _press(fake, _inline(review)["✅ Duyệt"], chat=ADMIN)
        assert approved["text"].startswith("Đã duyệt HN-")
        told = await fake.await_message(CHAT)
        assert "đã được Sở Công Thương Hà Nội duyệt" in told["text"]


async def test_only_one_s_own_contact_is_taken_as_one_s_phone(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    async with serving(fake, tmp_path):
        await _say(fake, "/dang_ky")
        await _press(fake, "reg:consent:yes")
        await _say(fake, "Cơ sở gốm Minh Hải")
        await _press(fake, "reg:kind:household")
        await _tick(fake, "reg:roles:producer")
        await _press(fake, "reg:roles:done")
        await _tick(fake, "reg:sectors:ceramics")
        await _press(fake, "reg:sectors:done")
        await _say(fake, "bat trang")
        await _press(fake, f"reg:ward_pick:{BAT_TRANG}")
        await _press(fake, "reg:address:skip")
        await _say(fake, "Nguyễn Thị Lan")
        for someone_else in (CHAT + 1, None):  # another Telegram user; one on no Telegram
            fake.share_contact(CHAT, "84987654321", user_id=someone_else)
            again = await fake.await_message(CHAT)
            assert "không phải của bạn" in again["text"]
            assert "Sở có thể gọi cho bạn theo số điện thoại nào?" in again["text"]
            assert again["reply_markup"]["keyboard"][0][0]["request_contact"] is True
        fake.share_contact(CHAT, "84912345678")
        noted = await fake.await_message(CHAT)
        assert "0912 345 678" in noted["text"]
        await fake.await_message(CHAT)  # the tax code question
        await _say(fake, "001085012345")
        await _say(fake, "Bát đĩa men lam")
        await _press(fake, "reg:ocop:4")
        await _tick(fake, "reg:practices:energy_saving")
        summary = (await _press(fake, "reg:practices:done"))["text"]
        assert "Tên cơ sở: Cơ sở gốm Minh Hải" in summary  # nothing entered is lost
        assert "Số điện thoại: 0912 345 678" in summary and "0987" not in summary


async def test_a_message_of_invisible_characters_is_answered_with_the_question(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    async with serving(fake, tmp_path):
        await _say(fake, "/dang_ky")
        await _press(fake, "reg:consent:yes")
        again = await _say(fake, "\u2066\u2069\u2060\u200b")
        assert again["text"].startswith("Tôi không đọc được tin nhắn này")
        assert "Tên cơ sở" in again["text"]
        assert "thuộc loại hình nào" in (await _say(fake, "\u2067Cơ sở gốm\u2069"))["text"]
