"""How fast the staff's list pages answer with a city's worth of data:
`python -m bench.web` fills a database with 200,000 registrations and 1,000 fairs (kept for the
next run), serves the pages as `ketnoi run` does (uvicorn on a free loopback port, the bot's
database and event loop in a thread of their own), logs in with a one-time link, and asks each
page again and again over HTTP, one request at a time, from the main thread.

    python -m bench.web                      # 200,000 registrations, 1,000 fairs, 40 rounds
    python -m bench.web --registrations 20000 --fairs 200 --rounds 10   # a quick look
    python -m bench.web --fresh              # build the database again

The goal (issue 16): every list page answers in under 100 ms at the 95th percentile.
The database is written with plain SQL here, row by row through executemany, because the
repositories would take an hour to make 200,000 registrations one conversation at a time;
the triggers of migration 0014 keep the craft table as the bot's writes would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.app import App
from bot.channels.web import WebChannel
from bot.core.config import load_settings
from bot.core.types import UserRef
from bot.domain.places import wards
from bot.domain.sectors import SECTORS
from bot.services.web_login import login_link
from storage.sqlite import SqliteDatabase

T = TypeVar("T")

_FIRST = ("Gốm", "Sơn mài", "Mây tre", "Lụa", "Thêu", "Mộc", "Nón lá", "Điêu khắc", "Sừng",
          "Hoa giấy", "Dược liệu", "Bánh", "Da", "Bạc")  # fmt: skip
_SECOND = ("Minh Hải", "Phú Vinh", "Hạ Thái", "Vạn Phúc", "Quất Động", "Chàng Sơn",
           "Chuông", "Sơn Đồng", "Thụy Ứng", "Bát Tràng", "Kim Lan", "Tân Hòa", "Ninh Hiệp",
           "Đồng Kỵ")  # fmt: skip
_KINDS = ("household", "household", "household", "cooperative", "company", "individual")
_CONTACTS = ("Nguyễn Thị Lan", "Trần Văn Hùng", "Lê Minh Tuấn", "Phạm Thu Hà", "Đỗ Văn Nam")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def fill(path: Path, registrations: int, fairs: int, seed: int = 16) -> None:
    """A database with `registrations` registrations (10% pending, 80% approved, 10% not),
    `fairs` fairs from 2019 to 2031, a few booths applied for at each, tags on 5%."""
    rnd = random.Random(seed)
    codes = [w.code for w in wards()]
    sectors = list(SECTORS)
    now = datetime.now(UTC)
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode = WAL")
    c.execute("PRAGMA synchronous = OFF")
    c.execute("BEGIN")
    users, enterprises = [], []
    for i in range(1, registrations + 1):
        made = now - timedelta(minutes=rnd.randrange(0, 3 * 365 * 24 * 60))
        users.append((i, i, "telegram", f"b{i}", rnd.choice(_CONTACTS), _iso(made), _iso(made)))
        status = rnd.choices(("pending", "approved", "rejected"), (1, 8, 1))[0]
        chosen = rnd.sample(sectors, rnd.choice((1, 1, 2)))
        enterprises.append(
            (
                i,
                i,
                f"HN-{made.year}-{i:06d}",
                f"{rnd.choice(_FIRST)} {rnd.choice(_SECOND)} {i}",
                rnd.choice(_KINDS),
                json.dumps(["producer"]),
                json.dumps(chosen),
                rnd.choice(codes),
                rnd.choice(_CONTACTS),
                f"+849{i:08d}",
                f"01{i:08d}" if i % 3 == 0 else None,
                "Sản phẩm làng nghề",
                _iso(made),
                status,
                _iso(made),
                _iso(made),
                _iso(made),
            )
        )
    c.executemany(
        "INSERT INTO users (id, account_id, channel, external_id, display_name, created_at,"
        " last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        users,
    )
    c.executemany(
        "INSERT INTO enterprises (id, account_id, reference, name, kind, roles, sectors,"
        " ward_code, contact_name, phone, tax_code, products, consent_at, status,"
        " submitted_at, created_at, updated_at) VALUES"
        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        enterprises,
    )
    start = datetime(2019, 1, 1, 1, 0, tzinfo=UTC)
    span = (datetime(2031, 12, 31, tzinfo=UTC) - start).days
    fair_rows = []
    for f in range(1, fairs + 1):
        opens = start + timedelta(days=rnd.randrange(span))
        fair_rows.append(
            (
                f,
                f"hoi-cho-{f:04d}",
                f"Hội chợ làng nghề số {f}",
                f"Craft village fair no. {f}",
                json.dumps(rnd.sample(sectors, 2)),
                _iso(opens),
                _iso(opens + timedelta(days=3)),
                "Trung tâm triển lãm",
                "Hà Nội",
                21.0,
                105.8,
                rnd.choice((60, 90, 120, 270)),
                (opens - timedelta(days=14)).date().isoformat(),
                _iso(now),
                _iso(now),
            )
        )
    c.executemany(
        "INSERT INTO fairs (id, key, title_vi, title_en, sectors, starts_at, ends_at,"
        " venue_name, venue_address, venue_latitude, venue_longitude, booths, apply_by,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        fair_rows,
    )
    apps = []
    for f, *_rest in fair_rows:
        for e in rnd.sample(range(1, registrations + 1), min(60, registrations)):
            status = rnd.choice(("allocated", "approved", "approved", "waitlisted"))
            apps.append((f, e, e, 1, "Gốm", status, _iso(now), _iso(now)))
    c.executemany(
        "INSERT INTO booth_applications (fair_id, enterprise_id, account_id, booths, products,"
        " status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        apps,
    )
    tags = [
        (e, "đã gọi điện", _iso(now))
        for e in rnd.sample(range(1, registrations + 1), registrations // 20)
    ]
    c.executemany(
        "INSERT INTO enterprise_tags (enterprise_id, tag, created_at) VALUES (?, ?, ?)", tags
    )
    c.execute("COMMIT")
    c.execute("ANALYZE")
    c.close()


class _Server:
    """The bot and its web pages in a thread of their own, as `ketnoi run` serves them."""

    def __init__(self, db: Path) -> None:
        self.settings = load_settings(
            _env_file=None, db_path=db, admins="console:bench", web_listen="127.0.0.1:0"
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.app: App | None = None
        self.web: WebChannel | None = None
        self.spent: dict[str, list[float]] = {}  # path and query -> ms inside the app

    def run(self, fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        return asyncio.run_coroutine_threadsafe(fn(*args), self.loop).result(600)

    async def _open(self) -> str:
        self.app = App(self.settings)
        await self.app.open()
        self.web = WebChannel(self.settings, self.app.router, None)
        await self.web.start()
        pages = self.web.server.mounted
        assert pages is not None
        self.web.server.mount(_Timed(pages, self.spent))
        svc = self.app.router.services
        user = await svc.users.ensure(UserRef(channel="console", external_id="bench"))
        link, _ = await login_link(self.settings, svc.web_sessions, user)
        return f"http://127.0.0.1:{self.web.server.port}/" + link.split("/", 3)[3]

    async def _close(self) -> None:
        if self.web is not None:
            await self.web.stop()
        if self.app is not None:
            await self.app.close()

    async def _fill_search(self) -> int:
        assert self.app is not None
        return await self.app.router.services.registrations.fill_search()

    def __enter__(self) -> tuple[_Server, str]:
        self.thread.start()
        return self, self.run(self._open)

    def __exit__(self, *exc: object) -> None:
        self.run(self._close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class _Timed:
    """The pages' ASGI app, timed: from the request reaching it to its last byte sent."""

    def __init__(self, app: ASGIApp, spent: dict[str, list[float]]) -> None:
        self.app = app
        self.spent = spent

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            key = scope["path"] + (
                "?" + scope["query_string"].decode() if scope["query_string"] else ""
            )
            self.spent.setdefault(key, []).append((time.perf_counter() - started) * 1000)


