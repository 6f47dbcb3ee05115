"""Two and four `python main.py run` processes in webhook mode on one PostgreSQL, as behind a
load balancer: the test is the balancer, spreading Telegram's updates over the processes.

- 300 producers confirm a booth application at once for a fair of 80 booths: exactly 80 are
  held and 220 wait, and each producer is answered exactly once;
- a broadcast to 2,000 people, one process killed with -9 halfway: nobody receives it twice,
  and every message whose fate is unknown is counted and reported to the owner;
- one person's ten quick messages, each to the next process: answered in order.

Needs a PostgreSQL server (KETNOI_TEST_DATABASE_URL; .ci/run starts one); skipped without.
"""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from bot.app import App
from bot.core.clock import utcnow
from bot.core.types import UserRef
from bot.services.broadcasts import start_broadcast
from bot.services.fair_import import import_fairs
from storage.enterprises import EnterpriseFields
from storage.fairs import FairFields, FairStatus
from tests.conftest import make_settings
from tests.database import database_url_for, on_postgres
from tests.fakes.botproc import BotProcess
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.skipif(
    not on_postgres(), reason="needs PostgreSQL: set KETNOI_TEST_DATABASE_URL (.ci/run does)"
)

Json = dict[str, Any]
TOKEN = "123456:TEST-token"
SECRET = "balancer-secret"
OWNER = 7000
FAIR = "gom-su-kim-lan"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST_PRODUCER = 1_000_000
FIRST_READER = 2_000_000


