"""Several `python main.py run` processes in webhook mode on one database, and the test or
benchmark playing the load balancer in front of them: it takes the updates queued at the fake
Telegram server and POSTs each to the process it picks."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import App
from bot.core.clock import utcnow
from bot.core.config import Settings
from bot.core.types import UserRef
from bot.services.fair_import import import_fairs
from storage.enterprises import EnterpriseFields
from storage.fairs import FairFields, FairStatus
from tests.fakes.botproc import BotProcess
from tests.fakes.telegram_api import FakeTelegram, booth_walk

__all__ = [
    "FAIR",
    "OWNER",
    "SECRET",
    "TOKEN",
    "Cluster",
    "payloads",
    "seed_fair_and_producers",
    "wait_until",
    "walk_to_summary",
]

Json = dict[str, Any]
TOKEN = "123456:TEST-token"
SECRET = "balancer-secret"
OWNER = 7000
FAIR = "gom-su-kim-lan"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def wait_until(check: Callable[[], bool], timeout: float = 120.0, what: str = "") -> None:
    """Poll `check` until it holds; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not in time: {what}")
        time.sleep(0.1)  # the fake server shares this process: poll gently


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """`n` bot processes on one database, each with its own webhook port."""

    def __init__(
        self, fake: FakeTelegram, cwd: Path, database: dict[str, str], n: int, **env: str
    ) -> None:
        self.fake = fake
        self.ports = [_free_port() for _ in range(n)]
        self.bots = [
            BotProcess(
                {
                    "KETNOI_TELEGRAM_TOKEN": TOKEN,
                    "KETNOI_TELEGRAM_API_URL": fake.url,
                    **database,
                    "KETNOI_ADMINS": f"telegram:{OWNER}",
                    "KETNOI_QUIET_HOURS": "off",
                    "KETNOI_WEBHOOK_URL": "https://ketnoi.example.vn",
                    "KETNOI_WEBHOOK_SECRET": SECRET,
                    "KETNOI_LISTEN": f"127.0.0.1:{port}",
                    **env,
                },
                cwd=cwd,
            )
            for port in self.ports
        ]
        self._pool = ThreadPoolExecutor(32)
        self._next = 0

    def __enter__(self) -> Cluster:
        for bot in self.bots:
            bot.start()
        wait_until(lambda: len(self.fake.calls("setWebhook")) >= len(self.bots), 60, "webhooks set")
        for port in self.ports:  # each answers on its port (401 without an update: up)
            wait_until(lambda p=port: self._up(p), 60, "webhook servers up")
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True)
        for bot in self.bots:
            if bot.proc is not None and bot.proc.poll() is None:
                bot.stop()
        for bot in self.bots:
            bot.__exit__(None, None, None)

    @staticmethod
    def _up(port: int) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    def post(self, update: Json, to: int) -> int:
        """POST one update to process `to`, as Telegram would; the HTTP status."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.ports[to]}/telegram",
            json.dumps(update).encode(),
            {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return int(response.status)
        except urllib.error.HTTPError as err:
            return err.code

    def alive(self) -> list[int]:
        return [i for i, b in enumerate(self.bots) if b.proc is not None and b.proc.poll() is None]

    def deliver(self, updates: list[Json]) -> None:
        """Everything queued at the fake, at once, each update to the next live process."""
        alive = self.alive()
        targets = [alive[(self._next + i) % len(alive)] for i in range(len(updates))]
        self._next += len(updates)
        statuses = list(self._pool.map(self.post, updates, targets))
        assert set(statuses) == {200}, Counter(statuses)

    def deliver_in_turn(self, updates: list[Json]) -> None:
        """One update after the other (the next once the last was answered, as Telegram
        sends a chat's updates), each to the next live process."""
        alive = self.alive()
        for update in updates:
            assert self.post(update, alive[self._next % len(alive)]) == 200
            self._next += 1

    def logs(self) -> str:
        return "\n".join(bot.logs() for bot in self.bots)


def payloads(message: Json) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def seed_fair_and_producers(settings: Settings, chats: list[int]) -> None:
    """A fair of 80 booths (one per establishment) and registered producers."""
    starts = (datetime.now(HANOI) + timedelta(days=30)).replace(hour=8, minute=0)
    fair = FairFields.model_validate(
        {
            "key": FAIR,
            "title_vi": "Hội chợ gốm sứ Kim Lan",
            "title_en": "Kim Lan ceramics fair",
            "sectors": ["ceramics"],
            "starts_at": starts,
            "ends_at": starts + timedelta(days=3),
            "venue_name": "Bảo tàng Gốm sứ Kim Lan",
            "venue_address": "xã Bát Tràng, Hà Nội",
            "venue_latitude": 20.9665,
            "venue_longitude": 105.9205,
            "booths": 80,
            "apply_by": (starts - timedelta(days=10)).date(),
            "max_booths": 1,
            "status": FairStatus.SCHEDULED,
        }
    )
    async with App(settings) as app:
        svc = app.router.services
        await import_fairs(svc, [fair])
        for chat in chats:
            user = await svc.users.ensure(UserRef("telegram", str(chat)))
            fields = EnterpriseFields(
                name=f"Cơ sở gốm {chat}",
                kind="household",
                contact_name="Nguyễn Thị Lan",
                phone=f"+8491{chat % 10_000_000:07d}",
                products="Bát đĩa men lam, lọ hoa",
            )
            await svc.enterprises.create(user.account_id, fields, consent_at=utcnow())


def step(
    fake: FakeTelegram,
    cluster: Cluster,
    chats: list[int],
    act: Callable[[int], object],
    wanted: str,
) -> None:
    """Everyone acts at once; wait until each chat was shown the `wanted` button."""
    seen = {chat: len(fake.sent(chat)) for chat in chats}
    for chat in chats:
        act(chat)
    cluster.deliver(fake.take_updates())

    def shown() -> bool:
        return all(
            any(wanted in payloads(m) for m in fake.sent(chat, since=seen[chat])) for chat in chats
        )

    wait_until(shown, 180, f"everyone shown {wanted}")


def walk_to_summary(fake: FakeTelegram, cluster: Cluster, chats: list[int]) -> int:
    """Every producer, all at once at each step, walks a booth application up to its summary
    (the Confirm button); returns how many updates were handled."""
    walk = booth_walk(fake, FAIR)
    for act, wanted in walk:
        step(fake, cluster, chats, act, wanted)
    return len(walk) * len(chats)
