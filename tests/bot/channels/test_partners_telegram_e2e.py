"""Members find each other on Telegram (issue 20), through python-telegram-bot and the fake Bot
API: a shop searches by typing, finds only the approved producer who chose to be found, asks to
connect; the producer accepts by typing "đồng ý"; both receive the other's contact; /thong_ke
counts the link."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.core.types import UserRef
from storage.enterprises import EnterpriseStatus
from tests.bot.channels.test_telegram_registration import TOKEN, _inline, serving
from tests.fakes.telegram_api import FakeTelegram
from tests.handlers.partners.members import enterprise_for

ADMIN, MINH, HIDDEN, WAITING, SHOP = 1, 5001, 5002, 5003, 5004


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN) as server:
        yield server


async def _say(fake: FakeTelegram, chat: int, text: str) -> dict[str, Any]:
    fake.send_text(chat, text)
    return await fake.await_message(chat)


async def _read(fake: FakeTelegram, chat: int, has: str) -> str:
    """The next message to `chat` that contains `has`."""
    for _ in range(5):
        text = str((await fake.await_message(chat))["text"])
        if has in text:
            return text
    raise AssertionError(f"no message with {has!r} to {chat}")


async def test_a_shop_finds_a_producer_and_they_connect_on_telegram(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    async with serving(fake, tmp_path) as app:
        for chat in (ADMIN, MINH, HIDDEN, WAITING, SHOP):
            await _say(fake, chat, "/start")
        await _members(app)

        found = await _say(fake, SHOP, "tìm nhà sản xuất gốm sứ Bát Tràng")
        assert "Gốm Minh Hải" in found["text"] and "Sản phẩm: Bát đĩa men lam" in found["text"]
        assert "Kín Đáo" not in found["text"] and "Chờ Duyệt" not in found["text"]
        assert "0912" not in found["text"]
        asked = await _press(fake, SHOP, _inline(found)["🤝 Kết nối với số 1"])
        assert "vì sao bạn muốn kết nối với Gốm Minh Hải" in asked["text"]
        sent = await _say(fake, SHOP, "Cửa hàng chúng tôi cần bát men lam số lượng lớn")
        assert "Yêu cầu của bạn đã được gửi tới Gốm Minh Hải" in sent["text"]

        notice = await _read(fake, MINH, "muốn kết nối với bạn")
        assert "Cửa hàng Quà Việt" in notice and "bát men lam số lượng lớn" in notice
        assert "0987" not in notice
        accepted = await _say(fake, MINH, "đồng ý")
        assert "Bạn đã kết nối với Cửa hàng Quà Việt" in accepted["text"]
        assert "0987 654 321" in accepted["text"] and "Telegram" in accepted["text"]
        told = await _read(fake, SHOP, "Bạn đã kết nối với Gốm Minh Hải")
        assert "0912 345 678" in told and "Chị Hải" in told

        stats = await _read_after(fake, ADMIN, "/thong_ke", "Kết nối giữa các thành viên")
        assert "1 đã gửi, 1 đồng ý, 0 từ chối" in stats
        assert "Nhà sản xuất → Nhà phân phối" in stats


async def _press(fake: FakeTelegram, chat: int, data: str) -> dict[str, Any]:
    fake.press_button(chat, data)
    return await fake.await_message(chat)


async def _read_after(fake: FakeTelegram, chat: int, text: str, has: str) -> str:
    fake.send_text(chat, text)
    return await _read(fake, chat, has)


async def _members(app: App) -> None:
    """The producers and the shop, as staff approved them (or not)."""
    await enterprise_for(app, UserRef("telegram", str(MINH)), "Gốm Minh Hải")
    await enterprise_for(
        app, UserRef("telegram", str(HIDDEN)), "Gốm Kín Đáo", findable=False, phone="+84912000001"
    )
    await enterprise_for(
        app,
        UserRef("telegram", str(WAITING)),
        "Gốm Chờ Duyệt",
        status=EnterpriseStatus.PENDING,
        phone="+84912000002",
    )
    await enterprise_for(
        app,
        UserRef("telegram", str(SHOP)),
        "Cửa hàng Quà Việt",
        roles=("distributor",),
        findable=False,
        phone="+84987654321",
    )
