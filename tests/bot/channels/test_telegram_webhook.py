"""The Telegram channel in webhook mode, with the right secret: what is not a Telegram update
is refused with 400 (not 500 and a traceback) and never reaches a handler."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.channels.webhook import WebhookServer
from bot.core.config import Settings
from tests.conftest import make_settings
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456:TEST-token"
SECRET = "s3cret-webhook-token"
CHAT = 4545


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN) as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, fake: FakeTelegram) -> Settings:
    return make_settings(
        tmp_path,
        telegram_token=TOKEN,
        telegram_api_url=fake.url,
        webhook_url="https://bot.example.org",
        webhook_secret=SECRET,
        listen="127.0.0.1:0",
    )


@pytest.fixture
async def webhook(app: App) -> AsyncIterator[str]:
    """The running channel's webhook URL on this machine."""
    server = WebhookServer(app.settings.listen)
    telegram = TelegramChannel(app.settings, app.dispatcher, server)
    await telegram.start()
    yield f"http://127.0.0.1:{server.port}/telegram"
    await telegram.stop()


def _message(**fields: Any) -> dict[str, Any]:
    message = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": CHAT, "type": "private"},
        "from": {"id": CHAT, "is_bot": False, "first_name": "Hoa"},
        "text": "/start",
    }
    return {"update_id": 1, "message": message | fields}


BAD = [
    {},  # no update_id
    {"update_id": "one"},
    {"update_id": 1, "message": 5},
    {"update_id": 1, "message": {"text": "/start"}},  # no chat, date, message_id
    _message(text=5),
    _message(text=["/start"]),
    _message(**{"from": {"id": "x", "is_bot": False, "first_name": "Hoa"}}),
    _message(contact={"phone_number": 84912345678, "first_name": "Hoa"}),
    _message(contact="84912345678"),
    _message(reply_to_message=7),  # a part ketnoi does not read, python-telegram-bot does
    {"update_id": 1, "callback_query": {"id": "1", "data": "menu:x"}},
]


async def test_what_is_not_a_telegram_update_gets_400_and_no_traceback(
    app: App, fake: FakeTelegram, webhook: str, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with httpx.AsyncClient() as client:
        refused = [(await client.post(webhook, json=b, headers=headers)).status_code for b in BAD]
        ok = await client.post(webhook, json=_message(), headers=headers)

    assert refused == [400] * len(BAD)
    assert ok.status_code == 200
    reply = await fake.await_message(CHAT)
    assert reply["text"].startswith("Xin chào Hoa!")
    assert len(fake.sent(CHAT)) == 1  # only the real update was answered
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
