"""A broadcast to 10,000 people at Telegram's cap while 20 people chat; kill -9 halfway.

    python -m bench.broadcast            # 10,000 recipients, cap 30/s (about 6 minutes)
    python -m bench.broadcast --short    # 10,000 recipients, cap 200/s (about a minute)

The bot runs as `python main.py run` against the fake Bot API (tests/fakes/telegram_api.py),
whose global rate limit answers 429 beyond the cap. The announcement is queued with
`python main.py broadcast --audience all --text-file F --yes`, as staff would. Reported: the
bulk rate as a fraction of the cap, interactive reply latency p50/p99 while it sends, and after
a kill -9 in the middle and a restart, duplicates and losses.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from bot.core.types import UserRef
from storage.broadcasts import BroadcastRepo, Progress
from storage.outbox import OutboxRepo
from storage.sqlite import SqliteDatabase
from storage.users import UserRepo
from tests.fakes.botproc import ROOT, BotProcess
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123:ABC"
ADMIN = 7000
FIRST_RECIPIENT = 1_000_000
FIRST_CHATTER = 900_000
TEXT = (
    "Sở Công Thương Hà Nội thông báo: Hội chợ Kết nối mạng lưới sản xuất và tiêu dùng bền vững"
    " ngành gốm sứ mở đăng ký gian hàng đến hết ngày 01/12. Chi tiết: gõ /hoi_cho."
)


@dataclass
class Sample:
    """One moment of the broadcast seen from outside the bot."""

    at: float
    sent: int
    done: int
    messages: int  # every message the fake server accepted (bulk, replies, progress)


@dataclass
class Run:
    """What happened, for the report."""

    samples: list[Sample] = field(default_factory=list)
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (sent at, seconds)
    timeouts: list[float] = field(default_factory=list)  # when the unanswered ones were sent
    killed_at: float | None = None
    back_at: float | None = None
    started: float = 0.0
    finished: float = 0.0


def machine() -> str:
    """nproc, CPU model and Python version."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}"


async def seed(db_path: Path, recipients: int) -> None:
    """The people the announcement goes to, as if each had written to the bot once."""
    db = await SqliteDatabase.open(db_path)
    users = UserRepo(db)
    async with db.transaction():
        await users.ensure(UserRef(channel="telegram", external_id=str(ADMIN)))
        for i in range(recipients - 1):
            await users.ensure(UserRef(channel="telegram", external_id=str(FIRST_RECIPIENT + i)))
    await db.close()


class Chatter(threading.Thread):
    """Someone chatting with the bot: writes, waits for the answer, reads, writes again."""

    def __init__(
        self,
        fake: FakeTelegram,
        chat_id: int,
        run: Run,
        stop: threading.Event,
        think: tuple[float, float],
    ) -> None:
        super().__init__(daemon=True)
        self.fake, self.chat_id, self.run_ = fake, chat_id, run
        self.stop_ = stop
        self.think = think
        self.rng = random.Random(chat_id)

    def run(self) -> None:
        step = 0
        while not self.stop_.is_set():
            seen = max((m["message_id"] for m in self.fake.sent(self.chat_id)), default=0)
            started = time.monotonic()
            if step % 2 == 0 or not seen:
                self.fake.send_text(self.chat_id, "/menu", first_name=f"Người {self.chat_id}")
            else:
                self.fake.press_button(self.chat_id, "menu:reminders")
            try:
                self.fake.wait_for_message(
                    self.chat_id,
                    lambda m, s=seen: (
                        m["message_id"] > s and not (m["text"] or "").startswith("📢")
                    ),
                    timeout=60,
                )
                self.run_.latencies.append((started, time.monotonic() - started))
            except TimeoutError:
                self.run_.timeouts.append(started)
            step += 1
            self.stop_.wait(self.rng.uniform(*self.think))


def bot_env(fake: FakeTelegram, db_path: Path, rate: float) -> dict[str, str]:
    return {
        "KETNOI_TELEGRAM_TOKEN": TOKEN,
        "KETNOI_TELEGRAM_API_URL": fake.url,
        "KETNOI_DB_PATH": str(db_path),
        "KETNOI_TELEGRAM_RATE": str(rate),
        "KETNOI_ADMINS": f"telegram:{ADMIN}",
        "KETNOI_QUIET_HOURS": "off",
    }