@pytest.fixture
def pg_url(tmp_path: Path) -> str:
    """The test's database (migrated), which make_settings(tmp_path) opens too."""
    url = database_url_for(tmp_path / "ketnoi.db")
    assert url is not None
    return url


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN) as server:
        yield server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until(check: Callable[[], bool], timeout: float = 120.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not in time: {what}")
        time.sleep(0.1)  # the fake server shares this process: poll gently


class Cluster:
    """`n` bot processes on one database, each with its own webhook port."""

    def __init__(self, fake: FakeTelegram, tmp_path: Path, url: str, n: int, **env: str) -> None:
        self.fake = fake
        self.ports = [_free_port() for _ in range(n)]
        self.bots = [
            BotProcess(
                {
                    "KETNOI_TELEGRAM_TOKEN": TOKEN,
                    "KETNOI_TELEGRAM_API_URL": fake.url,
                    "KETNOI_DATABASE_URL": url,
                    "KETNOI_ADMINS": f"telegram:{OWNER}",
                    "KETNOI_QUIET_HOURS": "off",
                    "KETNOI_WEBHOOK_URL": "https://ketnoi.example.vn",
                    "KETNOI_WEBHOOK_SECRET": SECRET,
                    "KETNOI_LISTEN": f"127.0.0.1:{port}",
                    **env,
                },
                cwd=tmp_path,
            )
            for port in self.ports
        ]
        self._pool = ThreadPoolExecutor(32)
        self._next = 0

    def __enter__(self) -> Cluster:
        for bot in self.bots:
            bot.start()
        _wait_until(
            lambda: len(self.fake.calls("setWebhook")) >= len(self.bots), 60, "webhooks set"
        )
        for port in self.ports:  # each answers on its port (401 without an update: up)
            _wait_until(lambda p=port: self._up(p), 60, "webhook servers up")
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


def _payloads(message: Json) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def _seed_fair_and_producers(url: str, tmp_path: Path, chats: list[int]) -> None:
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
    async with App(make_settings(tmp_path)) as app:
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


def _step(
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
            any(wanted in _payloads(m) for m in fake.sent(chat, since=seen[chat])) for chat in chats
        )

    _wait_until(shown, 180, f"everyone shown {wanted}")


async def _statuses(url: str, sql: str) -> dict[str, int]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        cur = await conn.execute(sql)
        return {str(k): int(v) for k, v in await cur.fetchall()}


@pytest.mark.parametrize("processes", [2, 4])
async def test_300_producers_apply_at_once_for_80_booths(
    fake: FakeTelegram, tmp_path: Path, pg_url: str, processes: int
) -> None:
    chats = [FIRST_PRODUCER + i for i in range(300)]
    await _seed_fair_and_producers(pg_url, tmp_path, chats)
    with Cluster(fake, tmp_path, pg_url, processes, KETNOI_TELEGRAM_RATE="1000") as cluster:
        walk: list[tuple[Callable[[int], object], str]] = [
            (lambda c: fake.send_text(c, f"/start fair_{FAIR}"), f"fair:{FAIR}:apply"),
            (lambda c: fake.press_button(c, f"fair:{FAIR}:apply"), "apply:booths:1"),
            (lambda c: fake.press_button(c, "apply:booths:1"), "apply:products:same"),
            (lambda c: fake.press_button(c, "apply:products:same"), "apply:needs:none"),
            (lambda c: fake.press_button(c, "apply:needs:none"), "apply:confirm"),
        ]
        for act, wanted in walk:
            _step(fake, cluster, chats, act, wanted)

        seen = {chat: len(fake.sent(chat)) for chat in chats}
        for chat in chats:
            fake.press_button(chat, "apply:confirm")
        cluster.deliver(fake.take_updates())  # all 300 at once, spread over the processes

        def everyone_answered() -> bool:
            return all(len(fake.sent(chat)) > seen[chat] for chat in chats)

        _wait_until(everyone_answered, 180, "every producer answered")
        statuses = await _statuses(
            pg_url, "SELECT status, count(*) FROM booth_applications GROUP BY status"
        )
        assert statuses == {"allocated": 80, "waitlisted": 220}
        fake.wait_idle(quiet=1.0, timeout=60)  # anything more that would come has come
        answers = {chat: fake.sent(chat, since=seen[chat]) for chat in chats}
        assert {len(a) for a in answers.values()} == {1}  # each exactly once
        assert "Traceback" not in cluster.logs()


@pytest.mark.parametrize("processes", [2, 4])
async def test_a_broadcast_to_2000_with_a_process_killed_halfway(
    fake: FakeTelegram, tmp_path: Path, pg_url: str, processes: int
) -> None:
    readers = [FIRST_READER + i for i in range(2000)]
    async with App(make_settings(tmp_path)) as app:
        svc = app.router.services
        owner = await svc.users.ensure(UserRef("telegram", str(OWNER)))
        async with svc.db.transaction():
            for chat in readers:
                await svc.users.ensure(UserRef("telegram", str(chat)))
        async with svc.db.transaction():
            broadcast = await start_broadcast(
                svc.broadcasts, svc.i18n, "all", "Hội chợ gốm sứ mở cửa lúc 8 giờ.", owner.id
            )
    # Every send stays on the wire a moment: the killed process has some in flight.
    fake.lose_answers("sendMessage", "late", delay=0.05, times=100_000)

    seen: Counter[int] = Counter()
    read = 0

    def announcements() -> Counter[int]:
        """Who received the announcement, how many times (reading only what is new: copying
        every message at each look would slow the fake server down)."""
        nonlocal read
        new = fake.sent(since=read)
        read += len(new)
        seen.update(m["chat_id"] for m in new if "Hội chợ gốm sứ mở" in (m["text"] or ""))
        return seen

    with Cluster(fake, tmp_path, pg_url, processes, KETNOI_TELEGRAM_RATE="400") as cluster:
        _wait_until(lambda: sum(announcements().values()) >= 1000, 120, "half sent")
        cluster.bots[0].kill()  # kill -9, halfway

        async def settled() -> dict[str, int]:
            return await _statuses(
                pg_url,
                f"SELECT status, count(*) FROM outbox WHERE broadcast_id = {broadcast.id}"
                " GROUP BY status",
            )

        deadline = time.monotonic() + 120
        counts = await settled()
        while "pending" in counts or "sending" in counts:
            assert time.monotonic() < deadline, counts
            time.sleep(0.2)
            counts = await settled()

        def reported() -> bool:
            texts = [m["text"] or "" for m in fake.sent(OWNER)]
            return any("Bot đã dừng khi đang gửi" in t for t in texts) and any(
                "Không rõ" in t for t in texts
            )

        _wait_until(reported, 60, "the owner told")

    received = announcements()
    unknown = counts.get("unknown", 0)
    assert unknown > 0  # the killed process had messages on the wire
    assert set(counts) == {"sent", "unknown"} and sum(counts.values()) == len(readers) + 1
    assert max(received.values()) == 1  # nobody got it twice
    # Every message either went once, or its fate is unknown (it may have gone, or not).
    assert len(received) >= counts["sent"] and len(received) <= counts["sent"] + unknown
    texts = [m["text"] or "" for m in fake.sent(OWNER)]
    [alarm] = [t for t in texts if "Bot đã dừng khi đang gửi" in t]
    match = re.search(r"đang gửi ([\d.]+) tin nhắn", alarm)
    assert match is not None and int(match.group(1).replace(".", "")) == unknown
    [report] = [t for t in texts if "Không rõ" in t]
    assert report.endswith(f"không gửi lại): {unknown}")


@pytest.mark.parametrize("processes", [2, 4])
async def test_ten_quick_messages_spread_over_processes_are_answered_in_order(
    fake: FakeTelegram, tmp_path: Path, pg_url: str, processes: int
) -> None:
    chat = 4242
    with Cluster(fake, tmp_path, pg_url, processes) as cluster:
        for n in range(1, 11):
            fake.send_text(chat, f"/lenh{n}")
        cluster.deliver_in_turn(fake.take_updates())
        _wait_until(lambda: len(fake.sent(chat)) >= 10, 60, "ten answers")
        fake.wait_idle(quiet=0.5, timeout=30)
        answers = [m["text"] or "" for m in fake.sent(chat)]
    named = [re.search(r"/lenh(\d+)", a) for a in answers]
    assert [int(m.group(1)) for m in named if m] == list(range(1, 11))
    assert len(answers) == 10
