"""One person floods the bot while others chat; then 300 producers press Confirm at once.

    python -m bench.flood                 # both parts: about 3 minutes
    python -m bench.flood --part flood    # 500 messages from one chat while 20 others chat
    python -m bench.flood --part rush     # 300 booth applications confirmed at once, 80 booths

The bot runs as in production (`python main.py run`, a SQLite file, Telegram polling) against
the fake Bot API (tests/fakes/telegram_api.py), whose global rate limit answers 429 beyond the
cap (30/s, as Telegram's). Latency is from the update being queued at the fake server to the
bot's answer arriving there, long polling included.

flood: 20 people chat (send /menu or press "Reminders", wait for the answer, pause 1–3 s);
3 s in, one more person sends 500 messages at once (/menu and questions). One question is asked
and answered before, as any running bot has (the first one builds the FAQ matcher). Reported:
the others' reply latency before and during the flood, and what the flooder got back.

rush: 300 registered producers each walk through a booth application up to its summary (at a
high cap, then the bot is restarted at the real one), then all press Confirm within a few
milliseconds, for a fair of 80 booths. Reported: the replies' rate against the cap, their
latency, and how many applications are held and how many wait.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.broadcast import Chatter, Run, machine, pct
from bot.core.clock import utcnow
from bot.core.types import UserRef
from storage.enterprises import EnterpriseFields, EnterpriseRepo
from storage.sqlite import SqliteDatabase
from storage.users import UserRepo
from tests.fakes.botproc import ROOT, BotProcess
from tests.fakes.telegram_api import FakeTelegram, booth_walk

TOKEN = "123:ABC"
ADMIN = 7000
FLOODER = 800_000
WARM = 700_000
FIRST_CHATTER = 900_000
FIRST_PRODUCER = 1_000_000
FAIR = "rush-gom-su"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TOO_FAST = "nhanh quá"  # in the notice a flooder gets ("Bạn gửi nhanh quá…")

Json = dict  # type: ignore[type-arg]


def bot_env(fake: FakeTelegram, db_path: Path, rate: float) -> dict[str, str]:
    return {
        "KETNOI_TELEGRAM_TOKEN": TOKEN,
        "KETNOI_TELEGRAM_API_URL": fake.url,
        "KETNOI_DB_PATH": str(db_path),
        "KETNOI_TELEGRAM_RATE": str(rate),
        "KETNOI_ADMINS": f"telegram:{ADMIN}",
        "KETNOI_QUIET_HOURS": "off",
    }


def start_bot(fake: FakeTelegram, env: dict[str, str], cwd: Path) -> BotProcess:
    """Start `python main.py run` and wait until it polls."""
    polls = len(fake.calls("getUpdates"))
    bot = BotProcess(env, cwd=cwd).start()
    deadline = time.monotonic() + 60
    while len(fake.calls("getUpdates")) == polls:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bot did not start:\n{bot.logs()}")
        time.sleep(0.02)
    return bot


def cpu_seconds(bot: BotProcess) -> float:
    """CPU time (user + system) the bot process has used so far: on a shared machine, what a
    run cost says more than how long it took."""
    assert bot.proc is not None
    fields = Path(f"/proc/{bot.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_bot(bot: BotProcess) -> str:
    """SIGTERM, then kill -9 if it is still there after 30 s; how it ended."""
    try:
        return f"exit {bot.stop(timeout=30)}"
    except subprocess.TimeoutExpired:
        bot.kill()
        return "killed after 30 s without exiting"


# -- the flood -------------------------------------------------------------------------------


def flood(args: argparse.Namespace, tmp: Path, fake: FakeTelegram) -> list[str]:
    bot = start_bot(fake, bot_env(fake, tmp / "flood.db", args.rate), tmp)
    # Warm: the first question after a start builds the FAQ matcher, a second of CPU in the
    # event loop, which would otherwise land on the flood (the flooder asks questions).
    fake.send_text(WARM, "Hội chợ gốm ở đâu?")
    fake.wait_for_message(WARM, timeout=60)
    fake.rate_limit(args.rate)
    run = Run()
    stop = threading.Event()
    chatters = [
        Chatter(fake, FIRST_CHATTER + i, run, stop, (1.0, 3.0)) for i in range(args.chatters)
    ]
    for c in chatters:
        c.start()
    time.sleep(3)  # everyone is chatting before the flood
    cpu_before = cpu_seconds(bot)
    flood_at = time.monotonic()
    texts = ["/menu" if i % 2 else f"Hội chợ gốm còn gian không {i}" for i in range(args.messages)]
    fake.send_texts(FLOODER, texts)
    time.sleep(args.seconds)
    stop.set()
    for c in chatters:
        c.join(timeout=70)
    cpu = cpu_seconds(bot) - cpu_before
    ended = stop_bot(bot)
    before = [lat for at, lat in run.latencies if at < flood_at]
    during = [lat for at, lat in run.latencies if at >= flood_at]
    unanswered = sum(1 for at in run.timeouts if at >= flood_at)
    got = fake.sent(FLOODER)
    notices = [m for m in got if TOO_FAST in (m["text"] or "")]
    last = max((m["at"] for m in got), default=flood_at) - flood_at
    slowest = sorted(((lat, at - flood_at) for at, lat in run.latencies if at >= flood_at))[-3:]
    return [
        f"### Flood: {args.messages} messages from one chat while {args.chatters} others chat,"
        f" cap {args.rate:g}/s",
        "",
        "- command: `python -m bench.flood --part flood`",
        f"- machine: {machine()}",
        f"- others before the flood: n={len(before)}, p50 {pct(before, 0.5) * 1000:.0f} ms,"
        f" p99 {pct(before, 0.99) * 1000:.0f} ms",
        f"- others during the {args.seconds:g} s after the flood began: n={len(during)},"
        f" p50 **{pct(during, 0.5) * 1000:.0f} ms**, p99 **{pct(during, 0.99) * 1000:.0f} ms**,"
        f" max {max(during, default=0) * 1000:.0f} ms; unanswered within 60 s: {unanswered};"
        f" the slowest three: "
        + ", ".join(f"{lat * 1000:.0f} ms (sent at +{at:.1f} s)" for lat, at in reversed(slowest)),
        f"- the flooder got {len(got)} messages back, of which {len(notices)} 'too fast'"
        f" notice(s); the last {last:.1f} s after the flood began",
        f"- CPU time of the bot from the flood to the end: {cpu:.1f} s;"
        f" 429 answers from the server: {fake.stats.get('rate_limited', 0)};"
        f" the bot at the end: {ended}",
    ]


# -- the rush --------------------------------------------------------------------------------


def fair_file(path: Path, booths: int) -> Path:
    start = (datetime.now(HANOI) + timedelta(days=30)).replace(hour=8, minute=0)
    end = start + timedelta(days=3)
    path.write_text(
        f"""fairs:
  - key: {FAIR}
    title: {{vi: "Hội chợ gốm sứ Kim Lan", en: "Kim Lan ceramics fair"}}
    sectors: [ceramics]
    starts_at: "{start:%Y-%m-%d %H:%M}"
    ends_at: "{end:%Y-%m-%d %H:%M}"
    venue: {{name: "Bảo tàng Gốm sứ Kim Lan", address: "xã Bát Tràng, Hà Nội",
             latitude: 20.9665, longitude: 105.9205}}
    booths: {booths}
    max_booths_per_applicant: 1
    apply_by: "{(start - timedelta(days=10)):%Y-%m-%d}"
