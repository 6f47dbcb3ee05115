"""One webhook server shared by the channels: each path with its own secret."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.channels.webhook import WebhookServer
from bot.core.config import ConfigError


async def test_two_channels_share_one_server_until_both_stop() -> None:
    got: list[tuple[str, dict[str, Any]]] = []

    async def telegram(body: dict[str, Any]) -> None:
        got.append(("telegram", body))

    async def zalo(body: dict[str, Any]) -> None:
        got.append(("zalo", body))

    server = WebhookServer("127.0.0.1:0")
    server.add("/telegram", "X-Telegram-Bot-Api-Secret-Token", "tg-secret", telegram)
    await server.start()
    server.add("/zalo", "X-Bot-Api-Secret-Token", "zalo-secret", zalo)  # after the start
    await server.start()
    root = f"http://127.0.0.1:{server.port}"
    async with httpx.AsyncClient(base_url=root) as client:
        tg = await client.post(
            "/telegram", json={"n": 1}, headers={"X-Telegram-Bot-Api-Secret-Token": "tg-secret"}
        )
        crossed = await client.post(
            "/zalo", json={"n": 2}, headers={"X-Bot-Api-Secret-Token": "tg-secret"}
        )
        await server.stop()  # one channel stopped; the other still receives
        za = await client.post(
            "/zalo", json={"n": 3}, headers={"X-Bot-Api-Secret-Token": "zalo-secret"}
        )
        unknown = await client.post("/viber", json={})
        await server.stop()
        with pytest.raises(httpx.ConnectError):
            await client.post("/zalo", json={}, headers={"X-Bot-Api-Secret-Token": "zalo-secret"})

    assert [r.status_code for r in (tg, crossed, za, unknown)] == [200, 403, 200, 404]
    assert got == [("telegram", {"n": 1}), ("zalo", {"n": 3})]


async def test_a_busy_port_is_one_clear_line() -> None:
    first = WebhookServer("127.0.0.1:0")
    await first.start()
    try:
        with pytest.raises(ConfigError, match=r"KETNOI_LISTEN: cannot listen on 127\.0\.0\.1:"):
            await WebhookServer(f"127.0.0.1:{first.port}").start()
    finally:
        await first.stop()
