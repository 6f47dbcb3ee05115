"""N producers register at once, typing every answer, through the real router; and the same
through a python-telegram-bot ConversationHandler with PicklePersistence, for comparison.

    python -m bench.registration --concurrency 64 --concurrency 8   # 35 min (the peer's flush)
    python -m bench.registration --concurrency 64 --concurrency 8 --no-flush   # 9 minutes
    python -m bench.registration --users 1000 --runs 1                # about a minute

Ours: the App opened on a real SQLite file in a temporary directory, every step committed
before its reply is returned (group commit), no network. The peer (bench/registration_peer.py):
the same sixteen steps, answers, checks and reply texts, fed to `Application.process_update`;
it keeps its state in memory and writes its pickle every 60 s by default and at shutdown; here
the interval is set past the end of the run, so no write stalls its timed steps, and the final
flush (timed once per size) shows what a write costs: minutes at 10,000 users.

Arrival: every user is active from the start; the next update sent is that of a user picked at
random among those whose previous reply is back, with at most `--concurrency` updates in
flight (default 64: a stress test, the bot is never idle). A step's latency is the time from
`router.handle()` (or `process_update()`) being called to its return. Each configuration runs
in a fresh child process, so its peak memory (ru_maxrss: imports, catalogs and data included)
is its own; ours and the peer alternate, and the best of `--runs` is reported. Logging is
configured as `main.py` configures it (INFO), into a file in the temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bot.core.config import Settings
from bot.core.i18n import I18n
from bot.core.types import Incoming, Kind, Reply, UserRef
from bot.engine.logs import configure_logging

if TYPE_CHECKING:
    from bench.registration_peer import PeerBot
    from bot.app import App

__all__ = [
    "CONCURRENCY",
    "Outcome",
    "answers",
    "drive",
    "run_ours",
    "run_peer",
]

CONCURRENCY = 64
SIZES = (1_000, 10_000)
FIRST_ID = 100_000  # Telegram user ids of the simulated producers
STEPS = 17
T = TypeVar("T")

# (typed ward, crafts by number, kind of establishment, main products): Hanoi craft villages
_VILLAGES = (
    ("bat trang", "1", "Cơ sở gốm", "Bát đĩa men lam, lọ hoa"),
    ("van phuc", "6", "Xưởng lụa", "Khăn lụa, vải tơ tằm"),
    ("phu vinh", "4", "Cơ sở mây tre đan", "Giỏ mây, khay tre"),
    ("thuong tin", "2", "Cơ sở sơn mài", "Tranh sơn mài, hộp sơn mài"),
    ("son dong", "8", "Xưởng tượng gỗ", "Tượng gỗ, hoành phi câu đối"),
    ("quang phu cau", "15", "Cơ sở hương", "Tăm hương, nhang trầm"),
)


def answers(i: int) -> list[str]:
    """What producer `i` types, one line per step, as on Zalo: numbers for the choices."""
    ward, crafts, kind, products = _VILLAGES[i % len(_VILLAGES)]
    return [
        "/dang_ky",
        "1",  # I agree
        f"{kind} Minh Hải {i}",
        "1",  # household business
        "2 5",  # producer, Done (a number typed alone ticks it and waits for Done)
        f"{crafts} 16",  # the craft, Done
        ward,
        "1",  # the first match
        f"Số {i % 200 + 1}, thôn {i % 9 + 1}",
        "Nguyễn Thị Lan",
        f"0912 {i // 1000 % 1000:03d} {i % 1000:03d}",  # unique below a million
        f"001085{i:06d}",  # the owner's personal ID number, as households use since 2025
        products,
        "4",  # 4 stars
        "2 7" if i % 2 else "1 2",  # energy saving, Done (or with cleaner production)
        "2",  # not findable by other members (yet)
        "1",  # Confirm and send
    ]


@dataclass
class Outcome:
    """One configuration's figures."""

    side: str
    users: int
    concurrency: int
    steps: int
    seconds: float
    steps_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    pending: int  # users who ended with a pending registration
    maxrss_mb: float  # ru_maxrss of this process after the steps
    flush_s: float | None = None  # the peer's final persistence update and shutdown
    maxrss_after_flush_mb: float | None = None


async def drive(
    users: int,
    make: Callable[[int, int], T],
    send: Callable[[T], Awaitable[object]],
    concurrency: int = CONCURRENCY,
) -> tuple[float, array[float]]:
    """Every user's steps in order, each sent once the previous one returned, at most
    `concurrency` in flight, the next one to go picked at random among the users waiting (so
    the updates in flight are at every stage of the registration); the wall time and each
    step's latency (seconds)."""
    ready = [(u, 0) for u in range(users)]
    pick = random.Random(users).randrange
    latencies: array[float] = array("d")
    clock = time.perf_counter

    async def worker() -> None:
        while ready:
            i = pick(len(ready))
            ready[i], ready[-1] = ready[-1], ready[i]
            user, step = ready.pop()
            update = make(user, step)
            started = clock()
            await send(update)
            latencies.append(clock() - started)
            if step + 1 < STEPS:
                ready.append((user, step + 1))

    started = clock()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return clock() - started, latencies


