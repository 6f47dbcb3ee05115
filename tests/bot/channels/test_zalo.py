"""The Zalo channel with its real httpx client against the fake Zalo Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pytest
from icalendar import Calendar, Event

from bot.app import App
from bot.channels.zalo import ZaloChannel
from bot.channels.zalo_api import ZaloApi
from bot.core.config import ConfigError, Settings
from bot.core.payloads import Payload
from bot.core.types import (
    Blocked,
    Document,
    Reply,
    RetryLater,
    SendError,
    UnknownOutcome,
    UserRef,
    Venue,
)
from bot.dialog.router import Turn
from bot.engine.ratelimit import Lane
from tests.conftest import make_settings
from tests.fakes.zalo_api import FakeZalo

TOKEN = "1459232241454765289:zalo-test-token"
CHAT = "e4ea2cd5189df1c3a88c"
USER = UserRef(channel="zalo", external_id=CHAT)


@pytest.fixture
def settings(tmp_path: Path, fake_zalo: FakeZalo) -> Settings:
    # a test types faster than a person: no one-message-a-second wait per chat
    return make_settings(tmp_path, zalo_token=TOKEN, zalo_api_url=fake_zalo.url, zalo_chat_rate=50)


@pytest.fixture
async def channel(app: App) -> AsyncIterator[ZaloChannel]:
    zalo = ZaloChannel(app.settings, app.dispatcher, poll_timeout=0.5)
    await zalo.start()
    yield zalo
    await zalo.stop()


async def say(fake_zalo: FakeZalo, text: str) -> str:
    """The user writes; returns the text of the bot's next message."""
    fake_zalo.send_text(CHAT, text)
    return str((await fake_zalo.await_message(CHAT))["text"])


async def test_start_polls_and_answers_with_numbered_options(
    fake_zalo: FakeZalo, channel: ZaloChannel
) -> None:
    text = await say(fake_zalo, "/start")

    assert "Lan" in text
    assert "1. Đăng ký vào mạng lưới" in text.splitlines()
    assert "6. Ngôn ngữ" in text.splitlines()
    assert fake_zalo.calls("deleteWebhook")  # polling gets nothing while a webhook is set
    methods = [c["method"] for c in fake_zalo.calls() if c["method"] != "getUpdates"]
    assert methods[-2:] == ["sendChatAction", "sendMessage"]  # "typing…" first


async def test_empty_polls_answer_408_and_polling_goes_on(
    fake_zalo: FakeZalo, channel: ZaloChannel
) -> None:
    for _ in range(2):
        await fake_zalo.await_call("getUpdates", lambda c: c["status"] == 408, timeout=5)

    assert "Lan" in await say(fake_zalo, "/start")


async def test_options_are_answered_by_number_and_by_label(
    fake_zalo: FakeZalo, channel: ZaloChannel
) -> None:
    await say(fake_zalo, "/menu")

    languages = await say(fake_zalo, "6")
    english = await say(fake_zalo, "english")  # the label, typed without care for case
    await say(fake_zalo, "/language")
    back = await say(fake_zalo, "1")

    assert languages.splitlines() == ["Chọn ngôn ngữ của bạn:", "1. Tiếng Việt", "2. English"]
    assert english.startswith("Language set to English.")
    assert "1. Register into the network" in english.splitlines()
    assert back.startswith("Đã chuyển sang tiếng Việt.")


async def test_long_replies_are_split_at_line_boundaries(
    app: App, fake_zalo: FakeZalo, channel: ZaloChannel
) -> None:
    lines = [f"Gian hàng {n}: gốm Bát Tràng, men lam, bình hoa" for n in range(120)]

    async def long_list(turn: Turn) -> list[Reply]:
        return [Reply(text="\n".join(lines))]

    app.router.command(("dai",), long_list)
    fake_zalo.send_text(CHAT, "/dai")
    first = await fake_zalo.await_message(CHAT)
    pieces = [first] + [await fake_zalo.await_message(CHAT) for _ in range(2)]

    assert all(len(p["text"]) <= 2000 for p in pieces)
    assert [line for p in pieces for line in p["text"].splitlines()] == lines


