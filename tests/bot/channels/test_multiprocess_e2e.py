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

import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.app import App
from bot.core.types import UserRef
from bot.services.broadcasts import start_broadcast
from tests.conftest import make_settings
from tests.database import database_url_for, on_postgres
from tests.fakes.botcluster import (
    OWNER,
    TOKEN,
    Cluster,
    seed_fair_and_producers,
    wait_until,
    walk_to_summary,
)
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.skipif(
    not on_postgres(), reason="needs PostgreSQL: set KETNOI_TEST_DATABASE_URL (.ci/run does)"
)

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


async def _statuses(url: str, sql: str) -> dict[str, int]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        cur = await conn.execute(sql)
        return {str(k): int(v) for k, v in await cur.fetchall()}


@pytest.mark.parametrize("processes", [2, 4])
async def test_300_producers_apply_at_once_for_80_booths(
    fake: FakeTelegram, tmp_path: Path, pg_url: str, processes: int
) -> None:
    chats = [FIRST_PRODUCER + i for i in range(300)]
    await seed_fair_and_producers(make_settings(tmp_path), chats)
    database = {"KETNOI_DATABASE_URL": pg_url}
    with Cluster(fake, tmp_path, database, processes, KETNOI_TELEGRAM_RATE="1000") as cluster:
        walk_to_summary(fake, cluster, chats)

        seen = {chat: len(fake.sent(chat)) for chat in chats}
        for chat in chats:
            fake.press_button(chat, "apply:confirm")
        cluster.deliver(fake.take_updates())  # all 300 at once, spread over the processes

        def everyone_answered() -> bool:
            return all(len(fake.sent(chat)) > seen[chat] for chat in chats)

        wait_until(everyone_answered, 180, "every producer answered")
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

    with Cluster(
        fake, tmp_path, {"KETNOI_DATABASE_URL": pg_url}, processes, KETNOI_TELEGRAM_RATE="400"
    ) as cluster:
        wait_until(lambda: sum(announcements().values()) >= 1000, 120, "half sent")
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

        wait_until(reported, 60, "the owner told")

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
    with Cluster(fake, tmp_path, {"KETNOI_DATABASE_URL": pg_url}, processes) as cluster:
        for n in range(1, 11):
            fake.send_text(chat, f"/lenh{n}")
        cluster.deliver_in_turn(fake.take_updates())
        wait_until(lambda: len(fake.sent(chat)) >= 10, 60, "ten answers")
        fake.wait_idle(quiet=0.5, timeout=30)
        answers = [m["text"] or "" for m in fake.sent(chat)]
    named = [re.search(r"/lenh(\d+)", a) for a in answers]
    assert [int(m.group(1)) for m in named if m] == list(range(1, 11))
    assert len(answers) == 10
