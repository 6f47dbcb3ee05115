"""`python main.py run` stopped with SIGTERM in the middle of a broadcast, then started again:
nothing is lost, nothing is sent twice, nothing is 'unknown', and no one is alarmed."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.app import App
from bot.core.types import UserRef
from bot.services.broadcasts import start_broadcast
from storage.broadcasts import Progress
from tests.conftest import make_settings
from tests.database import db_env
from tests.fakes.botproc import BotProcess
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456:TEST-token"
OWNER = 7000
PEOPLE = range(9001, 9041)
ALARM = "Bot đã dừng khi đang gửi"  # the crash alarm (Outbox.recover), in Vietnamese


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN) as server:
        yield server


def _env(fake: FakeTelegram, tmp_path: Path) -> dict[str, str]:
    return {
        "KETNOI_TELEGRAM_TOKEN": TOKEN,
        "KETNOI_TELEGRAM_API_URL": fake.url,
        **db_env(tmp_path / "ketnoi.db"),
        "KETNOI_ADMINS": f"telegram:{OWNER}",
        "KETNOI_QUIET_HOURS": "off",
        "KETNOI_TELEGRAM_RATE": "5",  # 40 people take about 8 s: SIGTERM comes mid-way
    }


async def _broadcast_queued(tmp_path: Path) -> int:
    """Forty people who talked to the bot and an announcement to all of them from the owner."""
    settings = make_settings(tmp_path, admins=f"telegram:{OWNER}")
    async with App(settings) as app:
        svc = app.router.services
        owner = await svc.users.ensure(UserRef("telegram", str(OWNER)))
        for chat_id in PEOPLE:
            await svc.users.ensure(UserRef("telegram", str(chat_id)))
        async with svc.db.transaction():
            broadcast = await start_broadcast(
                svc.broadcasts, svc.i18n, "all", "Hội chợ gốm sứ mở cửa lúc 8 giờ.", owner.id
            )
        return broadcast.id


async def _progress(tmp_path: Path, broadcast_id: int) -> tuple[dict[str, int], Progress]:
    async with App(make_settings(tmp_path)) as app:
        svc = app.router.services
        broadcast = await svc.broadcasts.get(broadcast_id)
        assert broadcast is not None
        return await svc.outbox.counts(), await svc.broadcasts.progress(broadcast)


def _announcements(fake: FakeTelegram) -> Counter[int]:
    return Counter(m["chat_id"] for m in fake.sent() if "Hội chợ gốm sứ" in (m["text"] or ""))


def _wait_until(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


async def test_sigterm_mid_broadcast_loses_nothing_and_alarms_no_one(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    broadcast_id = await _broadcast_queued(tmp_path)
    total = len(PEOPLE) + 1  # the owner is one of everyone
    fake.lose_answers("sendMessage", "late", delay=0.3, times=10_000)  # sends stay on the wire

    with BotProcess(_env(fake, tmp_path), cwd=tmp_path) as bot:
        _wait_until(lambda: sum(_announcements(fake).values()) >= 10)
        assert bot.stop() == 0  # SIGTERM, in the middle of the broadcast
    first = bot.logs()
    counts, progress = await _progress(tmp_path, broadcast_id)
    assert "sending" not in counts and "unknown" not in counts
    assert 10 <= progress.sent < total and counts["pending"] >= 1
    assert progress.sent == sum(_announcements(fake).values())
    assert "put back unsent" in first and "Traceback" not in first

    with BotProcess(_env(fake, tmp_path), cwd=tmp_path) as bot:
        _wait_until(lambda: any("Không rõ" in (m["text"] or "") for m in fake.sent(OWNER)))
        assert bot.stop() == 0
    counts, progress = await _progress(tmp_path, broadcast_id)
    assert progress == Progress(total=total, sent=total)
    received = _announcements(fake)
    assert set(received) == {*PEOPLE, OWNER} and set(received.values()) == {1}
    [report] = [m["text"] for m in fake.sent(OWNER) if "Không rõ" in (m["text"] or "")]
    assert report.endswith(
        "Không rõ (nền tảng không trả lời, hoặc bot dừng khi đang gửi; có"
        " thể đã đến hoặc chưa, không gửi lại): 0"
    )
    assert not [m for m in fake.sent(OWNER) if ALARM in (m["text"] or "")]
    assert "marked unknown" not in first + bot.logs()