async def watch(
    db_path: Path, fake: FakeTelegram, run: Run, kill_at: float, restart: Callable[[], float]
) -> int:
    """Sample progress until the broadcast is over; kill -9 the bot once at `kill_at`."""
    db = await SqliteDatabase.open(db_path)
    repo = BroadcastRepo(db, OutboxRepo(db))
    try:
        while (broadcast := await repo.get(1)) is None:  # the CLI has not queued it yet
            await asyncio.sleep(0.05)
        run.started = time.monotonic()
        while True:
            p = await repo.progress(broadcast)
            now = time.monotonic()
            run.samples.append(Sample(now, p.sent, p.done, fake.stats.get("messages", 0)))
            if run.killed_at is None and p.sent >= kill_at * p.total:
                run.killed_at = time.monotonic()
                run.back_at = await asyncio.to_thread(restart)
            b = await repo.get(broadcast.id)
            if p.finished and b is not None and b.status != "sending":
                run.finished = now
                return broadcast.id
            await asyncio.sleep(0.25)
    finally:
        await db.close()


async def outcome(db_path: Path, broadcast_id: int) -> tuple[Progress, dict[str, str]]:
    """The broadcast's final counts and each recipient's row status, by chat id."""
    db = await SqliteDatabase.open(db_path)
    try:
        repo = BroadcastRepo(db, OutboxRepo(db))
        b = await repo.get(broadcast_id)
        assert b is not None
        statuses = await OutboxRepo(db).statuses(broadcast_id)
        users = UserRepo(db)
        by_chat = {}
        for user_id, status in statuses.items():
            user = await users.get(user_id)
            assert user is not None
            by_chat[user.external_id] = status
        return await repo.progress(b), by_chat
    finally:
        await db.close()


def rate_between(samples: list[Sample], start: float, end: float) -> tuple[float, float, float]:
    """(bulk messages, all messages, seconds) from the first message sent after `start` to
    `end`: the bot's start-up (Telegram handshake, first look at the queue) is not the rate."""
    inside = [s for s in samples if start <= s.at <= end]
    moving = [s for prev, s in pairwise(inside) if s.sent > prev.sent]
    if not moving:
        return 0.0, 0.0, 0.0
    first = inside[max(0, inside.index(moving[0]) - 1)]
    last = moving[-1]
    return last.sent - first.sent, last.messages - first.messages, last.at - first.at


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.broadcast", description=__doc__)
    p.add_argument("--recipients", type=int, default=10_000)
    p.add_argument("--rate", type=float, default=30.0, help="the fake server's cap, messages/s")
    p.add_argument("--chatters", type=int, default=20)
    p.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(3.0, 8.0),
        help="seconds a chatter waits between messages (uniform range)",
    )
    p.add_argument("--kill-at", type=float, default=0.5, help="kill -9 once this share was sent")
    p.add_argument("--short", action="store_true", help="cap 200/s: about a minute")
    args = p.parse_args()
    if args.short:
        args.rate = 200.0
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram(token=TOKEN) as fake:
        return asyncio.run(bench(args, Path(tmp), fake))


async def bench(args: argparse.Namespace, tmp: Path, fake: FakeTelegram) -> int:
    db_path = tmp / "ketnoi.db"
    print(f"machine: {machine()}", flush=True)
    t0 = time.monotonic()
    await seed(db_path, args.recipients)
    print(f"seeded {args.recipients:,} recipients in {time.monotonic() - t0:.1f} s", flush=True)
    env = bot_env(fake, db_path, args.rate)
    bots = [BotProcess(env, cwd=tmp).start()]
    fake.wait_for_call("getUpdates", timeout=60)
    run = Run()
    stop = threading.Event()
    chatters = [
        Chatter(fake, FIRST_CHATTER + i, run, stop, tuple(args.think)) for i in range(args.chatters)
    ]
    for c in chatters:
        c.start()
    await asyncio.sleep(3)  # everyone is chatting before the announcement goes out
    fake.rate_limit(args.rate)
    text_file = tmp / "announcement.txt"
    text_file.write_text(TEXT, encoding="utf-8")
    cli = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "broadcast",
            "--audience",
            "all",
            "--text-file",
            str(text_file),
            "--yes",
        ],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("KETNOI_")}, **env},
        cwd=tmp,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )

    def restart() -> float:
        bots[-1].kill()
        calls = len(fake.calls("getMe"))
        bots.append(BotProcess(env, cwd=tmp).start())
        deadline = time.monotonic() + 60
        while len(fake.calls("getMe")) == calls and time.monotonic() < deadline:
            time.sleep(0.01)
        return time.monotonic()

    broadcast_id = await watch(db_path, fake, run, args.kill_at, restart)
    cli_out = cli.communicate(timeout=120)[0].decode("utf-8", "replace")
    await asyncio.sleep(2)  # the last replies of the chatters
    stop.set()
    for c in chatters:
        c.join(timeout=70)
    bots[-1].stop()
    progress, by_chat = await outcome(db_path, broadcast_id)
    report(args, run, fake, progress, by_chat, cli_out)
    return 0


