"""The Zalo channel in webhook mode: the secret header decides what is processed."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import App
from bot.channels.webhook import WebhookServer
from bot.channels.zalo import ZaloChannel
from bot.core.config import Settings
from bot.core.types import UserRef
from tests.conftest import make_settings
from tests.fakes.zalo_api import FakeZalo

TOKEN = "1459232241454765289:zalo-test-token"
SECRET = "s3cret-webhook-token"
CHAT = "e4ea2cd5189df1c3a88c"


@pytest.fixture
def settings(tmp_path: Path, fake_zalo: FakeZalo) -> Settings:
    return make_settings(
        tmp_path,
        zalo_token=TOKEN,
        zalo_api_url=fake_zalo.url,
        webhook_url="https://bot.example.org",
        webhook_secret=SECRET,
        listen="127.0.0.1:0",
    )


@pytest.fixture
async def webhook(app: App, fake_zalo: FakeZalo) -> AsyncIterator[str]:
    """The running channel's webhook URL on this machine; the fake delivers there."""
    server = WebhookServer(app.settings.listen)
    zalo = ZaloChannel(app.settings, app.dispatcher, server)
    await zalo.start()
    local = f"http://127.0.0.1:{server.port}"
    fake_zalo.deliver_webhooks_to(local)
    yield f"{local}/zalo"
    await zalo.stop()


def update(text: str, message_id: str = "16f6366b3f02645a3d15") -> dict[str, object]:
    message = {
        "from": {"id": CHAT, "display_name": "Lan", "is_bot": False},
        "chat": {"id": CHAT, "chat_type": "PRIVATE"},
        "message_id": message_id,
        "date": 1766619597466,
        "text": text,
    }
    return {"event_name": "message.text.received", "message": message}


async def test_start_sets_the_webhook_with_its_secret(fake_zalo: FakeZalo, webhook: str) -> None:
    assert fake_zalo.webhook["url"] == "https://bot.example.org/zalo"
    assert fake_zalo.webhook["secret_token"] == SECRET
    assert not fake_zalo.calls("getUpdates")


@pytest.mark.parametrize("shape", ["wrapped", "flat"])
async def test_updates_with_the_right_secret_are_answered(
    fake_zalo: FakeZalo, webhook: str, shape: str
) -> None:
    fake_zalo.webhook_shape = shape
    fake_zalo.send_text(CHAT, "/start")

    reply = await fake_zalo.await_message(CHAT)

    assert "1. Đăng ký vào mạng lưới" in reply["text"].splitlines()
    assert [d["status"] for d in fake_zalo.deliveries] == [200]


@pytest.mark.parametrize("headers", [{"X-Bot-Api-Secret-Token": "wrong-secret"}, {}])
async def test_a_wrong_or_missing_secret_gets_403_and_is_not_processed(
    app: App, fake_zalo: FakeZalo, webhook: str, headers: dict[str, str]
) -> None:
    fake_zalo.send_text(CHAT, "xin chao")  # the chat exists, so a reply would be deliverable
    await fake_zalo.await_message(CHAT)

    async with httpx.AsyncClient() as client:
        response = await client.post(webhook, json=update("/menu"), headers=headers)
        right = await client.post(
            webhook, json=update("/start"), headers={"X-Bot-Api-Secret-Token": SECRET}
        )

    assert response.status_code == 403
    assert right.status_code == 200
    reply = await fake_zalo.await_message(CHAT)  # the next reply answers /start, not /menu
    assert reply["text"].startswith("Xin chào Lan")
    assert len(fake_zalo.sent(CHAT)) == 2


async def test_a_forged_update_creates_no_user(app: App, webhook: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(webhook, json=update("/start"))

    assert response.status_code == 403
    assert await app.router.services.users.find(UserRef(channel="zalo", external_id=CHAT)) is None


async def test_a_delivery_that_comes_twice_is_answered_once(
    fake_zalo: FakeZalo, webhook: str
) -> None:
    fake_zalo.send_text(CHAT, "xin chao")
    await fake_zalo.await_message(CHAT)
    secret = {"X-Bot-Api-Secret-Token": SECRET}

    async with httpx.AsyncClient() as client:
        for body in (update("/menu", "m1"), update("/menu", "m1"), update("/language", "m2")):
            assert (await client.post(webhook, json=body, headers=secret)).status_code == 200

    menu, languages = await fake_zalo.await_message(CHAT), await fake_zalo.await_message(CHAT)
    assert menu["text"].splitlines()[1] == "1. Đăng ký vào mạng lưới"
    assert languages["text"].splitlines()[0] == "Chọn ngôn ngữ của bạn:"  # not a second menu


async def test_what_is_not_a_zalo_update_is_refused_and_not_processed(
    app: App, fake_zalo: FakeZalo, webhook: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake_zalo.send_text(CHAT, "xin chao")  # the chat exists, so a reply would be deliverable
    await fake_zalo.await_message(CHAT)
    secret = {"X-Bot-Api-Secret-Token": SECRET}
    no_chat = update("/menu", "m1")
    del no_chat["message"]["chat"]  # type: ignore[attr-defined]
    async with httpx.AsyncClient() as client:
        bad = [
            await client.post(webhook, json=body, headers=secret)
            for body in ({}, {"event_name": "message.text.received"}, no_chat, {"result": 5})
        ]
        plain = await client.post(
            webhook,
            content=json.dumps(update("/menu", "m2")),
            headers={**secret, "Content-Type": "text/plain"},
        )
        right = await client.post(webhook, json=update("/start", "m3"), headers=secret)

    assert [r.status_code for r in bad] == [400, 400, 400, 400]
    assert plain.status_code == 415
    assert right.status_code == 200
    reply = await fake_zalo.await_message(CHAT)
    assert reply["text"].startswith("Xin chào Lan")  # /start, not /menu
    assert len(fake_zalo.sent(CHAT)) == 2
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
