"""Replies on Zalo through the same dispatcher and retry helper as Telegram, against the fake Zalo
Bot API: a reply the platform does not take arrives later and in order; a flood is told once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.zalo import ZaloChannel
from bot.core.config import Settings
from bot.core.types import Reply
from bot.dialog.router import Turn
from bot.engine.ratelimit import Lane, Limiter
from tests.conftest import make_settings
from tests.fakes.zalo_api import FakeZalo
from tests.telegram_bot import eventually

TOKEN = "1459232241454765289:zalo-test-token"
LAN, MAI = "e4ea2cd5189df1c3a88c", "0b7c6d5e4f3a2b1c0d9e"


async def echo(turn: Turn) -> list[Reply]:
    """Says back what follows /echo."""
    return [Reply(text=f"echo {turn.incoming.args}")]


@pytest.fixture
def settings(tmp_path: Path, fake_zalo: FakeZalo) -> Settings:
    return make_settings(
        tmp_path, zalo_token=TOKEN, zalo_api_url=fake_zalo.url, quiet_hours="off", zalo_chat_rate=5
    )


@pytest.fixture
async def channel(app: App) -> AsyncIterator[ZaloChannel]:
    app.router.command(("echo",), echo)
    zalo = ZaloChannel(app.settings, app.dispatcher, poll_timeout=0.5)
    await zalo.start()
    outbox = asyncio.get_running_loop().create_task(app.outbox.run())
    yield zalo
    outbox.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await outbox
    await zalo.stop()


async def test_a_reply_zalo_does_not_take_arrives_later_and_the_next_behind_it(
    app: App, fake_zalo: FakeZalo, channel: ZaloChannel
) -> None:
    fake_zalo.fail_next("sendMessage", 502, times=3, chat_id=LAN)  # every attempt made at once
    fake_zalo.send_text(LAN, "/echo 1")
    fake_zalo.send_text(LAN, "/echo 2")

    first = await fake_zalo.await_message(LAN, lambda m: m["method"] == "sendMessage", timeout=20)
    second = await fake_zalo.await_message(LAN, lambda m: m["method"] == "sendMessage", timeout=10)

    assert [first["text"], second["text"]] == ["echo 1", "echo 2"]
    await eventually(lambda: _counts_are(app, {"sent": 2}))  # marked once their answer is in


class GatedLimiter(Limiter):
    """Limits as a test likes them (fast), and nothing leaves until the gate opens."""

    def __init__(self) -> None:
        super().__init__(1000, chat_rate=1000, chat_burst=100)
        self.gate = asyncio.Event()

    async def acquire(self, chat: str | int, lane: Lane = Lane.BULK) -> None:
        await self.gate.wait()
        await super().acquire(chat, lane)


async def test_a_flood_on_zalo_is_told_once_and_others_are_answered(
    app: App, fake_zalo: FakeZalo, channel: ZaloChannel
) -> None:
    app.dispatcher.backlog = 3
    channel.limiter = app.outlets.limiters["zalo"] = gated = GatedLimiter()
    for n in range(12):
        fake_zalo.send_text(LAN, f"/echo {n}")
    await _all_taken(app, fake_zalo)
    gate_open_at = len(fake_zalo.texts(LAN))
    gated.gate.set()
    fake_zalo.send_text(MAI, "/echo Mai")

    assert (await fake_zalo.await_message(MAI, timeout=10))["text"] == "echo Mai"
    got = [(await fake_zalo.await_message(LAN, timeout=10))["text"] for _ in range(4)]
    await asyncio.sleep(0.5)

    assert gate_open_at == 0
    assert got[:3] == ["echo 0", "echo 1", "echo 2"]  # the first ones, in order
    assert got[3].startswith("Bạn gửi nhanh quá")
    assert fake_zalo.texts(LAN) == got  # one notice; the nine others dropped


async def _all_taken(app: App, fake_zalo: FakeZalo) -> None:
    """Wait until the bot took every update and holds the flooder's line full."""
    for _ in range(500):
        if fake_zalo.pending_updates == 0 and app.dispatcher.pending() == app.dispatcher.backlog:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the bot did not take every update")


async def _counts_are(app: App, wanted: dict[str, int]) -> bool:
    return await app.router.services.outbox.counts() == wanted
