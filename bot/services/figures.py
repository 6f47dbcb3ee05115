"""The network's figures for /thong_ke: registrations, booth fill, messages sent, growth."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from bot.core.clock import utcnow
from bot.core.i18n import Lang
from bot.domain.enterprise_terms import ROLE_NAMES as CHAIN_ROLES
from bot.domain.enterprise_terms import STATUS_NAMES, term, ward_label
from bot.domain.sectors import sector_name
from bot.services.base import Services
from bot.services.fair_view import short_title
from bot.services.link_figures import LinkLine, by, link_lines
from bot.services.stats_chart import Panel
from storage.booths import BoothStatus
from storage.fairs import Fair
from storage.reports import SentCounts, TemplateCounts

__all__ = ["STATUSES", "FairFill", "Figures", "gather", "named", "panels", "week_start"]

WEEKS = 12
UPCOMING = 8
TEMPLATE_PERIODS = (1, 7, 30)  # days
TOP: Final = 10  # sectors and wards named
STATUSES: Final = ("approved", "pending", "rejected")


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
    # Zalo OA template messages (paid each) over the last day, 7 days and 30 days; empty when
    # the OA is not configured and none was ever sent
    templates: dict[int, TemplateCounts] = Field(default_factory=dict)
    # links between members: requests by local month, pair along the chain and craft
    links: list[LinkLine] = Field(default_factory=list)

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
        templates=await _templates(svc, now),
        links=link_lines(await svc.chain.link_rows(), tz),
    )


async def _templates(svc: Services, now: datetime) -> dict[int, TemplateCounts]:
    """Template messages over each period, if there is an OA or ever were any."""
    ever = await svc.reports.template_messages()
    if not svc.settings.zalo_oa and not (ever.sent or ever.failed):
        return {}
    return {
        days: await svc.reports.template_messages(now - timedelta(days=days))
        for days in TEMPLATE_PERIODS
    }


def _top(counts: dict[str, int], limit: int = TOP) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def named(lang: Lang, by: str, counts: dict[str, int]) -> list[tuple[str, int]]:
    """The biggest entries of a breakdown (role, sector, ward) with their names in `lang`."""
    _ = lang.gettext

    def name(key: str) -> str:
        if by == "role":
            return term(CHAIN_ROLES, key, _)
        if by == "sector":
            return sector_name(key, _)
        return ward_label(key, _) if key else _("outside Hanoi")

    return [(name(k), n) for k, n in _top(counts)]


def panels(lang: Lang, f: Figures) -> list[Panel]:
    """The seven charts of /thong_ke and the staff overview, labelled in `lang`."""
    _ = lang.gettext
    nothing = _("nothing yet")

    def bars(title: str, pairs: list[tuple[str, int]]) -> Panel:
        return Panel(
            title=title,
            kind="bars",
            labels=[p[0] for p in pairs],
            values=[p[1] for p in pairs],
            empty=nothing,
        )

    return [
        Panel(
            title=_("Registrations by status"),
            kind="columns",
            labels=[term(STATUS_NAMES, s, _) for s in STATUSES],
            values=[f.by_status.get(s, 0) for s in STATUSES],
            empty=nothing,
        ),
        bars(_("By role in the chain"), named(lang, "role", f.by_role)),
        bars(_("By craft (the 10 largest)"), named(lang, "sector", f.by_sector)),
        bars(_("By ward or commune (the 10 largest)"), named(lang, "ward", f.by_ward)),
        Panel(
            title=_("New registrations per week"),
            kind="columns",
            labels=[lang.date(day, "dd/MM") for day, _n in f.weeks],
            values=[n for _day, n in f.weeks],
            empty=nothing,
        ),
        Panel(
            title=_("Booths held at the upcoming fairs"),
            kind="fill",
            labels=[short_title(lang, x.fair, 28) for x in f.fills],
            values=[x.held for x in f.fills],
            totals=[x.fair.booths for x in f.fills],
            legend=[_("held"), _("free")],
            empty=_("No upcoming fair."),
        ),
        Panel(
            title=_("Links between members per month (accepted of asked)"),
            kind="fill",
            labels=list(by(f.links, "month")),
            values=[x.accepted for x in by(f.links, "month").values()],
            totals=[x.asked for x in by(f.links, "month").values()],
            legend=[_("accepted"), _("not accepted (yet)")],
            empty=nothing,
        ),
    ]
