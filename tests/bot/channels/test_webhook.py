"""One webhook server shared by the channels: each path with its own secret."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from bot.channels.webhook import MAX_BODY, BadUpdate, WebhookServer
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


SECRET = {"X-Telegram-Bot-Api-Secret-Token": "tg-secret"}


@contextlib.asynccontextmanager
async def serving(
    on_update: Callable[[dict[str, Any]], Awaitable[None]],
) -> AsyncIterator[WebhookServer]:
    server = WebhookServer("127.0.0.1:0")
    server.add("/telegram", "X-Telegram-Bot-Api-Secret-Token", "tg-secret", on_update)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def _raw(port: int, head: str, body: bytes = b"") -> int:
    """Send a request's head and some of its body over a socket; the status of the answer
    (a server waiting for the rest of the body would time out here)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head.encode() + b"\r\n" + body)
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
    return int(status_line.split()[1])


async def test_a_body_that_is_not_json_gets_415_and_is_not_processed() -> None:
    got: list[dict[str, Any]] = []

    async def on_update(body: dict[str, Any]) -> None:
        got.append(body)

    async with serving(on_update) as server, httpx.AsyncClient() as client:
        url = f"http://127.0.0.1:{server.port}/telegram"
        body = json.dumps({"update_id": 1})
        plain = await client.post(
            url, content=body, headers={**SECRET, "Content-Type": "text/plain"}
        )
        form = await client.post(url, data={"update_id": "1"}, headers=SECRET)
        none = await client.post(url, content=body, headers=SECRET)
        charset = await client.post(
            url, content=body, headers={**SECRET, "Content-Type": "Application/JSON; charset=utf-8"}
        )
    assert [r.status_code for r in (plain, form, none, charset)] == [415, 415, 415, 200]
    assert got == [{"update_id": 1}]


async def test_a_body_over_the_limit_gets_413_without_being_read() -> None:
    got: list[dict[str, Any]] = []

    async def on_update(body: dict[str, Any]) -> None:
        got.append(body)

    async with serving(on_update) as server:
        # 10 MB announced, 1 KB sent: the answer comes before the rest of the body would
        head = (
            "POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: tg-secret\r\nContent-Length: {10 * 1024 * 1024}\r\n"
        )
        status = await _raw(server.port, head, b"{" + b" " * 1024)
        assert status == 413

        # no length announced (chunked): read only until it is over the limit
        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"update_id": 1, "padding": "'
            for _ in range(2 * MAX_BODY // 65536):
                yield b"x" * 65536
            yield b'"}'

        async with httpx.AsyncClient() as client:
            url = f"http://127.0.0.1:{server.port}/telegram"
            chunked = await client.post(
                url, content=chunks(), headers={**SECRET, "Content-Type": "application/json"}
            )
            small = await client.post(url, json={"update_id": 2}, headers=SECRET)
    assert chunked.status_code == 413
    assert small.status_code == 200
    assert got == [{"update_id": 2}]


async def test_what_is_not_an_update_gets_400_and_no_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def on_update(body: dict[str, Any]) -> None:
        if "update_id" not in body:
            raise BadUpdate("update_id: Field required")

    async with serving(on_update) as server, httpx.AsyncClient() as client:
        url = f"http://127.0.0.1:{server.port}/telegram"
        json_headers = {**SECRET, "Content-Type": "application/json"}
        answers = [
            await client.post(url, content=b"{not json", headers=json_headers),
            await client.post(url, content=b"\xff\xfe", headers=json_headers),
            await client.post(url, json=[1, 2], headers=SECRET),
            await client.post(url, json={"message": {}}, headers=SECRET),
        ]
    assert [r.status_code for r in answers] == [400, 400, 400, 400]
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_the_secret_is_checked_first() -> None:
    async def on_update(body: dict[str, Any]) -> None:
        raise AssertionError("never called")

    async with serving(on_update) as server:
        head = (
            "POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {10 * 1024 * 1024}\r\n"
        )
        status = await _raw(server.port, head)
    assert status == 403
