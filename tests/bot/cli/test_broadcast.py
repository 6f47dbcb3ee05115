"""`ketnoi broadcast`: the audience resolved, a confirmation, the queue, and the progress bar."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from bot.app import App
from bot.cli.broadcast import broadcast
from bot.core.config import Settings
from bot.core.types import Reply, UserRef
from bot.services.broadcasts import Broadcaster
from tests.conftest import make_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, admins="telegram:7000", quiet_hours="off")


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "thong_bao.txt"
    path.write_text("Hội chợ làng nghề mở cửa từ 8 giờ sáng thứ Bảy.\n", encoding="utf-8")
    return path


async def people(app: App, n: int) -> None:
    for i in range(n):
        await app.router.services.users.ensure(
            UserRef(channel="telegram", external_id=str(100 + i))
        )


async def test_queues_then_follows_progress_until_done(app: App, text_file: Path) -> None:
    await people(app, 3)
    sent: list[str] = []

    async def record(user: UserRef, replies: list[Reply]) -> None:
        sent.append(user.external_id)

    app.outlets.senders["telegram"] = record
    out = io.StringIO()
    cli = asyncio.create_task(broadcast(app.router, "all", text_file, yes=True, out=out, poll=0.01))
    broadcaster = Broadcaster(app.router.services, app.router.services.broadcasts)
    while not cli.done():
        await app.outbox.drain_once()
        await broadcaster.tick()
        await asyncio.sleep(0.01)
    assert await cli == 0
    text = out.getvalue()
    assert "Recipients: 3 (0 have blocked the bot)" in text
    assert "Broadcast #1 queued: 3 messages" in text
    assert "[##############################] 3/3 sent" in text
    assert "Done: 3 sent, 0 blocked the bot, 0 failed, 0 unknown" in text
    assert sorted(sent)[:3] == ["100", "101", "102"]
    # the bot tells the owners how it ended (the broadcast came from the command line)
    while await app.outbox.drain_once():
        pass
    assert "7000" in sent


async def test_no_means_nothing_is_queued(app: App, text_file: Path) -> None:
    await people(app, 2)
    out = io.StringIO()
    code = await broadcast(app.router, "all", text_file, out=out, ask=lambda _q: "n")
    assert code == 1 and "Not sent." in out.getvalue()
    assert await app.router.services.outbox.counts() == {}


@pytest.mark.parametrize(
    ("audience", "error"),
    [
        ("sector:pottery", "unknown sector 'pottery'"),
        ("fair:no-such-fair", "no fair with the key"),
        ("ward:zzzz", "ward 'zzzz' is ambiguous or unknown"),
        ("everyone", "unknown audience 'everyone'"),
    ],
)
async def test_an_audience_that_names_nothing_is_refused(
    app: App, text_file: Path, audience: str, error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await broadcast(app.router, audience, text_file, yes=True, out=io.StringIO()) == 2
    assert error in capsys.readouterr().err
    assert await app.router.services.outbox.counts() == {}


async def test_a_ward_can_be_named_without_diacritics(app: App, text_file: Path) -> None:
    out = io.StringIO()
    assert await broadcast(app.router, "ward:Bat Trang", text_file, yes=True, out=out) == 1
    assert "Audience: ward:" in out.getvalue()
