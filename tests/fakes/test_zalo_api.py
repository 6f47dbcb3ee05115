"""The fake Zalo Bot API server, spoken to with a plain httpx client as the docs describe."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes._background import BackgroundServer
from tests.fakes.zalo_api import FakeZalo

TOKEN = "1459232241454765289:zalo-test-token"
CHAT = "e4ea2cd5189df1c3a88c"


@pytest.fixture
async def api(fake_zalo: FakeZalo) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{fake_zalo.url}/bot{TOKEN}", timeout=10) as client:
        yield client


async def call(api: httpx.AsyncClient, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    response = await api.post(f"/{method}", json=params)
    return response.status_code, response.json()


async def test_get_me_describes_the_bot(api: httpx.AsyncClient) -> None:
    status, body = await call(api, "getMe")

    assert status == 200 and body["ok"] is True
    assert body["result"]["id"] == "1459232241454765289"
    assert body["result"]["account_name"] == "bot.ketnoi"


async def test_wrong_token_and_unknown_method(fake_zalo: FakeZalo) -> None:
    async with httpx.AsyncClient(base_url=fake_zalo.url) as client:
        wrong = await client.post("/bot1:WRONG/getMe", json={})
        unknown = await client.post(f"/bot{TOKEN}/sendDice", json={})

    assert (wrong.status_code, wrong.json()) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert unknown.json()["error_code"] == 404


async def test_get_updates_hands_out_one_update_per_call(
    fake_zalo: FakeZalo, api: httpx.AsyncClient
) -> None:
    fake_zalo.send_text(CHAT, "/start", display_name="Hùng")
    fake_zalo.send_text(CHAT, "xin chao")

    _, first = await call(api, "getUpdates", timeout="1")
    _, second = await call(api, "getUpdates", timeout="1")

    assert first["result"]["event_name"] == "message.text.received"
    message = first["result"]["message"]
    assert message["text"] == "/start"
    assert message["from"] == {"id": CHAT, "display_name": "Hùng", "is_bot": False}
    assert message["chat"] == {"id": CHAT, "chat_type": "PRIVATE"}
    assert second["result"]["message"]["text"] == "xin chao"
    assert fake_zalo.pending_updates == 0


async def test_get_updates_times_out_with_408(api: httpx.AsyncClient) -> None:
    status, body = await call(api, "getUpdates", timeout="0.2")

    assert (status, body) == (
        408,
        {"ok": False, "error_code": 408, "description": "Request timeout"},
    )


async def test_long_poll_returns_as_soon_as_a_user_writes(
    fake_zalo: FakeZalo, api: httpx.AsyncClient
) -> None:
    threading.Timer(0.2, fake_zalo.send_text, args=(CHAT, "xin chào")).start()

    status, body = await call(api, "getUpdates", timeout="10")

    assert status == 200 and body["result"]["message"]["text"] == "xin chào"


async def test_images_stickers_and_the_rest(fake_zalo: FakeZalo, api: httpx.AsyncClient) -> None:
    fake_zalo.send_image(CHAT, caption="sản phẩm")
    fake_zalo.send_sticker(CHAT)
    fake_zalo.send_unsupported(CHAT)

    events = [(await call(api, "getUpdates", timeout="1"))[1]["result"] for _ in range(3)]

    assert [e["event_name"] for e in events] == [
        "message.image.received",
        "message.sticker.received",
        "message.unsupported.received",
    ]
    assert events[0]["message"]["caption"] == "sản phẩm"
    assert "text" not in events[1]["message"]


async def test_send_message_enforces_2000_characters(
    fake_zalo: FakeZalo, api: httpx.AsyncClient
) -> None:
    fake_zalo.send_text(CHAT, "hi")

    ok_status, ok = await call(api, "sendMessage", chat_id=CHAT, text="x" * 2000)
    long_status, too_long = await call(api, "sendMessage", chat_id=CHAT, text="x" * 2001)
    empty_status, _ = await call(api, "sendMessage", chat_id=CHAT, text=" ")

    assert ok_status == 200 and set(ok["result"]) == {"message_id", "date"}
    assert (long_status, too_long["error_code"]) == (400, 400)
    assert empty_status == 400
    assert fake_zalo.texts(CHAT) == ["x" * 2000]


async def test_the_bot_writes_only_to_chats_that_wrote(api: httpx.AsyncClient) -> None:
    status, body = await call(api, "sendMessage", chat_id="stranger", text="hello")

    assert (status, body["description"]) == (400, "Bad Request: chat not found")


async def test_photo_by_url_and_chat_action(fake_zalo: FakeZalo, api: httpx.AsyncClient) -> None:
    fake_zalo.send_text(CHAT, "hi")

    photo_status, _ = await call(
        api, "sendPhoto", chat_id=CHAT, photo="https://x.org/a.jpg", caption="Gian 12"
    )
    bad_photo, _ = await call(api, "sendPhoto", chat_id=CHAT, photo="a.jpg")
    typing, _ = await call(api, "sendChatAction", chat_id=CHAT, action="typing")

    assert (photo_status, bad_photo, typing) == (200, 400, 200)
    [sent] = fake_zalo.sent(CHAT)
    assert (sent["method"], sent["photo"], sent["caption"]) == (
        "sendPhoto",
        "https://x.org/a.jpg",
        "Gian 12",
    )
    assert fake_zalo.calls("sendChatAction")[0]["params"]["action"] == "typing"


async def test_webhook_set_read_and_deleted(fake_zalo: FakeZalo, api: httpx.AsyncClient) -> None:
    short_status, _ = await call(api, "setWebhook", url="https://b.example.org/z", secret_token="x")
    http_status, _ = await call(
        api, "setWebhook", url="http://b.example.org/z", secret_token="s" * 8
    )
    status, body = await call(
        api, "setWebhook", url="https://b.example.org/zalo", secret_token="s3cret-token"
    )

    assert (short_status, http_status, status) == (400, 400, 200)
    assert body["result"]["url"] == "https://b.example.org/zalo"
    assert fake_zalo.webhook["secret_token"] == "s3cret-token"
    assert (await call(api, "getWebhookInfo"))[1]["result"]["url"] == "https://b.example.org/zalo"
    assert (await call(api, "getUpdates", timeout="0"))[0] == 409
    assert (await call(api, "deleteWebhook"))[1]["result"]["url"] == ""
    assert (await call(api, "getUpdates", timeout="0"))[0] == 408


@pytest.mark.parametrize("shape", ["wrapped", "flat"])
def test_updates_are_posted_to_the_webhook_with_its_secret(fake_zalo: FakeZalo, shape: str) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    got = threading.Event()

    async def hook(request: Request) -> JSONResponse:
        received.append((request.headers.get("X-Bot-Api-Secret-Token"), await request.json()))
        got.set()
        return JSONResponse({"ok": True})

    bot_side = BackgroundServer(Starlette(routes=[Route("/zalo", hook, methods=["POST"])])).start()
    try:
        httpx.post(
            f"{fake_zalo.url}/bot{TOKEN}/setWebhook",
            json={"url": "https://bot.example.org/zalo", "secret_token": "s3cret-token"},
        )
        fake_zalo.deliver_webhooks_to(bot_side.url)
        fake_zalo.webhook_shape = shape
        fake_zalo.send_text(CHAT, "xin chao")
        assert got.wait(10)
    finally:
        bot_side.stop()

    [(secret, body)] = received
    update = body["result"] if shape == "wrapped" else body
    assert secret == "s3cret-token"
    assert update["message"]["text"] == "xin chao"
    assert fake_zalo.pending_updates == 0
    assert [d["status"] for d in fake_zalo.wait_for_deliveries(1)] == [200]


async def test_injected_errors(fake_zalo: FakeZalo, api: httpx.AsyncClient) -> None:
    fake_zalo.send_text(CHAT, "hi")
    fake_zalo.fail_next("sendMessage", 429, retry_after=7)
    fake_zalo.fail_next("sendPhoto", 502, times=2)

    limited = await call(api, "sendMessage", chat_id=CHAT, text="a")
    passed = await call(api, "sendMessage", chat_id=CHAT, text="b")
    bad_gateway = [
        (await call(api, "sendPhoto", chat_id=CHAT, photo="https://x.org/a.jpg"))[0]
        for _ in range(3)
    ]

    assert limited == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests",
            "parameters": {"retry_after": 7},
        },
    )
    assert passed[0] == 200
    assert bad_gateway == [502, 502, 200]
    assert fake_zalo.stats["status:502"] == 2


async def test_blocked_chat_gets_403_until_unblocked(
    fake_zalo: FakeZalo, api: httpx.AsyncClient
) -> None:
    fake_zalo.send_text(CHAT, "hi")
    fake_zalo.block(CHAT)

    blocked = await call(api, "sendMessage", chat_id=CHAT, text="a")
    fake_zalo.unblock(CHAT)
    again = await call(api, "sendMessage", chat_id=CHAT, text="b")

    assert blocked[0] == 403 and again[0] == 200
    assert fake_zalo.stats["blocked"] == 1


async def test_waits_read_each_message_once(fake_zalo: FakeZalo, api: httpx.AsyncClient) -> None:
    fake_zalo.send_text(CHAT, "hi")
    for text in ("một", "hai", "ba"):
        await call(api, "sendMessage", chat_id=CHAT, text=text)

    assert (await fake_zalo.await_message(CHAT))["text"] == "một"
    assert (await fake_zalo.await_message(CHAT, lambda m: m["text"] == "ba"))["text"] == "ba"
    with pytest.raises(TimeoutError, match=CHAT):
        await fake_zalo.await_message(CHAT, timeout=0.05)
    assert (await fake_zalo.await_call("sendMessage"))["params"]["text"] == "một"
