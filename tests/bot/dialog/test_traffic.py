"""The traffic summary: how many updates of which kind, how many failed, how fast."""

from __future__ import annotations

import logging

import pytest

from bot.app import App
from bot.dialog.traffic import Traffic
from tests.chat import Chat


def test_the_summary_counts_kinds_failures_and_percentiles() -> None:
    traffic = Traffic()
    for ms in range(1, 101):  # 1 … 100 ms
        traffic.record("flow:registration:name" if ms % 2 else "command:start", float(ms))
    traffic.record("text!error", 250.0, failed=True)
    line = traffic.summary()
    assert line is not None
    assert "updates: 101 in " in line
    assert "(flow 50, command 50, text!error 1), 1 failed;" in line
    assert "p50 51.1 ms, p99 100.1 ms, max 250.0 ms" in line
    assert traffic.summary() is None  # counted afresh: nothing since


async def test_the_router_counts_each_update_and_logs_the_summary(
    app: App, chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    await chat.say("/start")
    await chat.say("hello")
    await chat.say("/nonsense")
    caplog.set_level(logging.INFO, logger="ketnoi.traffic")
    await app.router.traffic.log_summary()
    [record] = [r for r in caplog.records if r.name == "ketnoi.traffic"]
    assert record.getMessage().startswith("updates: 3 in ")
    assert "command 1" in record.getMessage() and "unknown_command 1" in record.getMessage()