async def test_stickers_and_images_get_a_polite_request_for_text(
    fake_zalo: FakeZalo, channel: ZaloChannel
) -> None:
    fake_zalo.send_sticker(CHAT)
    sticker = await fake_zalo.await_message(CHAT)
    fake_zalo.send_image(CHAT, caption="sản phẩm của tôi")
    image = await fake_zalo.await_message(CHAT)

    assert sticker["text"] == image["text"]
    assert "/menu" in sticker["text"]


async def test_blocked_user_is_marked_and_send_raises_blocked(
    app: App, fake_zalo: FakeZalo, channel: ZaloChannel
) -> None:
    await say(fake_zalo, "/start")
    fake_zalo.block(CHAT)
    fake_zalo.send_text(CHAT, "/menu")
    await fake_zalo.await_call("sendMessage", lambda c: c["status"] == 403)

    with pytest.raises(Blocked):
        await channel.send(USER, [Reply(text="Nhắc lịch hội chợ")])
    for _ in range(500):  # the failed reply is handled in the background
        user = await app.router.services.users.find(USER)
        if user is not None and user.blocked_at is not None:
            break
        await asyncio.sleep(0.01)
    else:
        pytest.fail("the user who blocked the bot was not marked")


@pytest.mark.parametrize(
    ("status", "retry_after", "error"),
    [
        (429, 30, RetryLater),
        (502, None, RetryLater),
        (500, None, RetryLater),
        (400, None, SendError),
    ],
)
async def test_send_errors_map_to_what_the_outbox_does(
    fake_zalo: FakeZalo,
    channel: ZaloChannel,
    status: int,
    retry_after: int | None,
    error: type[SendError],
) -> None:
    fake_zalo.send_text(CHAT, "/start")
    await fake_zalo.await_message(CHAT)
    fake_zalo.fail_next("sendMessage", status, retry_after=retry_after)

    with pytest.raises(SendError) as caught:
        await channel.send(USER, [Reply(text="Nhắc lịch hội chợ")])

    assert type(caught.value) is error
    if retry_after is not None:
        assert isinstance(caught.value, RetryLater) and caught.value.retry_after == 30
        assert channel.limiter.paused_for > 25  # the outbox's bulk lane waits it out
    await channel.send(USER, [Reply(text="lần nữa")], Lane.INTERACTIVE)  # a person typing
    assert fake_zalo.texts(CHAT)[-1] == "lần nữa"


@pytest.mark.parametrize("how", ["late", "dropped"])
async def test_a_message_the_platform_took_without_answering_is_unknown(
    fake_zalo: FakeZalo, channel: ZaloChannel, how: Literal["late", "dropped"]
) -> None:
    fake_zalo.send_text(CHAT, "/start")
    await fake_zalo.await_message(CHAT)
    await channel.api.close()
    channel.api = ZaloApi(fake_zalo.url, TOKEN, timeout=0.5)  # the client waits 0.5 s, not 15
    await channel.api.open()
    fake_zalo.lose_answers("sendMessage", how, delay=1.5)

    with pytest.raises(UnknownOutcome):
        await channel.send(USER, [Reply(text="Thông báo hội chợ")])

    assert (
        fake_zalo.texts(CHAT)[-1] == "Thông báo hội chợ"
    )  # it did arrive: resending would double it


async def test_a_message_that_never_left_may_be_sent_again(tmp_path: Path, app: App) -> None:
    settings = make_settings(tmp_path, zalo_token=TOKEN, zalo_api_url="http://127.0.0.1:9")
    channel = ZaloChannel(settings, app.dispatcher)
    await channel.api.open()
    try:
        with pytest.raises(RetryLater):  # connection refused: nothing reached the platform
            await channel.send(USER, [Reply(text="Thông báo hội chợ")])
    finally:
        await channel.api.close()


async def test_invalid_token_stops_the_start_with_one_clear_line(
    tmp_path: Path, app: App, fake_zalo: FakeZalo
) -> None:
    settings = make_settings(tmp_path, zalo_token="1:WRONG", zalo_api_url=fake_zalo.url)

    with pytest.raises(ConfigError) as caught:
        await ZaloChannel(settings, app.dispatcher).start()

    assert str(caught.value) == "KETNOI_ZALO_TOKEN was refused by Zalo (invalid token)"
    assert "WRONG" not in str(caught.value)