""",
        encoding="utf-8",
    )
    return path


async def seed_producers(db_path: Path, chats: list[int]) -> None:
    """Registered establishments (the registration has its own benchmark)."""
    db = await SqliteDatabase.open(db_path)
    try:
        users, enterprises = UserRepo(db), EnterpriseRepo(db)
        for chat in chats:
            user = await users.ensure(UserRef(channel="telegram", external_id=str(chat)))
            fields = EnterpriseFields(
                name=f"Cơ sở gốm {chat}",
                kind="household",
                contact_name="Nguyễn Thị Lan",
                phone=f"+8491{chat % 10_000_000:07d}",
                products="Bát đĩa men lam, lọ hoa",
            )
            await enterprises.create(user.account_id, fields, consent_at=utcnow())
    finally:
        await db.close()


def payloads(message: Json) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def step(
    fake: FakeTelegram,
    chats: list[int],
    act: Callable[[int], object],
    done: Callable[[Json], bool],
    timeout: float = 120,
) -> None:
    """Everyone acts at once; wait until each chat got a message that `done` accepts."""
    seen = {chat: len(fake.sent(chat)) for chat in chats}
    for chat in chats:
        act(chat)
    waiting = set(chats)
    deadline = time.monotonic() + timeout
    while waiting:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(waiting)} producers got no answer")
        for chat in list(waiting):
            if any(done(m) for m in fake.sent(chat, since=seen[chat])):
                waiting.discard(chat)
        time.sleep(0.25)  # the fake server shares this process: poll gently


def rush(args: argparse.Namespace, tmp: Path, fake: FakeTelegram) -> list[str]:
    db_path = tmp / "rush.db"
    env = bot_env(fake, db_path, args.rate)
    fairs = fair_file(tmp / "fairs.yaml", 80)
    imported = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "fairs", "import", str(fairs)],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("KETNOI_")}, **env},
        cwd=tmp,
        capture_output=True,
        text=True,
        check=False,
    )
    if imported.returncode != 0:
        raise RuntimeError(imported.stdout + imported.stderr)
    chats = [FIRST_PRODUCER + i for i in range(args.producers)]
    asyncio.run(seed_producers(db_path, chats))

    # Everyone walks to the summary at a high cap (the walk is not what is measured).
    fake.rate_limit(None)
    bot = start_bot(fake, {**env, "KETNOI_TELEGRAM_RATE": "1000"}, tmp)
    started = time.monotonic()
    for act, wanted in booth_walk(fake, FAIR):
        step(fake, chats, act, lambda m, w=wanted: w in payloads(m))
    walked = time.monotonic() - started
    stop_bot(bot)

    # The real cap from here on.
    bot = start_bot(fake, env, tmp)
    fake.rate_limit(args.rate)
    time.sleep(1)
    seen = {chat: len(fake.sent(chat)) for chat in chats}
    cpu_before = cpu_seconds(bot)
    pressed: dict[int, float] = {}
    for chat in chats:
        pressed[chat] = time.monotonic()
        fake.press_button(chat, "apply:confirm")
    spread = max(pressed.values()) - min(pressed.values())
    deadline = time.monotonic() + 120
    answers: dict[int, list[Json]] = {}
    while len(answers) < len(chats) and time.monotonic() < deadline:
        for chat in chats:
            if chat not in answers:
                new = fake.sent(chat, since=seen[chat])
                if any(p.startswith("booth:") for m in new for p in payloads(m)):
                    answers[chat] = new
        time.sleep(0.25)  # latency comes from the fake's own stamps, not from this loop
    cpu = cpu_seconds(bot) - cpu_before
    time.sleep(1)
    ended = stop_bot(bot)
    replies = sorted(m["at"] for chat in chats for m in fake.sent(chat, since=seen[chat]))
    latency = [answers[c][0]["at"] - pressed[c] for c in answers]
    seconds = replies[-1] - replies[0] if len(replies) > 1 else float("nan")
    rate = (len(replies) - 1) / seconds
    with sqlite3.connect(db_path) as conn:
        status = dict(
            conn.execute("SELECT status, count(*) FROM booth_applications GROUP BY status")
        )
    target = args.producers / args.rate + 2
    return [
        f"### Rush: {args.producers} producers press Confirm at once for 80 booths,"
        f" cap {args.rate:g}/s",
        "",
        "- command: `python -m bench.flood --part rush`",
        f"- machine: {machine()}",
        f"- the walk to the summary (cap 1000/s, not measured): {walked:.1f} s;"
        f" the {args.producers} presses were queued within {spread * 1000:.0f} ms",
        f"- replies to the producers: {len(replies)} in {seconds:.1f} s ="
        f" **{rate:.1f}/s, {rate / args.rate:.1%} of the cap** (first to last)",
        f"- answered: {len(answers)} of {args.producers}; press to answer p50"
        f" {pct(latency, 0.5):.1f} s, p99 **{pct(latency, 0.99):.1f} s** (target ≤"
        f" {target:.0f} s), max {max(latency, default=0):.1f} s",
        f"- applications: held {status.get('allocated', 0)}, waiting"
        f" {status.get('waitlisted', 0)} (others: "
        f"{ {k: v for k, v in status.items() if k not in ('allocated', 'waitlisted')} })",
        f"- CPU time of the bot from the presses to the last answer: {cpu:.1f} s;"
        f" 429 answers from the server: {fake.stats.get('rate_limited', 0)};"
        f" the bot at the end: {ended}",
    ]


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.flood", description=__doc__)
    p.add_argument("--part", choices=("flood", "rush", "both"), default="both")
    p.add_argument("--rate", type=float, default=30.0, help="the cap, messages/s")
    p.add_argument("--messages", type=int, default=500, help="sent at once by the flooder")
    p.add_argument("--chatters", type=int, default=20)
    p.add_argument("--seconds", type=float, default=30.0, help="chatting after the flood began")
    p.add_argument("--producers", type=int, default=300)
    args = p.parse_args()
    print(f"machine: {machine()}", flush=True)
    lines: list[str] = []
    for part in ("flood", "rush"):
        if args.part in (part, "both"):
            with tempfile.TemporaryDirectory() as tmp, FakeTelegram(token=TOKEN) as fake:
                run = flood if part == "flood" else rush
                lines += [*run(args, Path(tmp), fake), ""]
                print("\n".join(lines[-8:]), flush=True)
    print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