def _outcome(
    side: str, users: int, concurrency: int, seconds: float, latencies: array[float], pending: int
) -> Outcome:
    ordered = sorted(latencies)
    n = len(ordered)
    return Outcome(
        side=side,
        users=users,
        concurrency=concurrency,
        steps=n,
        seconds=round(seconds, 3),
        steps_per_s=round(n / seconds, 1),
        p50_ms=round(ordered[n // 2] * 1000, 3),
        p99_ms=round(ordered[min(n - 1, int(n * 0.99))] * 1000, 3),
        max_ms=round(ordered[-1] * 1000, 3),
        pending=pending,
        maxrss_mb=_maxrss_mb(),
    )


def _maxrss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _ref(i: int) -> UserRef:
    return UserRef(channel="telegram", external_id=str(FIRST_ID + i))


async def run_ours(
    users: int,
    directory: Path,
    concurrency: int = CONCURRENCY,
    on_reply: Callable[[int, list[Reply]], None] | None = None,
) -> Outcome:
    """Drives `users` registrations through the router of an App on a fresh SQLite file."""
    from bot.app import App  # here: the peer's process imports nothing of the bot's engine

    settings = Settings(_env_file=None, db_path=directory / "ketnoi.db", admins="telegram:1")
    app = App(settings)
    await app.open()
    router = app.router
    lines = [answers(i) for i in range(users)]

    def make(user: int, step: int) -> Incoming:
        text = lines[user][step]
        kind = Kind.COMMAND if text.startswith("/") else Kind.TEXT
        return Incoming(
            user=_ref(user),
            kind=kind,
            text=text,
            display_name="Nguyễn Thị Lan",
            language_hint="vi",
        )

    async def send(incoming: Incoming) -> None:
        replies = await router.handle(incoming)
        if on_reply is not None:
            on_reply(int(incoming.user.external_id) - FIRST_ID, replies)

    try:
        seconds, latencies = await drive(users, make, send, concurrency)
        pending = await _pending_ours(app, users)
    finally:
        await app.close()
    return _outcome("ours", users, concurrency, seconds, latencies, pending)


async def _pending_ours(app: App, users: int) -> int:
    """How many of the simulated users have a registration waiting for review."""
    from storage.enterprises import EnterpriseStatus

    svc = app.router.services
    count = 0
    for i in range(users):
        user = await svc.users.find(_ref(i))
        e = await svc.enterprises.for_account(user.account_id) if user else None
        count += e is not None and e.status is EnterpriseStatus.PENDING
    return count


async def run_peer(
    users: int,
    directory: Path,
    concurrency: int = CONCURRENCY,
    *,
    flush: bool = True,
    record: bool = False,
) -> tuple[Outcome, PeerBot]:
    """Drives the same registrations through the peer; the outcome and the PeerBot."""
    from bench.registration_peer import PeerBot, build_application, message_update

    settings = Settings(_env_file=None)
    peer = PeerBot(lang=I18n(settings.locale, settings.tz).get("vi"), record=record)
    # no write of the pickle inside the timed run (it would stall the peer for minutes)
    application = build_application(peer, directory / "peer.pickle", update_interval=3600)
    await application.initialize()
    await application.start()  # the persistence loop: every 60 s
    bot = application.bot
    lines = [answers(i) for i in range(users)]
    now = int(time.time())
    counter = itertools.count(1)

    def make(user: int, step: int) -> Any:
        text = lines[user][step]
        return message_update(bot, next(counter), FIRST_ID + user, "Nguyễn Thị Lan", text, now)

    seconds, latencies = await drive(users, make, application.process_update, concurrency)
    pending = sum(
        1
        for i in range(users)
        if application.user_data.get(FIRST_ID + i, {}).get("registration", {}).get("status")
        == "pending"
    )
    outcome = _outcome("peer", users, concurrency, seconds, latencies, pending)
    await application.stop()
    if flush:
        started = time.perf_counter()
        await application.shutdown()  # update_persistence() and flush(): the pickle is written
        outcome.flush_s = round(time.perf_counter() - started, 2)
        outcome.maxrss_after_flush_mb = _maxrss_mb()
    return outcome, peer


# -- the command line --------------------------------------------------------------------


def _child(side: str, users: int, concurrency: int, flush: bool) -> None:
    """One configuration in this process; prints its Outcome as JSON."""
    with tempfile.TemporaryDirectory(prefix="bench-registration-") as tmp:
        directory = Path(tmp)
        configure_logging(directory / "bot.log")
        if side == "ours":
            outcome = asyncio.run(run_ours(users, directory, concurrency))
        else:
            outcome, _ = asyncio.run(run_peer(users, directory, concurrency, flush=flush))
    print(json.dumps(asdict(outcome)))


def _spawn(side: str, users: int, concurrency: int, flush: bool) -> Outcome:
    command = [sys.executable, "-m", "bench.registration", "--child", side]
    command += ["--users", str(users), "--concurrency", str(concurrency)]
    if not flush:
        command.append("--no-flush")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return Outcome(**json.loads(done.stdout.strip().splitlines()[-1]))


def machine() -> str:
    """nproc, CPU model, Python version and the load when the run started."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, {model}, Python {sys.version.split()[0]}; load average {load}"


def _row(o: Outcome) -> str:
    flush = "—"
    if o.flush_s is not None:
        flush = f"{o.flush_s:,.1f} s (peak {o.maxrss_after_flush_mb:.0f} MB)"
    return (
        f"| {o.side} | {o.users:,} | {o.concurrency} | {o.steps_per_s:,.0f} | {o.p50_ms:.2f} |"
        f" {o.p99_ms:.2f} | {o.max_ms:.1f} | {o.maxrss_mb:.0f} | {o.pending:,} | {flush} |"
    )


HEADER = (
    "| side | users | in flight | steps/s | p50 ms | p99 ms | max ms | peak RSS MB |"
    " pending after | final flush |\n|---|---|---|---|---|---|---|---|---|---|"
)


def main(argv: list[str] | None = None) -> None:
    """Runs every configuration `--runs` times in child processes and prints the best."""
    parser = argparse.ArgumentParser(prog="python -m bench.registration")
    parser.add_argument("--users", type=int, action="append", help="repeatable; 1000 and 10000")
    parser.add_argument(
        "--concurrency", type=int, action="append", help=f"repeatable; {CONCURRENCY}"
    )
    parser.add_argument("--runs", type=int, default=3, help="best (steps/s) of this many")
    parser.add_argument("--side", choices=("ours", "peer"), action="append")
    parser.add_argument("--child", choices=("ours", "peer"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-flush",
        action="store_true",
        help="do not time the peer's final flush (20 minutes at 10,000 users)",
    )
    args = parser.parse_args(argv)
    sizes = args.users or list(SIZES)
    levels = args.concurrency or [CONCURRENCY]
    if args.child:
        _child(args.child, sizes[0], levels[0], not args.no_flush)
        return
    print(machine(), file=sys.stderr)
    rows = []
    for users in sizes:
        for concurrency in levels:
            best: dict[str, Outcome] = {}
            flushes: dict[str, Outcome] = {}
            runs: dict[str, list[Outcome]] = {"ours": [], "peer": []}
            for run in range(args.runs):
                for side in args.side or ["ours", "peer"]:  # alternating, so both meet the load
                    # The peer's final flush takes minutes at 10,000 users: timed once.
                    flush = not args.no_flush and run == 0 and concurrency == levels[0]
                    outcome = _spawn(side, users, concurrency, flush=flush)
                    print(_row(outcome), file=sys.stderr)
                    runs[side].append(outcome)
                    if outcome.flush_s is not None:
                        flushes[side] = outcome
                    if side not in best or outcome.steps_per_s > best[side].steps_per_s:
                        best[side] = outcome
            for side, outcome in best.items():
                if side in flushes:
                    outcome.flush_s = flushes[side].flush_s
                    outcome.maxrss_after_flush_mb = flushes[side].maxrss_after_flush_mb
                rows.append(_row(outcome))
            if {"ours", "peer"} <= best.keys():
                ratio = best["ours"].steps_per_s / best["peer"].steps_per_s
                # Each of our runs against the peer's run right after it: on a shared machine
                # whose speed drifts, the ratio of neighbours says more than the best of each.
                paired = sorted(
                    o.steps_per_s / p.steps_per_s
                    for o, p in zip(runs["ours"], runs["peer"], strict=False)
                )
                spread = f"{paired[0]:.2f}–{paired[-1]:.2f}" if len(paired) > 1 else ""
                rows.append(
                    f"| ours/peer | {users:,} | {concurrency} | {ratio:.2f}× (best of each);"
                    f" {statistics.median(paired):.2f}× (median of {len(paired)} pairs"
                    f"{', ' + spread if spread else ''}) | | | | | | |"
                )
    print(machine())
    print(HEADER)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