async def test_unreachable_api_is_one_clear_line(tmp_path: Path, app: App) -> None:
    settings = make_settings(tmp_path, zalo_token=TOKEN, zalo_api_url="http://127.0.0.1:9")

    with pytest.raises(ConfigError, match="KETNOI_ZALO_API_URL"):
        await ZaloChannel(settings, app.dispatcher).start()


def _ics() -> bytes:
    calendar = Calendar()
    event = Event()
    event.add("summary", "Hội chợ gốm sứ Kim Lan 2026")
    event.add("dtstart", datetime(2026, 12, 10, 1, 0, tzinfo=UTC))
    event.add("dtend", datetime(2026, 12, 14, 14, 0, tzinfo=UTC))
    event.add("location", "Bảo tàng Gốm sứ Kim Lan, xã Bát Tràng")
    calendar.add_component(event)
    return calendar.to_ical()


async def test_files_become_text_never_silence(fake_zalo: FakeZalo, channel: ZaloChannel) -> None:
    await say(fake_zalo, "/start")
    ics = Document(filename="hoi-cho.ics", content=_ics(), mime_type="text/calendar")
    xlsx = Document(filename="gian-hang.xlsx", content=b"PK\x03\x04")

    await channel.send(USER, [Reply(text="Thêm vào lịch:", document=ics)])
    await channel.send(USER, [Reply(document=xlsx)])

    event, export = fake_zalo.texts(CHAT)[-2:]
    assert event.startswith("Thêm vào lịch:")
    assert "🗓 Hội chợ gốm sứ Kim Lan 2026" in event
    assert "08:00, Thứ Năm, 10 tháng 12, 2026" in event  # 01:00 UTC is 08:00 in Hanoi
    assert "📍 Bảo tàng Gốm sứ Kim Lan, xã Bát Tràng" in event
    assert "gian-hang.xlsx" in export and "/lien_ket" in export


async def test_photos_by_url_and_venues_as_map_links(
    fake_zalo: FakeZalo, channel: ZaloChannel
) -> None:
    await say(fake_zalo, "/start")
    venue = Venue(
        title="Bảo tàng Gốm sứ Kim Lan", address="xã Bát Tràng", latitude=20.977, longitude=105.915
    )

    await channel.send(USER, [Reply(text="Gian 12", photo_url="https://x.org/g12.jpg")])
    await channel.send(USER, [Reply(text="Địa điểm:", venue=venue)])

    photo, place = fake_zalo.sent(CHAT)[-2:]
    assert (photo["method"], photo["photo"], photo["caption"]) == (
        "sendPhoto",
        "https://x.org/g12.jpg",
        "Gian 12",
    )
    assert place["text"].splitlines() == [
        "Địa điểm:",
        "📍 Bảo tàng Gốm sứ Kim Lan — xã Bát Tràng",
        "https://www.google.com/maps/search/?api=1&query=20.977,105.915",
    ]


async def test_options_of_a_pushed_message_are_answered_by_number(
    app: App, fake_zalo: FakeZalo, channel: ZaloChannel
) -> None:
    @dataclass(frozen=True, slots=True)
    class Probe(Payload, prefix="probe"):
        answer: Literal["approve", "reject"]

    async def decide(turn: Turn) -> list[Reply]:
        return [Reply(text=f"Đã chọn {turn.incoming.payload}")]

    app.router.button(Probe, decide)
    await say(fake_zalo, "/start")
    notice = Reply(
        text="Đăng ký mới HN-2026-000001 cần duyệt",
        buttons=[
            [Probe("approve").button("✅ Duyệt")],
            [Probe("reject").button("❌ Từ chối")],
        ],
    )

    await channel.send(USER, [notice])  # as the outbox does, outside any turn

    assert fake_zalo.texts(CHAT)[-1].splitlines()[1:] == ["1. ✅ Duyệt", "2. ❌ Từ chối"]
    await fake_zalo.await_message(CHAT)
    assert await say(fake_zalo, "2") == "Đã chọn probe:reject"
