"""The pages are served by `ketnoi run`: on their own address, or on the webhook server when
webhooks are on (one server for both)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.app import App
from bot.channels.web import WebChannel
from bot.channels.webhook import WebhookServer
from bot.core.config import ConfigError
from tests.conftest import make_settings


async def test_one_server_for_the_webhooks_and_the_pages(app: App) -> None:
    got: list[dict[str, Any]] = []

    async def on_update(body: dict[str, Any]) -> None:
        got.append(body)

    server = WebhookServer("127.0.0.1:0")
    server.add("/telegram", "X-Telegram-Bot-Api-Secret-Token", "s3cret", on_update)
    await server.start()  # the Telegram channel's start
    web = WebChannel(app.settings, app.router, server)
    await web.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            page = await client.get("/")
            hook = await client.post(
                "/telegram",
                json={"update_id": 1},
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"},
            )
            refused = await client.post("/telegram", json={})
            css = await client.get("/static/site.css")
    finally:
        await web.stop()
        await server.stop()
    assert page.status_code == 200 and "<html" in page.text
    assert hook.status_code == 200 and got == [{"update_id": 1}]
    assert refused.status_code == 403
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


async def test_a_taken_address_stops_the_start_only_when_it_was_asked_for(
    app: App, tmp_path: Any
) -> None:
    first = WebhookServer("127.0.0.1:0")
    await first.start()
    try:
        asked = make_settings(tmp_path, web_listen=f"127.0.0.1:{first.port}")
        with pytest.raises(ConfigError, match="KETNOI_WEB_LISTEN: cannot listen"):
            await WebChannel(asked, app.router, None).start()
    finally:
        await first.stop()


async def test_run_prints_the_address_and_a_login_link_for_the_console_owner(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(tmp_path, admins="console:local", web_listen="127.0.0.1:0")
    application = App(settings)
    await application.open()
    try:
        await application._announce_web()
    finally:
        await application.close()
    err = capsys.readouterr().err
    assert "Web pages: http://127.0.0.1:0/" in err
    assert "Staff login for console:local (once, within 10 minutes): http://" in err
