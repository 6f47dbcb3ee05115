"""The App's lifecycle: `async with` opens and closes it; start() runs the outbox and every
feature's periodic jobs; a clean stop loses nothing and raises no alarm."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from bot.app import App
from bot.core.config import Settings
from bot.core.types import Reply
from tests.chat import Chat
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_bot import TelegramBot, eventually, running_bot

OWNER = 7000
BUSY = 600  # one chat with many messages: they wait for its one-a-second limit


async def _queue_many(tg: TelegramBot) -> int:
    outbox = tg.app.router.services.outbox
    n = 0
    for chat_id in [BUSY] * 8 + list(range(601, 625)):
        user = await tg.user(chat_id)
        n += await outbox.enqueue(user.id, [Reply(text=f"Thông báo {n}")], f"t:{n}")
    return n


async def test_a_clean_stop_puts_back_what_was_not_sent_and_waits_for_what_was(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.lose_answers("sendMessage", "late", delay=0.3, times=1000)  # a slow platform
    async with running_bot(tmp_path, fake_telegram, quiet_hours="off", telegram_rate=6) as tg:
        queued = await _queue_many(tg)
        tg.app.start()
        await eventually(lambda: _sent_at_least(fake_telegram, 8))
        stopped = await tg.app.stop()
        counts = await tg.app.router.services.outbox.counts()

    assert stopped.put_back >= 1  # claimed for the busy chat, waiting for its turn
    assert stopped.finished >= 1 and stopped.unanswered == 0
    assert "sending" not in counts and "unknown" not in counts
    assert (
        counts["sent"] == len(fake_telegram.sent()) and counts["pending"] == queued - counts["sent"]
    )

    async with running_bot(tmp_path, fake_telegram, quiet_hours="off") as tg:  # the next start
        assert await tg.app.outbox.recover() == []
        while await tg.app.outbox.drain_once():
            pass
    per_chat = {m["chat_id"]: 0 for m in fake_telegram.sent()}
    for message in fake_telegram.sent():
        per_chat[message["chat_id"]] += 1
    assert per_chat.pop(BUSY) == 8
    assert set(per_chat.values()) == {1} and len(per_chat) == 24  # each once, the owner not at all


async def _sent_at_least(fake_telegram: FakeTelegram, n: int) -> bool:
    return len(fake_telegram.sent()) >= n


async def test_leaving_the_block_stops_what_runs_and_closes(settings: Settings) -> None:
    async with App(settings) as app:
        app.start()
        jobs = {job.name for job in app.router.jobs}
        assert app.running
    assert not app.running
    with pytest.raises(AssertionError, match="open"):
        _ = app.db
    # each feature declared its own, the engine two
    assert {
        "registration_nudges",
        "booth_offers_expire",
        "reminders_due",
        "broadcast_progress",
        "unconfirmed_report",
        "traffic_summary",
    } <= jobs


async def test_a_features_job_runs_while_the_app_serves(settings: Settings) -> None:
    async with App(settings) as app:
        await Chat(app.router).say("/dang_ky")  # a registration started, then left for a day
        with time_machine.travel(datetime.now(UTC) + timedelta(hours=25), tick=True):
            app.start()  # registration's own job looks at once, then every 10 minutes

            async def nudged() -> bool:
                rows = await app.db.fetchall("SELECT dedupe_key FROM outbox")
                return any(r["dedupe_key"].startswith("nudge:") for r in rows)

            await eventually(nudged)
            await app.stop()


async def test_a_failing_job_is_logged_and_runs_again(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    runs: list[int] = []

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("boom")

    async with App(settings) as app:
        app.router.every("flaky", 0.01, flaky)
        app.start()
        await eventually(lambda: _at_least(runs, 3))
    assert "periodic job flaky failed" in caplog.text
    count = len(runs)
    await asyncio.sleep(0.05)
    assert len(runs) == count  # stopped with the App


async def _at_least(runs: list[int], n: int) -> bool:
    return len(runs) >= n
