"""The outbox against the fake Bot API: limits, 429, 403, moved chats, retries, quiet hours."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from bot.core.types import Reply
from bot.engine.outbox import MAX_ATTEMPTS
from bot.engine.ratelimit import Lane, Limiter
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_bot import TelegramBot, eventually, running_bot

A, B, C = 501, 502, 503


@pytest.fixture
async def tg(tmp_path: Path, fake_telegram: FakeTelegram) -> AsyncIterator[TelegramBot]:
    async with running_bot(tmp_path, fake_telegram, quiet_hours="off") as bot:
        yield bot


async def queue(tg: TelegramBot, chat_id: int, text: str, lane: str = "bulk") -> None:
    user = await tg.user(chat_id)
    await tg.app.router.services.outbox.enqueue(
        user.id, [Reply(text=text)], f"test:{chat_id}:{text}", lane=lane
    )


def texts(fake_telegram: FakeTelegram, chat_id: int) -> list[str | None]:
    return [m["text"] for m in fake_telegram.sent(chat_id)]


async def status(tg: TelegramBot, chat_id: int, text: str) -> str:
    row = await tg.app.router.services.outbox.get(f"test:{chat_id}:{text}")
    assert row is not None
    return row.status


async def test_queued_messages_are_sent_once_each(
    tg: TelegramBot, fake_telegram: FakeTelegram
) -> None:
    for chat_id in (A, B, C):
        await queue(tg, chat_id, "Hội chợ gốm sứ sắp diễn ra")
    assert await tg.app.outbox.drain_once() == 3
    assert await tg.app.outbox.drain_once() == 0
    for chat_id in (A, B, C):
        assert texts(fake_telegram, chat_id) == ["Hội chợ gốm sứ sắp diễn ra"]
        assert await status(tg, chat_id, "Hội chợ gốm sứ sắp diễn ra") == "sent"


async def test_429_pauses_bulk_while_a_person_typing_still_gets_answers(
    tg: TelegramBot, fake_telegram: FakeTelegram
) -> None:
    clock = ManualClock()
    tg.channel.limiter = tg.app.outlets.limiters["telegram"] = Limiter(30, clock=clock)
    fake_telegram.fail_next("sendMessage", 429, retry_after=5, chat_id=A)
    await queue(tg, A, "first")
    with time_machine.travel(datetime.now(UTC), tick=True) as wall:
        tg.start_outbox()
        await eventually(lambda: _called_with_status(fake_telegram, 429))
        await eventually(lambda: _status_is(tg, A, "first", "pending"))
        assert tg.channel.limiter.paused_for == 5
        await queue(tg, C, "second")
        tg.app.outbox.wake()

        fake_telegram.send_text(B, "/menu")
        reply = await fake_telegram.await_message(B)
        assert "menu" in str(reply["reply_markup"])
        assert (
            texts(fake_telegram, A) == [] and texts(fake_telegram, C) == []
        )  # the bulk lane waits

        clock.now += 5
        wall.shift(5)
        await fake_telegram.await_message(A)
        await fake_telegram.await_message(C)
    assert texts(fake_telegram, A) == ["first"] and texts(fake_telegram, C) == ["second"]
    await eventually(lambda: _status_is(tg, A, "first", "sent"))


class ManualClock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _status_is(tg: TelegramBot, chat_id: int, text: str, wanted: str) -> bool:
    return await status(tg, chat_id, text) == wanted


async def _called_with_status(fake_telegram: FakeTelegram, code: int) -> bool:
    return any(c["status"] == code for c in fake_telegram.calls("sendMessage"))


async def test_403_marks_the_user_blocked_until_they_write_again(
    tg: TelegramBot, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.block(A)
    await queue(tg, A, "one")
    await tg.app.outbox.drain_once()
    assert await status(tg, A, "one") == "blocked"
    assert (await tg.user(A)).blocked_at is not None

    calls = len(fake_telegram.calls("sendMessage"))
    await queue(tg, A, "two")
    await tg.app.outbox.drain_once()
    assert await status(tg, A, "two") == "blocked"
    assert len(fake_telegram.calls("sendMessage")) == calls  # no call wasted on a blocked chat

    fake_telegram.unblock(A)
    fake_telegram.send_text(A, "/menu")
    await fake_telegram.await_message(A)
    assert (await tg.user(A)).blocked_at is None
    await queue(tg, A, "three")
    await tg.app.outbox.drain_once()
    assert texts(fake_telegram, A)[-1] == "three"


async def test_my_chat_member_blocks_and_unblocks(
    tg: TelegramBot, fake_telegram: FakeTelegram
) -> None:
    await tg.user(A)
    fake_telegram.my_chat_member(A, "kicked")

    async def blocked() -> bool:
        return (await tg.user(A)).blocked_at is not None

    await eventually(blocked)
    fake_telegram.my_chat_member(A, "member")

    async def active() -> bool:
        return (await tg.user(A)).blocked_at is None

    await eventually(active)
    await queue(tg, A, "welcome back")
    await tg.app.outbox.drain_once()
    assert texts(fake_telegram, A) == ["welcome back"]


async def test_a_moved_chat_gets_its_new_id_and_the_message(
    tg: TelegramBot, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail_next("sendMessage", 400, migrate_to_chat_id=-100777, chat_id=-55)
    await queue(tg, -55, "group notice")
    await tg.app.outbox.drain_once()
    await tg.app.outbox.drain_once()
    assert texts(fake_telegram, -100777) == ["group notice"]
    assert texts(fake_telegram, -55) == []
    user = await tg.app.router.services.users.find(tg.ref(-100777))
    assert user is not None
    assert await status(tg, -55, "group notice") == "sent"


async def test_server_errors_back_off_then_give_up_keeping_the_error(
    tg: TelegramBot, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail_next("sendMessage", 502, times=MAX_ATTEMPTS + 5)
    _no_chat_limit(tg)
    await queue(tg, A, "retry me")
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=True) as clock:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            assert await tg.app.outbox.drain_once() == 1
            row = await tg.app.router.services.outbox.get(f"test:{A}:retry me")
            assert row is not None and row.attempts == attempt
            if attempt < MAX_ATTEMPTS:
                assert row.status == "pending"
                assert row.not_before >= start + timedelta(seconds=2**attempt - 1)
                assert await tg.app.outbox.drain_once() == 0  # not due yet
                clock.shift(2**attempt + 1)
    row = await tg.app.router.services.outbox.get(f"test:{A}:retry me")
    assert row is not None and row.status == "failed"
    assert row.error is not None and "Bad Gateway" in row.error
    assert texts(fake_telegram, A) == []


def _no_chat_limit(tg: TelegramBot) -> None:
    """Retries to one chat would otherwise wait for its 1 message/s."""
    limiter = Limiter(1000, chat_rate=1000, chat_burst=1000)
    tg.channel.limiter = tg.app.outlets.limiters["telegram"] = limiter


async def test_a_later_success_after_a_network_error(
    tg: TelegramBot, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail_next("sendMessage", 500)
    await queue(tg, A, "eventually")
    with time_machine.travel(datetime.now(UTC), tick=True) as clock:
        await tg.app.outbox.drain_once()
        clock.shift(5)
        await tg.app.outbox.drain_once()
    assert texts(fake_telegram, A) == ["eventually"]


async def test_quiet_hours_defer_bulk_to_the_end_of_the_window(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    night = datetime(2026, 11, 23, 22, 30, tzinfo=UTC) - timedelta(hours=7)  # 22:30 in Hanoi
    with time_machine.travel(night, tick=False) as clock:
        async with running_bot(tmp_path, fake_telegram, quiet_hours="21:00-07:00") as tg:
            await queue(tg, A, "announcement")
            await queue(tg, B, "your application was approved", lane="notice")
            await tg.app.outbox.drain_once()
            assert texts(fake_telegram, B) == ["your application was approved"]
            assert texts(fake_telegram, A) == []
            assert tg.app.outbox.quiet_until() == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)

            clock.move_to(datetime(2026, 11, 23, 23, 59, tzinfo=UTC))  # 06:59 in Hanoi
            await tg.app.outbox.drain_once()
            assert texts(fake_telegram, A) == []

            clock.move_to(datetime(2026, 11, 24, 0, 0, tzinfo=UTC))  # 07:00
            await tg.app.outbox.drain_once()
            assert texts(fake_telegram, A) == ["announcement"]


async def test_rows_in_flight_at_a_crash_are_never_resent_and_admins_are_told(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    async with running_bot(tmp_path, fake_telegram, quiet_hours="off") as tg:
        for chat_id in (A, B, C):
            await queue(tg, chat_id, "before the crash")
        # two rows were being sent when the process was killed
        in_flight = await tg.app.router.services.outbox.claim(2, channel="telegram")
        for row in in_flight:  # handed to the platform
            await tg.app.router.services.outbox.handed(row.id)

    async with running_bot(tmp_path, fake_telegram, quiet_hours="off") as tg:
        unknown = await tg.app.outbox.recover()
        assert sorted(r.id for r in unknown) == sorted(r.id for r in in_flight)
        while await tg.app.outbox.drain_once():
            pass
        received = {chat_id: texts(fake_telegram, chat_id) for chat_id in (A, B, C)}
        assert sorted(len(t) for t in received.values()) == [0, 0, 1]
        for row in in_flight:
            assert (await tg.app.router.services.outbox.get(row.dedupe_key)).status == "unknown"  # type: ignore[union-attr]
        [report] = texts(fake_telegram, 7000)
        assert report is not None and "2" in report


async def test_a_message_the_platform_took_without_answering_is_unknown_never_resent(
    tg: TelegramBot, fake_telegram: FakeTelegram
) -> None:
    _no_chat_limit(tg)
    fake_telegram.lose_answers("sendMessage", "dropped", chat_id=A)  # delivered, the answer lost
    fake_telegram.lose_answers("sendMessage", "dropped", chat_id=B)
    await queue(tg, A, "reminder")
    await queue(tg, B, "your booth is approved", lane="notice")
    await queue(tg, C, "reminder")
    await tg.app.outbox.drain_once()
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=1)):
        assert await tg.app.outbox.drain_once() == 0  # nothing is tried again, ever

    assert texts(fake_telegram, A) == ["reminder"] and texts(fake_telegram, B) == [
        "your booth is approved"
    ]
    assert await status(tg, A, "reminder") == "unknown"
    assert await status(tg, B, "your booth is approved") == "unknown"
    assert await status(tg, C, "reminder") == "sent"
    row = await tg.app.router.services.outbox.get(f"test:{A}:reminder")
    assert row is not None and row.error is not None and "RemoteProtocolError" in row.error

    # The owners hear of both in one message; the alarm's own fate is not alarmed again.
    fake_telegram.lose_answers("sendMessage", "dropped", chat_id=7000)
    assert await tg.app.outbox.report_unconfirmed() == 2
    await tg.app.outbox.drain_once()
    [alarm] = texts(fake_telegram, 7000)
    assert alarm is not None and "không trả lời kịp khi đang gửi 2 tin nhắn" in alarm
    assert await tg.app.outbox.report_unconfirmed() == 0


async def test_replies_kept_after_a_failure_leave_one_at_a_time_in_order(
    tg: TelegramBot, fake_telegram: FakeTelegram
) -> None:
    _no_chat_limit(tg)
    for text in ("first reply", "second reply"):
        await queue(tg, A, text, lane="reply")
    await queue(tg, B, "someone else's reply", lane="reply")
    # every attempt the channel makes at once for a reply (bot/channels/retry.py)
    fake_telegram.fail_next("sendMessage", 502, times=3, chat_id=A)
    with time_machine.travel(datetime.now(UTC), tick=True) as clock:
        assert await tg.app.outbox.drain_once() == 2  # A's first and B's: one each
        assert await status(tg, A, "first reply") == "pending"  # backs off
        assert await tg.app.outbox.drain_once() == 0  # A's second waits behind the first
        assert texts(fake_telegram, A) == [] and texts(fake_telegram, B) == ["someone else's reply"]

        clock.shift(3)
        while await tg.app.outbox.drain_once():
            pass
    assert texts(fake_telegram, A) == ["first reply", "second reply"]
    assert await status(tg, A, "second reply") == "sent"


async def test_a_kept_reply_goes_in_quiet_hours_with_the_interactive_lane(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    night = datetime(2026, 11, 23, 22, 30, tzinfo=UTC) - timedelta(hours=7)  # 22:30 in Hanoi
    with time_machine.travel(night, tick=False):
        async with running_bot(tmp_path, fake_telegram, quiet_hours="21:00-07:00") as tg:
            lanes: list[tuple[object, ...]] = []
            send = tg.app.outlets.senders["telegram"]

            async def recording(*args: object) -> None:
                lanes.append(args[2:])
                await send(*args)  # type: ignore[arg-type]

            tg.app.outlets.senders["telegram"] = recording  # type: ignore[assignment]
            await queue(tg, A, "the answer to your question", lane="reply")
            await queue(tg, B, "announcement")
            await tg.app.outbox.drain_once()

            assert texts(fake_telegram, A) == ["the answer to your question"]
            assert texts(fake_telegram, B) == []  # bulk waits for the morning
            assert lanes == [(Lane.INTERACTIVE,)]  # a reply's priority over bulk


async def test_a_reply_in_flight_at_a_crash_is_sent_again_not_reported(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    async with running_bot(tmp_path, fake_telegram, quiet_hours="off") as tg:
        await queue(tg, A, "the answer", lane="reply")
        await tg.app.router.services.outbox.claim(1, channel="telegram")  # then killed

    async with running_bot(tmp_path, fake_telegram, quiet_hours="off") as tg:
        assert await tg.app.outbox.recover() == []  # no alarm: it goes again
        await tg.app.outbox.drain_once()
        assert texts(fake_telegram, A) == ["the answer"]
        assert texts(fake_telegram, 7000) == []
