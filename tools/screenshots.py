"""Screenshots of every web page, at phone (390 px) and desktop (1366 px) width, with realistic
data: a handful of fairs (past, upcoming, cancelled), dozens of registrations with Vietnamese
names, tags, booth applications, a few unanswered questions and staff.

    .venv/bin/python tools/screenshots.py              # PNGs in /tmp/ketnoi-shots
    .venv/bin/python tools/screenshots.py --out DIR --lang en

It serves the pages as `ketnoi run` does (uvicorn on a free loopback port, the bot in a thread
of its own), logs in with a one-time link as the owner, and drives Debian's chromium
(/usr/bin/chromium) with Playwright. Look at the PNGs before calling a page done; do not commit
them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.web import fill
from bot.app import App
from bot.channels.web import WebChannel
from bot.core.config import load_settings
from bot.core.types import UserRef
from bot.services.web_login import login_link
from storage.sqlite import SqliteDatabase

T = TypeVar("T")
WIDTHS = {"phone": (390, 844), "desktop": (1366, 900)}

_FAIRS = [
    # title, English title, days from now it opens, days long, booths, cancelled
    ("Hội chợ Làng nghề Hà Nội mùa xuân", "Hanoi Craft Villages Spring Fair", 20, 4, 120, 0),
    ("Tuần lễ Gốm Bát Tràng", "Bat Trang Ceramics Week", 45, 6, 60, 0),
    ("Phiên chợ Lụa Vạn Phúc", "Van Phuc Silk Market", 75, 2, 40, 1),
    ("Hội chợ Sơn mài Hạ Thái", "Ha Thai Lacquer Fair", 120, 3, 80, 0),
    ("Hội chợ Làng nghề Hà Nội mùa thu", "Hanoi Craft Villages Autumn Fair", -60, 4, 120, 0),
    ("Chợ Tết Làng nghề", "Lunar New Year Craft Market", -300, 7, 200, 0),
    ("Phiên chợ Làng nghề cuối tuần", "Weekend Craft Village Market", -1, 3, 50, 0),  # on now
]
_QUESTIONS = (
    "hoi cho co mat phi khong",
    "toi muon dang ky 3 gian hang duoc khong",
    "co cho do xe o hoi cho khong",
    "lam sao de sua so dien thoai",
)


def seed(path: Path) -> None:
    """The registrations of bench.web (60 of them), then fairs, booths and questions by hand."""
    fill(path, 60, 0, seed=7)
    rnd = random.Random(7)
    now = datetime.now(UTC)
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("BEGIN")
    for n, (vi, en, days, long, booths, cancelled) in enumerate(_FAIRS, start=1):
        opens = (now + timedelta(days=days)).replace(hour=1, minute=0, second=0, microsecond=0)
        c.execute(
            "INSERT INTO fairs (id, key, title_vi, title_en, sectors, starts_at, ends_at,"
            " venue_name, venue_address, venue_latitude, venue_longitude, booths, apply_by,"
            " status, description_vi, description_en, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                n,
                f"hoi-cho-{n}",
                vi,
                en,
                json.dumps(["ceramics", "lacquer"]),
                opens.isoformat(),
                (opens + timedelta(days=long, hours=12)).isoformat(),
                "Cung Văn hóa Hữu nghị Việt Xô",
                "91 Trần Hưng Đạo, Hoàn Kiếm, Hà Nội",
                21.0245,
                105.8412,
                booths,
                (opens - timedelta(days=10)).date().isoformat(),
                "cancelled" if cancelled else "scheduled",
                "Gian hàng 3x3 m, có điện và bàn ghế. Miễn phí cho hộ sản xuất.",
                "3x3 m booths with power, a table and chairs. Free for producers.",
                now.isoformat(),
                now.isoformat(),
            ),
        )
        for i, e in enumerate(rnd.sample(range(1, 61), 18)):
            status = ("allocated", "approved", "approved", "waitlisted", "rejected")[i % 5]
            numbers = json.dumps([f"A{i + 1:02d}"]) if status == "approved" else None
            checked = now.isoformat() if status == "approved" and days < 0 and i < 6 else None
            c.execute(
                "INSERT INTO booth_applications (fair_id, enterprise_id, account_id, booths,"
                " products, status, booth_numbers, checked_in_at, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (n, e, e, 1 + i % 2, "Gốm men lam, bình hoa", status, numbers, checked,
                 now.isoformat(), now.isoformat()),
            )  # fmt: skip
    for i, text in enumerate(_QUESTIONS * 2):
        c.execute(
            "INSERT INTO questions (text, folded, intent, guess, score, user_hash, created_at)"
            " VALUES (?, ?, NULL, NULL, 0.2, ?, ?)",
            (text, text, f"h{i}", now.isoformat()),
        )
    for reporter, reported, reason, seen in (
        (2, 7, "Hẹn lấy hàng rồi không đến, gọi không nghe máy", None),
        (4, 7, "Giao hàng thiếu so với đơn đã thống nhất", None),
        (6, 9, "Nhắn tin quảng cáo liên tục", now.isoformat()),
    ):
        c.execute(
            "INSERT INTO member_reports (reporter_id, reported_id, reason, created_at, seen_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (reporter, reported, reason, now.isoformat(), seen),
        )
    c.execute(
        "INSERT INTO staff_roles (account_id, role, granted_by, granted_at) VALUES"
        " (3, 'moderator', NULL, ?), (5, 'viewer', NULL, ?)",
        (now.isoformat(), now.isoformat()),
    )
    c.execute("COMMIT")
    c.close()


class Server:
    """The bot and its pages on a free port, in a thread of their own."""

    def __init__(self, db: Path) -> None:
        self.settings = load_settings(
            _env_file=None, db_path=db, admins="console:admin", web_listen="127.0.0.1:0"
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.app: App | None = None
        self.web: WebChannel | None = None

    def run(self, fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        return asyncio.run_coroutine_threadsafe(fn(*args), self.loop).result(120)

    async def _open(self) -> str:
        self.app = App(self.settings)
        await self.app.open()
        self.web = WebChannel(self.settings, self.app.router, None)
        await self.web.start()
        svc = self.app.router.services
        await svc.registrations.fill_search()
        return f"http://127.0.0.1:{self.web.server.port}"

    async def link(self) -> str:
        """A fresh one-time login link for the owner."""
        assert self.app is not None and self.web is not None
        svc = self.app.router.services
        user = await svc.users.ensure(UserRef(channel="console", external_id="admin"))
        link, _ = await login_link(self.settings, svc.web_sessions, user)
        return f"http://127.0.0.1:{self.web.server.port}/" + link.split("/", 3)[3]

    async def _close(self) -> None:
        if self.web is not None:
            await self.web.stop()
        if self.app is not None:
            await self.app.close()

    def __enter__(self) -> tuple[Server, str]:
        self.thread.start()
        return self, self.run(self._open)

    def __exit__(self, *exc: object) -> None:
        self.run(self._close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


PUBLIC = [
    ("home", "/"),
    ("fair", "/hoi-cho/hoi-cho-1"),
    ("fair-cancelled", "/hoi-cho/hoi-cho-3"),
    ("fair-past", "/hoi-cho/hoi-cho-5"),
    ("data", "/du-lieu/"),
    ("missing", "/khong-co"),
]
STAFF = [
    ("overview", "/quan-tri"),
    ("registrations", "/quan-tri/dang-ky"),
    ("registrations-pending", "/quan-tri/dang-ky?status=pending"),
    ("registrations-none", "/quan-tri/dang-ky?q=khong+co+ai"),
    ("registration", "/quan-tri/dang-ky/1"),
    ("registration-edit", "/quan-tri/dang-ky/1/sua"),
    ("fairs", "/quan-tri/hoi-cho"),
    ("fairs-past", "/quan-tri/hoi-cho?xem=qua"),
    ("fair", "/quan-tri/hoi-cho/1"),
    ("fair-past", "/quan-tri/hoi-cho/5"),
    ("fair-now", "/quan-tri/hoi-cho/7"),
    ("fair-new", "/quan-tri/hoi-cho/moi"),
    ("fair-clone", "/quan-tri/hoi-cho/moi?tu=5"),
    ("fair-edit", "/quan-tri/hoi-cho/1/sua"),
    ("announcements", "/quan-tri/thong-bao"),
    ("member-reports", "/quan-tri/bao-cao"),
    ("exports", "/quan-tri/xuat"),
    ("questions", "/quan-tri/cau-hoi"),
    ("import", "/quan-tri/nhap"),
    ("audit", "/quan-tri/nhat-ky"),
    ("audit-filtered", "/quan-tri/nhat-ky?viec=web.login"),
    ("roles", "/quan-tri/vai-tro"),
]


_HEADER = ["STT", "Tên cơ sở", "Loại hình", "Ngành nghề", "Xã/phường", "Người liên hệ",
           "Số điện thoại", "Mã số thuế", "Sản phẩm"]  # fmt: skip
_ROWS = [
    [1, "Gốm Minh Hải", "Hộ kinh doanh", "Gốm sứ", "Bát Tràng", "Nguyễn Văn Hải",
     "0912 345 601", "", "Bát đĩa"],
    [2, "HTX mây tre Phú Vinh", "HTX", "may tre dan", "xa phu nghia", "Trần Thị Vinh",
     "0987654602", "0100109106", "Giỏ, làn"],
    [3, "Sơn mài Hạ Thái", "", "Sơn mài; Đồ gỗ", "Duyên Thái", "Lê Văn Thái",
     "+84 912 345 603", "", "Tranh sơn mài"],
]  # fmt: skip


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Danh sách cơ sở làng nghề 2026"])
    sheet.append(_HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _import_shots(page: Any, base: str, work: Path, out: Path, device: str) -> None:
    """The import's preview with errors, then a right list imported with its invitations."""
    wrong = [*_ROWS, [4, "", "Hộ", "gốm", "Không có", "A", "12345", "", ""]]
    page.goto(base + "/quan-tri/nhap")
    page.set_input_files('input[type="file"]', _xlsx(work / f"sai-{device}.xlsx", wrong))
    page.locator("main form button").first.click()
    page.screenshot(path=out / f"staff-import-errors-{device}.png", full_page=True)
    rows = [
        [*r[:6], r[6].replace("60", "70" if device == "phone" else "80"), *r[7:]] for r in _ROWS
    ]
    rows = [[*r[:7], "", r[8]] for r in rows]  # one tax code may be in the list once
    page.goto(base + "/quan-tri/nhap")
    page.set_input_files('input[type="file"]', _xlsx(work / f"dung-{device}.xlsx", rows))
    page.locator("main form button").first.click()
    page.screenshot(path=out / f"staff-import-preview-{device}.png", full_page=True)
    page.locator("main form button").first.click()
    page.screenshot(path=out / f"staff-import-done-{device}.png", full_page=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "ketnoi-shots")
    parser.add_argument("--lang", default="vi")
    parser.add_argument("--only", help="only the pages whose name contains this")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="ketnoi-shots-"))
    db = work / "shots.db"
    asyncio.run(_migrate(db))
    seed(db)
    with Server(db) as (server, base), sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        for device, (width, height) in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(f"{base}/?lang={args.lang}")
            link = server.run(server.link)
            page.goto(link)
            page.screenshot(path=args.out / f"staff-login-{device}.png", full_page=True)
            page.locator("main form button").first.click()
            page.wait_for_url(f"{base}/quan-tri")
            page.goto(link)
            page.screenshot(path=args.out / f"staff-link-spent-{device}.png", full_page=True)
            for group, pages in (("public", PUBLIC), ("staff", STAFF)):
                for name, path in pages:
                    if args.only and args.only not in name:
                        continue
                    page.goto(base + path)
                    shot = args.out / f"{group}-{name}-{device}.png"
                    page.screenshot(path=shot, full_page=True)
                    print(shot)
            if not args.only or "import" in args.only:
                _import_shots(page, base, work, args.out, device)
            page.goto(base + "/quan-tri/cau-hoi")
            page.locator("main details summary").first.click()
            page.screenshot(path=args.out / f"staff-questions-open-{device}.png", full_page=True)
            context.close()
        browser.close()
    return 0


async def _migrate(db: Path) -> None:
    database = await SqliteDatabase.open(db)
    await database.close()


if __name__ == "__main__":
    raise SystemExit(main())
