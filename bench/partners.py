"""How fast members find each other: `python -m bench.partners [--members N]`.

Fills a fresh database with N approved members (half of them findable) across the crafts and
Hanoi's wards, then types search questions as a shop would, through the real router (reading
the question, the SQL filter, ranking with rapidfuzz, one page of results), and prints the
median, 99th percentile and slowest search (after one warm-up question, which builds the
question reader from the FAQ once, as the first question after a start does).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.app import App
from bot.core.config import Settings
from bot.core.types import Incoming, Kind, UserRef
from bot.domain.places import wards
from bot.domain.sectors import SECTORS
from storage.enterprises import ROLES, EnterpriseFields, EnterpriseStatus

SEARCHES = (
    "tim nha cung cap men gom",
    "ai ban buon may tre dan",
    "co so lua van phuc",
    "looking for a ceramics distributor",
    "tìm cơ sở sản xuất đồ gỗ ở Sơn Đồng",
    "/tim gom bat trang",
    "can tim nguoi mua hang theu",
)
PRODUCTS = ("Bát đĩa men lam", "Men gốm, đất sét", "Giỏ mây, khay tre", "Khăn lụa", "Tượng gỗ")


async def fill(app: App, n: int) -> UserRef:
    """N approved members, every other one findable; the shop that searches."""
    svc = app.router.services
    rng = random.Random(20)
    codes = [w.code for w in wards()]
    sectors = [s for s in SECTORS if s != "other"]
    now = datetime.now(UTC)
    async with svc.db.transaction():
        for i in range(n + 1):
            ref = UserRef("console", f"m{i}")
            user = await svc.users.ensure(ref)
            fields = EnterpriseFields(
                name=f"Cơ sở số {i}",
                kind="household",
                roles=[ROLES[2]] if i == n else [rng.choice(ROLES)],
                sectors=[rng.choice(sectors)],
                ward_code=rng.choice(codes),
                contact_name="Nguyễn Văn A",
                phone=f"+8491{i:07d}",
                products=rng.choice(PRODUCTS),
                practices=["none_yet"],
                findable=i % 2 == 0,
            )
            e = await svc.enterprises.create(user.account_id, fields, now)
            await svc.enterprises.set_status(e.id, EnterpriseStatus.APPROVED)
    return UserRef("console", f"m{n}")


async def run(n: int, rounds: int) -> list[float]:
    """Milliseconds of each search."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, db_path=Path(tmp) / "bench.db")  # type: ignore[call-arg]
        async with App(settings) as app:
            shop = await fill(app, n)
            # the first question builds the reader from the FAQ once (as after a restart)
            await app.router.handle(Incoming(user=shop, kind=Kind.TEXT, text="xin chao"))
            times = []
            for _ in range(rounds):
                for text in SEARCHES:
                    kind = Kind.COMMAND if text.startswith("/") else Kind.TEXT
                    started = time.perf_counter()
                    await app.router.handle(Incoming(user=shop, kind=kind, text=text))
                    times.append((time.perf_counter() - started) * 1000)
            return times


def main() -> None:
    """Prints the figures."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--members", type=int, default=10_000)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    times = sorted(asyncio.run(run(args.members, args.rounds)))
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(
        f"{args.members} members, {len(times)} searches: p50 {statistics.median(times):.1f} ms,"
        f" p99 {p99:.1f} ms, max {times[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
