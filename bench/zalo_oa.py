"""What the Zalo OA's durability and reach cost: `python -m bench.zalo_oa`.

1. Choosing where a message goes (storage.zalo_oa.reach_rank): the recipients of an
   announcement to everyone, and of one notice, among 20,000 identities (10,000 on Telegram,
   10,000 followers of the OA, half of the Telegram people linked with an OA identity), with
   the ranking and with the former "seen last" order (the query alone; then through the
   repository, which makes a model of each recipient).
2. The webhook's durable inbox: followers writing at once to `python main.py run` with only
   the OA configured, against the fake OA server (in this process): events stored before the
   200, handed on under a lease, marked done with their turn; events a second and the time
   from a follower's message to the OA's answer.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sqlite3
import statistics
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx

from bot.core.clock import utcnow
from storage.broadcasts import BroadcastRepo
from storage.links import LinkRepo
from storage.outbox import OutboxRepo
from storage.sqlite import SqliteDatabase
from storage.zalo_oa import outranked
from tests.fakes.botproc import BotProcess
from tests.fakes.zalo_oa_api import APP_ID, FakeOa

# The recipients of an announcement to everyone as storage/broadcasts.py selects them now (the
# identity ranked first by storage.zalo_oa.outranked) and as it did before (the one seen last).
_RANKED = (
    "SELECT u.id, u.locale, u.blocked_at, u.account_id FROM users u"
    " WHERE u.channel != 'console' AND u.broadcasts_on = 1"
    " AND NOT EXISTS (SELECT 1 FROM users v WHERE v.account_id = u.account_id"
    " AND v.id != u.id AND {outranked})"
)
_SEEN_LAST = (
    "SELECT u.id, u.locale, u.blocked_at, u.account_id FROM users u"
    " WHERE u.channel != 'console' AND u.broadcasts_on = 1"
    " AND u.id = (SELECT v.id FROM users v WHERE v.account_id = u.account_id"
    " ORDER BY v.last_seen_at DESC, v.id DESC LIMIT 1)"
)


def _ms(seconds: list[float]) -> str:
    s = sorted(seconds)
    p99 = s[min(len(s) - 1, int(len(s) * 0.99))]
    return f"median {statistics.median(s) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"


async def reach(path: Path, people: int, runs: int) -> None:
    """Recipients of an announcement and of a notice, ranked and seen-last."""
    db = await SqliteDatabase.open(path)
    now = utcnow()
    users, contacts = [], []
    for i in range(people):
        seen = (now - timedelta(hours=i % 300)).isoformat()
        users.append(("telegram", f"t{i}", seen, seen))
        users.append(("zalo_oa", f"z{i}", seen, seen))
        contacts.append((f"z{i}", (now - timedelta(hours=(i * 7) % 400)).isoformat(), seen))
    await db.executemany(
        "INSERT INTO users (channel, external_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
        users,
    )
    await db.execute("UPDATE users SET account_id = id")
    await db.execute(  # half the Telegram people linked with their OA identity
        "UPDATE users SET account_id = (SELECT t.id FROM users t WHERE t.channel = 'telegram'"
        " AND t.external_id = 't' || substr(users.external_id, 2)) WHERE channel = 'zalo_oa'"
        " AND CAST(substr(external_id, 2) AS INTEGER) % 2 = 0"
    )
    await db.executemany(
        "INSERT INTO zalo_oa_contacts (external_id, last_interaction_at, updated_at)"
        " VALUES (?, ?, ?)",
        contacts,
    )
    broadcasts, links = BroadcastRepo(db, OutboxRepo(db)), LinkRepo(db)
    ranked, seen_last, repo, one = [], [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        sql = _RANKED.format(outranked=outranked("u", "v", utcnow()))
        found = await db.fetchall(f"SELECT * FROM ({sql}) ORDER BY id")
        ranked.append(time.perf_counter() - started)
        started = time.perf_counter()
        models = await broadcasts.recipients("all")
        repo.append(time.perf_counter() - started)
        started = time.perf_counter()
        old = await db.fetchall(f"SELECT * FROM ({_SEEN_LAST}) ORDER BY id")
        seen_last.append(time.perf_counter() - started)
    for user_id in range(1, 2 * people, max(1, (2 * people) // 500)):
        started = time.perf_counter()
        await links.reachable(user_id)
        one.append(time.perf_counter() - started)
    await db.close()
    print(f"identities: {2 * people:,} ({people:,} Telegram, {people:,} OA followers)")
    print(f"  announcement to all, ranked:    {_ms(ranked)} ({len(found):,} recipients)")
    print(f"  announcement to all, seen last: {_ms(seen_last)} ({len(old):,} recipients)")
    print(f"  the same through BroadcastRepo: {_ms(repo)} ({len(models):,} recipients)")
    print(f"  one notice (links.reachable):   {_ms(one)}")


def inbox(path: Path, followers: int, each: int) -> None:
    """Followers writing at once through the webhook of `python main.py run`; events a second,
    message to answer."""
    with FakeOa() as fake:
        port = _free_port()
        env = {
            "KETNOI_DB_PATH": str(path),
            "KETNOI_ZALO_OA_APP_ID": APP_ID,
            "KETNOI_ZALO_OA_SECRET_KEY": "app-secret",
            "KETNOI_ZALO_OA_WEBHOOK_KEY": fake.webhook_key,
            "KETNOI_ZALO_OA_REFRESH_TOKEN": "ref-first",
            "KETNOI_ZALO_OA_API_URL": fake.url,
            "KETNOI_ZALO_OA_OAUTH_URL": fake.url,
            "KETNOI_ZALO_OA_BUSINESS_URL": fake.url,
            "KETNOI_ZALO_OA_RATE": "1000",
            "KETNOI_ZALO_OA_CHAT_RATE": "100",
            "KETNOI_LISTEN": f"127.0.0.1:{port}",
            "KETNOI_QUIET_HOURS": "off",
        }
        fake.deliver_to(f"http://127.0.0.1:{port}/zalo-oa")
        with BotProcess(env, cwd=path.parent) as bot:
            deadline = time.monotonic() + 60
            while True:  # up when a badly signed event is refused
                try:
                    if fake.send_text("0", "/start", signature="mac=" + "0" * 64) == 403:
                        break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            waits: list[float] = []
            lock = threading.Lock()

            def follower(n: int) -> None:
                user = f"85{n:017d}"
                for _ in range(each):
                    sent = time.perf_counter()
                    assert fake.send_text(user, "/menu") == 200
                    fake.wait_for_message(user, timeout=120)
                    with lock:
                        waits.append(time.perf_counter() - sent)

            started = time.perf_counter()
            threads = [threading.Thread(target=follower, args=(n,)) for n in range(followers)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started
            bot.stop()
    with sqlite3.connect(path) as conn:
        (left,) = conn.execute(
            "SELECT count(*) FROM zalo_oa_inbox WHERE done_at IS NULL"
        ).fetchone()
    n = followers * each
    print(f"inbox: {followers} followers x {each} messages, each waiting for its answer")
    print(f"  {n / elapsed:.0f} events a second; message to answer {_ms(waits)}")
    print(f"  events not done at the end: {left}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--followers", type=int, default=20)
    parser.add_argument("--each", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(reach(Path(tmp) / "reach.db", args.people, args.runs))
        inbox(Path(tmp) / "inbox.db", args.followers, args.each)


if __name__ == "__main__":
    main()
