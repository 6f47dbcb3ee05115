"""/thong_ke (/stats): the network's figures as text and as a PNG chart."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Final

from bot.core.payloads import Payload
from bot.core.types import Document, Reply
from bot.dialog.router import Turn
from bot.domain.enterprise_terms import STATUS_NAMES, term
from bot.domain.sectors import sector_name
from bot.services.fair_view import short_title
from bot.services.figures import STATUSES, Figures, gather, named, panels
from bot.services.link_figures import LinkLine, by, pair_name
from bot.services.stats_chart import chart_png

__all__ = ["ShowStats", "show_stats", "stats_text"]

WEEKS_IN_TEXT: Final = 6


def _joined(pairs: list[tuple[str, int]], turn: Turn) -> str:
    return " · ".join(f"{name} {turn.lang.number(n)}" for name, n in pairs) or "—"


def stats_text(turn: Turn, f: Figures) -> str:
    """Every figure in a few lines."""
    _ = turn._
    lang = turn.lang
    statuses = ", ".join(
        f"{term(STATUS_NAMES, s, _)} {lang.number(f.by_status.get(s, 0))}" for s in STATUSES
    )
    lines = [
        _("Figures of the network, {date}").format(date=lang.short_datetime(f.at)),
        "",
        _("Registrations: {total} ({statuses})").format(
            total=lang.number(f.total), statuses=statuses
        ),
        _("Not counting the rejected ones:"),
        _("• by role: {list}").format(list=_joined(named(turn.lang, "role", f.by_role), turn)),
        _("• by craft: {list}").format(list=_joined(named(turn.lang, "sector", f.by_sector), turn)),
        _("• by ward or commune: {list}").format(
            list=_joined(named(turn.lang, "ward", f.by_ward), turn)
        ),
        _("New registrations per week (from Monday): {list}").format(
            list=" · ".join(
                f"{lang.date(day, 'dd/MM')} +{n}" for day, n in f.weeks[-WEEKS_IN_TEXT:]
            )
        ),
        "",
        _("Booths of the upcoming fairs:") if f.fills else _("No upcoming fair."),
    ]
    for fill in f.fills:
        lines.append(
            _(
                "• {title} ({date}): {held} of {total} booths held; {approved} approved,"
                " {waiting} to approve, {waitlisted} on the waiting list"
            ).format(
                title=short_title(lang, fill.fair, 40),
                date=lang.date(fill.fair.starts_at, "dd/MM"),
                held=lang.number(fill.held),
                total=lang.number(fill.fair.booths),
                approved=fill.approved,
                waiting=fill.waiting,
                waitlisted=fill.waitlisted,
            )
        )
    sent = {s.kind: s for s in f.sent}
    lines += [
        "",
        _("Messages: reminders {sent} sent, {waiting} waiting, {failed} failed").format(
            sent=sent["reminder"].sent,
            waiting=sent["reminder"].waiting,
            failed=sent["reminder"].failed,
        ),
        _(
            "Broadcasts: {count} made; {sent} messages sent, {waiting} waiting, {failed} failed"
        ).format(
            count=f.broadcasts,
            sent=sent["broadcast"].sent,
            waiting=sent["broadcast"].waiting,
            failed=sent["broadcast"].failed,
        ),
    ]
    lines += ["", *_link_lines(turn, f)]
    unreachable = sum(s.unreachable for s in f.sent)
    if unreachable or f.templates:
        lines.append(
            _(
                "Out of reach: {n} (on the Zalo OA, silent for more than 7 days, with no template"
                " message to go by)"
            ).format(n=lang.number(unreachable))
        )
    if f.templates:
        day, week, month = (f.templates[d] for d in (1, 7, 30))
        lines.append(
            _(
                "Zalo OA template messages: {day} today, {week} in 7 days, {month} in 30 days;"
                " cost {week_cost} ₫ in 7 days, {month_cost} ₫ in 30 days; {failed} failed in"
                " 30 days; {after} customer-service messages after the free 48 hours in 30 days"
            ).format(
                day=lang.number(day.sent),
                week=lang.number(week.sent),
                month=lang.number(month.sent),
                week_cost=lang.number(week.cost),
                month_cost=lang.number(month.cost),
                failed=lang.number(month.failed),
                after=lang.number(month.after_48h),
            )
        )
    return "\n".join(lines)


def _link_lines(turn: Turn, f: Figures) -> list[str]:
    """The links members made: per month, by pair along the chain, by craft."""
    _ = turn._
    total = by(f.links, "month")
    asked = sum(x.asked for x in total.values())
    if not asked:
        return [_("Links between members: no request to connect yet.")]

    def counts(x: LinkLine) -> str:
        return _("{asked} asked, {accepted} accepted, {declined} declined").format(
            asked=x.asked, accepted=x.accepted, declined=x.declined
        )

    lines = [_("Links between members (requests to connect):")]
    lines += [f"• {month}: {counts(x)}" for month, x in list(total.items())[-6:]]
    lines.append(_("By pair along the chain:"))
    lines += [
        f"• {pair_name(pair, turn.lang)}: {counts(x)}"
        for pair, x in by(f.links, "chain_pair").items()
    ]
    lines.append(_("By craft:"))
    lines += [
        f"• {sector_name(key, _) if key else _('no craft')}: {counts(x)}"
        for key, x in by(f.links, "sector").items()
    ]
    return lines


@dataclass(frozen=True, slots=True)
class ShowStats(Payload, prefix="stats:show"):
    """The figures: `stats:show`."""


async def show_stats(turn: Turn) -> list[Reply]:
    """The figures as text, then the chart as a PNG file."""
    _ = turn._
    figures = await gather(turn.services, turn.services.settings.tz)
    title = _("Network figures, {date}").format(date=turn.lang.date(figures.at, "dd/MM/yyyy"))
    # Drawing takes a moment: off the event loop, so the channels keep going meanwhile.
    png = await asyncio.to_thread(chart_png, title, panels(turn.lang, figures))
    day = turn.lang.local(figures.at).date().isoformat()
    name = f"thong-ke-{day}.png" if turn.lang.code == "vi" else f"figures-{day}.png"
    chart = Document(filename=name, content=png, mime_type="image/png")
    return [
        Reply(text=stats_text(turn, figures)),
        Reply(text=_("The same figures as a chart."), document=chart),
    ]