def report(
    args: argparse.Namespace,
    run: Run,
    fake: FakeTelegram,
    progress: Progress,
    by_chat: dict[str, str],
    cli_out: str,
) -> None:
    received = Counter(str(m["chat_id"]) for m in fake.sent() if (m["text"] or "").startswith("📢"))
    duplicates = sum(n - 1 for n in received.values() if n > 1)
    unknown = [c for c, s in by_chat.items() if s == "unknown"]
    unknown_arrived = sum(1 for c in unknown if received[c])
    lost = [c for c, s in by_chat.items() if s not in ("unknown", "blocked") and not received[c]]
    assert run.killed_at is not None and run.back_at is not None
    a = rate_between(run.samples, run.started, run.killed_at)
    b = rate_between(run.samples, run.back_at, run.finished)
    bulk, total, seconds = a[0] + b[0], a[1] + b[1], a[2] + b[2]
    outage = (run.killed_at, run.back_at + 2)
    during = [
        lat
        for at, lat in run.latencies
        if run.started <= at <= run.finished and not outage[0] - 1 <= at <= outage[1]
    ]
    interactive = [lat for at, lat in run.latencies if outage[0] - 1 <= at <= outage[1]]
    limited = fake.stats.get("rate_limited", 0)
    restart = run.back_at - run.killed_at
    bulk_share, all_share = bulk / seconds / args.rate, total / seconds / args.rate
    left = bulk / (args.rate * seconds - (total - bulk))  # of what replies and edits left
    p50, p99 = pct(during, 0.5) * 1000, pct(during, 0.99) * 1000
    lost_updates = [t for t in run.timeouts if outage[0] - 1 <= t <= outage[1]]
    unanswered = len(run.timeouts) - len(lost_updates)
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    cli_tail = " | ".join(cli_out.splitlines()[-1:])
    lines = [
        f"### {args.recipients:,} recipients, cap {args.rate:g}/s, {args.chatters} people chatting",
        "",
        f"- command: `python -m bench.broadcast{' --short' if args.short else ''}`",
        f"- machine: {machine()}",
        f"- wall time {run.finished - run.started:.0f} s, of which {restart:.1f} s restarting"
        f" after kill -9 at {args.kill_at:.0%} sent",
        f"- bulk rate while the bot ran: {bulk / seconds:.1f}/s = **{bulk_share:.1%} of the cap**;"
        f" {left:.1%} of what the replies left; everything sent (bulk, replies, progress"
        f" edits): {total / seconds:.1f}/s = **{all_share:.1%} of the cap**;"
        f" 429 answers: {limited}",
        f"- interactive replies during the broadcast: n={len(during)}, p50 **{p50:.0f} ms**,"
        f" p99 **{p99:.0f} ms**, max {max(during, default=0) * 1000:.0f} ms;"
        f" unanswered: {unanswered}",
        f"- messages typed while the bot was killed or restarting: n={len(interactive)},"
        f" slowest answer {max(interactive, default=0):.1f} s; never answered: {len(lost_updates)}",
        f"- after kill -9 and restart: **duplicates {duplicates}, losses {len(lost)}**;"
        f" in flight at the kill, marked unknown and reported to the owner: {len(unknown)}"
        f" (had arrived: {unknown_arrived})",
        f"- final report: sent {progress.sent:,}, blocked {progress.blocked},"
        f" failed {progress.failed}, unknown {progress.unknown} of {progress.total:,}",
        f"- CPU of the bot processes and the CLI: {cpu.ru_utime + cpu.ru_stime:.0f} s",
        f"- CLI's last line: {cli_tail}",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
