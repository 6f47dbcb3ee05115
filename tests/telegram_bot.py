"""The whole bot (App, router, outbox, Telegram channel) running against the fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.core.types import UserRef
from storage.users import User
from tests.conftest import make_settings
from tests.fakes.telegram_api import FakeTelegram

__all__ = ["TOKEN", "TelegramBot", "eventually", "running_bot"]

TOKEN = "123:ABC"


class TelegramBot:
    """An opened App serving Telegram through a FakeTelegram server."""

    def __init__(self, app: App, channel: TelegramChannel, fake: FakeTelegram) -> None:
        self.app = app
        self.channel = channel
        self.fake = fake
        self._outbox: asyncio.Task[None] | None = None

    def ref(self, chat_id: int) -> UserRef:
        """The platform address of a Telegram chat."""
        return UserRef(channel="telegram", external_id=str(chat_id))

    async def user(self, chat_id: int) -> User:
        """The stored user of a chat, created if they never wrote."""
        return await self.app.router.services.users.ensure(self.ref(chat_id))

    def start_outbox(self) -> None:
        """Run the outbox loop in the background, as `ketnoi run` does."""
        self._outbox = asyncio.get_running_loop().create_task(self.app.outbox.run())

    async def stop_outbox(self) -> None:
        """Stop the background outbox loop."""
        if self._outbox is not None:
            self._outbox.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._outbox
            self._outbox = None


@contextlib.asynccontextmanager
async def running_bot(
    tmp_path: Path, fake: FakeTelegram, *, send_timeout: float | None = None, **settings: Any
) -> AsyncIterator[TelegramBot]:
    """Open the App on a real SQLite file in tmp_path and start the Telegram channel."""
    settings.setdefault("admins", "telegram:7000")
    values = make_settings(tmp_path, telegram_token=TOKEN, telegram_api_url=fake.url, **settings)
    async with App(values) as app:
        channel = TelegramChannel(app.settings, app.dispatcher, send_timeout=send_timeout)
        await channel.start()
        bot = TelegramBot(app, channel, fake)
        try:
            yield bot
        finally:
            await bot.stop_outbox()
            await app.stop()  # if started: the outbox sends through the channel until then
            await channel.stop()


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Wait until `check()` holds (polling), failing after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