PAGES = [
    ("registrations, all (newest first)", "/quan-tri/dang-ky"),
    ("registrations waiting (oldest first)", "/quan-tri/dang-ky?status=pending"),
    ("registrations approved, page 500", "/quan-tri/dang-ky?status=approved&page=500"),
    ("registrations of a craft", "/quan-tri/dang-ky?craft=lacquer"),
    ("registrations of a ward", "/quan-tri/dang-ky?ward={ward}"),
    ("registrations of a fair", "/quan-tri/dang-ky?fair={fair}"),
    (
        "registrations with a tag",
        "/quan-tri/dang-ky?tag=%C4%91%C3%A3+g%E1%BB%8Di+%C4%91i%E1%BB%87n",
    ),
    ("search: two words, no diacritics", "/quan-tri/dang-ky?q=son+mai+ha+thai"),
    ("search: a phone number", "/quan-tri/dang-ky?q=0912+000+777"),
    ("search: nothing matches", "/quan-tri/dang-ky?q=khong+co+ai"),
    ("fairs, upcoming", "/quan-tri/hoi-cho"),
    ("fairs, past, page 10", "/quan-tri/hoi-cho?xem=qua&page=10"),
    ("one fair's booth table", "/quan-tri/hoi-cho/{fair}"),
    ("announcements", "/quan-tri/thong-bao"),
    ("audit log", "/quan-tri/nhat-ky"),
    ("audit log: one kind of action, from a day", "/quan-tri/nhat-ky?viec=web.login&tu=2020-01-01"),
    ("public: upcoming fairs", "/"),
    ("overview (figures of /thong_ke)", "/quan-tri"),
    ("open data: 1,000 fairs as JSON", "/du-lieu/hoi-cho.json"),
]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(
    base: str, link: str, rounds: int, ward: str, fair: int, spent: dict[str, list[float]]
) -> list[tuple[str, float, float, float, float, float]]:
    """(page, p50, p95, max as the client saw them; p50, p95 inside the app) in ms for each
    page, `rounds` requests each after 3 to warm."""
    results = []
    with httpx.Client(base_url=base, timeout=60) as client:
        client.post(link.removeprefix(base))
        assert client.get("/quan-tri").status_code == 200, "not logged in"
        for label, path in PAGES:
            path = path.format(ward=ward, fair=fair)
            times = []
            sent = path
            for n in range(rounds + 3):
                started = time.perf_counter()
                response = client.get(path)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (path, response.status_code)
                sent = response.request.url.raw_path.decode()
                if n >= 3:
                    times.append(elapsed)
            inside = spent.get(sent, [])[3:]
            results.append(
                (
                    label,
                    statistics.median(times),
                    _percentile(times, 0.95),
                    max(times),
                    statistics.median(inside) if inside else 0.0,
                    _percentile(inside, 0.95) if inside else 0.0,
                )
            )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=200_000)
    parser.add_argument("--fairs", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--db", type=Path, help="default: a file in the temporary directory")
    parser.add_argument("--fresh", action="store_true", help="build the database again")
    args = parser.parse_args()
    db = args.db or Path(tempfile.gettempdir()) / (
        f"ketnoi-bench-web-{args.registrations}-{args.fairs}.db"
    )
    if args.fresh or not db.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        asyncio.run(_migrate(db))
        started = time.perf_counter()
        fill(db, args.registrations, args.fairs)
        print(f"filled {db} in {time.perf_counter() - started:.1f} s")
    ward = wards()[0].code
    load = f"{os.getloadavg()[0]:.1f}"
    with _Server(db) as (server, link):
        started = time.perf_counter()
        folded = server.run(server._fill_search)
        if folded:
            print(f"search text folded for {folded:,} registrations in"
                  f" {time.perf_counter() - started:.1f} s (once, after an import)")  # fmt: skip
        base = link.split("/dang-nhap/")[0]
        results = measure(base, link, args.rounds, ward, max(1, args.fairs // 2), server.spent)
    cpu = platform.processor() or platform.machine()
    print(
        f"\n{args.registrations:,} registrations, {args.fairs:,} fairs; {args.rounds} requests"
        f" a page, one at a time; {os.cpu_count()} CPUs, {cpu},"
        f" Python {platform.python_version()}\n"
    )
    print(f"load average before: {load}; after: {os.getloadavg()[0]:.1f}\n")
    print("| page | p50 ms | p95 ms | max ms | in the app: p50 | p95 |")
    print("|---|---|---|---|---|---|")
    for label, p50, p95, worst, in50, in95 in results:
        print(f"| {label} | {p50:.1f} | {p95:.1f} | {worst:.1f} | {in50:.1f} | {in95:.1f} |")
    return 0


async def _migrate(db: Path) -> None:
    database = await SqliteDatabase.open(db)
    await database.close()


if __name__ == "__main__":
    raise SystemExit(main())
