"""The network's figures for /thong_ke: registrations, booth fill, messages sent, growth."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from bot.core.clock import utcnow
from bot.services.base import Services
from storage.booths import BoothStatus
from storage.fairs import Fair
from storage.reports import SentCounts

__all__ = ["FairFill", "Figures", "gather", "week_start"]

WEEKS = 12
UPCOMING = 8


class FairFill(BaseModel):
    """How full an upcoming fair is."""

    fair: Fair
    held: int  # booths held by allocated, offered and approved applications
    approved: int  # applications approved
    waiting: int  # applications waiting for approval
    waitlisted: int  # applications on the waiting list


class Figures(BaseModel):
    """Everything /thong_ke shows, as of `at`."""

    at: datetime
    by_status: dict[str, int]
    by_role: dict[str, int]
    by_sector: dict[str, int]
    by_ward: dict[str, int]  # ward code, '' for outside Hanoi
    weeks: list[tuple[date, int]]  # local Monday, registrations made that week
    before_weeks: int  # registrations made before the first of those weeks
    fills: list[FairFill]
    sent: list[SentCounts]
    broadcasts: int

    @property
    def total(self) -> int:
        """Every registration, whatever its status."""
        return sum(self.by_status.values())


def week_start(moment: datetime, tz: ZoneInfo) -> date:
    """The local Monday of the week `moment` falls in."""
    day = moment.astimezone(tz).date()
    return day - timedelta(days=day.weekday())


async def gather(svc: Services, tz: ZoneInfo) -> Figures:
    """Read every figure now."""
    now = utcnow()
    first = week_start(now, tz) - timedelta(weeks=WEEKS - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    per_week = dict.fromkeys((first + timedelta(weeks=i) for i in range(WEEKS)), 0)
    for moment in await svc.reports.created_since(since):
        per_week[week_start(moment, tz)] = per_week.get(week_start(moment, tz), 0) + 1
    upcoming, _ = await svc.fairs.upcoming(0, UPCOMING)
    scheduled = [f for f in upcoming if not f.cancelled]
    held = await svc.booths.taken(f.id for f in scheduled)
    approved = await svc.booths.counts(BoothStatus.APPROVED)
    waiting = await svc.booths.counts(BoothStatus.ALLOCATED)
    waitlisted = await svc.booths.counts(BoothStatus.WAITLISTED)
    fills = [
        FairFill(
            fair=f,
            held=held[f.id],
            approved=approved.get(f.id, 0),
            waiting=waiting.get(f.id, 0),
            waitlisted=waitlisted.get(f.id, 0),
        )
        for f in scheduled
    ]
    return Figures(
        at=now,
        by_status={s.value: n for s, n in (await svc.enterprises.count_by_status()).items()},
        by_role=await svc.reports.breakdown("role"),
        by_sector=await svc.reports.breakdown("sector"),
        by_ward=await svc.reports.breakdown("ward"),
        weeks=sorted(per_week.items()),
        before_weeks=await svc.reports.count_before(since),
        fills=fills,
        sent=await svc.reports.sent(),
        broadcasts=await svc.reports.broadcasts(),
    )
