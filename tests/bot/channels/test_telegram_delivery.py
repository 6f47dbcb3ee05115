"""Replies on Telegram, through python-telegram-bot and the fake Bot API: a flood from one chat
delays no one else, a reply the platform does not take arrives later, each person's replies
arrive in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.telegram import TelegramChannel
from bot.core.types import Reply
from bot.dialog.router import Turn
from bot.engine.dispatch import BACKLOG
from bot.engine.ratelimit import Limiter
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_bot import TelegramBot, eventually, running_bot

FLOODER, A, B = 501, 502, 503
TOO_FAST = "Bạn gửi nhanh quá"


async def echo(turn: Turn) -> list[Reply]:
    """Says back what follows /echo."""
    return [Reply(text=f"echo {turn.incoming.args}")]


@pytest.fixture
async def tg(tmp_path: Path, fake_telegram: FakeTelegram) -> AsyncIterator[TelegramBot]:
    async with running_bot(tmp_path, fake_telegram, quiet_hours="off", send_timeout=0.5) as bot:
        bot.app.router.command(("echo",), echo)
        bot.start_outbox()
        yield bot


def texts(fake_telegram: FakeTelegram, chat_id: int) -> list[str | None]:
    return [m["text"] for m in fake_telegram.sent(chat_id)]


async def replies_kept(tg: TelegramBot) -> dict[str, int]:
    """The outbox's rows by status (here: only replies kept after a failure)."""
    return await tg.app.router.services.outbox.counts()


async def test_a_flood_from_one_chat_delays_no_one_else_and_is_told_once(
    tg: TelegramBot, fake_telegram: FakeTelegram
) -> None:
    # a test types faster than a person: five messages a second to a chat, not one
    tg.channel.limiter = tg.app.outlets.limiters["telegram"] = Limiter(
        30, chat_rate=5, chat_burst=1
    )
    for i in range(60):
        fake_telegram.send_text(FLOODER, f"/echo {i}")
    fake_telegram.send_text(A, "/echo xin chào")

    assert (await fake_telegram.await_message(A))["text"] == "echo xin chào"
    assert (
        len(fake_telegram.sent(FLOODER)) < BACKLOG
    )  # answered while the flooder's replies still wait
    flooder = [(await fake_telegram.await_message(FLOODER))["text"] for _ in range(BACKLOG + 1)]
    await asyncio.to_thread(fake_telegram.wait_idle, 0.5)

    assert flooder[:BACKLOG] == [f"echo {i}" for i in range(BACKLOG)]  # the first, in order
    assert flooder[-1] is not None and flooder[-1].startswith(TOO_FAST)
    assert texts(fake_telegram, FLOODER) == flooder  # one notice, and nothing of the 52 dropped
    assert "52 dropped" in (tg.app.router.traffic.summary() or "")


@pytest.mark.parametrize(
    "fault",
    ["500", "502", "timeout", "429 three times"],
)
async def test_a_reply_the_platform_does_not_take_arrives_later(
    tg: TelegramBot, fake_telegram: FakeTelegram, fault: str
) -> None:
    # three failures: every attempt the channel makes at once, so the outbox takes over
    if fault == "timeout":
        fake_telegram.hang_next(
            "sendMessage", 1.0, times=3, chat_id=A
        )  # never taken, answered late
    elif fault.startswith("429"):
        fake_telegram.fail_next("sendMessage", 429, retry_after=1, times=3, chat_id=A)
    else:
        fake_telegram.fail_next("sendMessage", int(fault), times=3, chat_id=A)

    fake_telegram.send_text(A, "/echo gian hàng 12")

    assert (await fake_telegram.await_message(A, timeout=20))["text"] == "echo gian hàng 12"
    await eventually(lambda: _counts_are(tg, {"sent": 1}))  # through the outbox's reply lane
    assert texts(fake_telegram, A) == ["echo gian hàng 12"]


async def test_a_reply_answered_too_late_is_sent_again_and_may_arrive_twice(
    tg: TelegramBot, fake_telegram: FakeTelegram
) -> None:
    # Telegram took the message but its answer came after the client gave up: for a reply the
    # bot sends it again (bot/channels/retry.py), as seeing it twice beats never seeing it.
    fake_telegram.lose_answers("sendMessage", "late", delay=1.0, chat_id=A)

    fake_telegram.send_text(A, "/echo một lần")
    await fake_telegram.await_message(A)
    await fake_telegram.await_message(A, timeout=10)

    assert texts(fake_telegram, A) == ["echo một lần", "echo một lần"]


async def test_replies_after_one_that_failed_wait_behind_it(
    tg: TelegramBot, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail_next("sendMessage", 502, times=3, chat_id=A)
    for n in (1, 2, 3):
        fake_telegram.send_text(A, f"/echo {n}")
    fake_telegram.send_text(B, "/echo B")

    assert (await fake_telegram.await_message(B))["text"] == "echo B"
    got = [(await fake_telegram.await_message(A, timeout=20))["text"] for _ in range(3)]
    assert got == ["echo 1", "echo 2", "echo 3"]
    await eventually(lambda: _counts_are(tg, {"sent": 3}))  # kept in order, sent in order

    fake_telegram.send_text(A, "/echo 4")  # once they are out, replies go straight again
    assert (await fake_telegram.await_message(A))["text"] == "echo 4"
    assert await replies_kept(tg) == {"sent": 3}


async def test_a_reply_to_someone_who_blocked_the_bot_is_not_kept(
    tg: TelegramBot, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.block(A)
    fake_telegram.send_text(A, "/echo ai đó")

    await eventually(lambda: _blocked(tg, A))
    assert await replies_kept(tg) == {}
    assert len(fake_telegram.calls("sendMessage")) == 1


async def test_at_a_stop_replies_not_sent_yet_wait_in_the_outbox_for_the_restart(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    async with running_bot(tmp_path, fake_telegram, quiet_hours="off") as tg:
        tg.app.router.command(("echo",), echo)
        slow = Limiter(30, chat_rate=0.5, chat_burst=1)  # a reply to A every 2 s
        tg.channel.limiter = tg.app.outlets.limiters["telegram"] = slow
        for n in (1, 2, 3):
            fake_telegram.send_text(A, f"/echo {n}")
        assert (await fake_telegram.await_message(A))["text"] == "echo 1"
        await tg.channel.stop()  # a reply already waiting for its turn still goes
        sent_before = len(fake_telegram.sent(A))
        assert await replies_kept(tg) == {"pending": 3 - sent_before}

        again = TelegramChannel(tg.app.settings, tg.app.dispatcher)  # the restart
        await again.start()
        try:
            tg.start_outbox()
            await fake_telegram.await_message(A, lambda m: m["text"] == "echo 3", timeout=10)
            await asyncio.to_thread(fake_telegram.wait_idle, 0.5)
        finally:
            await again.stop()
    assert texts(fake_telegram, A) == ["echo 1", "echo 2", "echo 3"]


async def _counts_are(tg: TelegramBot, wanted: dict[str, int]) -> bool:
    return await replies_kept(tg) == wanted


async def _blocked(tg: TelegramBot, chat_id: int) -> bool:
    return (await tg.user(chat_id)).blocked_at is not None
