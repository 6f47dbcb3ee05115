"""/thong_ke (/stats): the network's figures as text and as a PNG chart."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Final

from bot.core.payloads import Payload
from bot.core.types import Document, Reply
from bot.dialog.router import Turn
from bot.domain.enterprise_terms import ROLE_NAMES as CHAIN_ROLES
from bot.domain.enterprise_terms import STATUS_NAMES, term, ward_label
from bot.domain.sectors import sector_name
from bot.services.fair_view import short_title
from bot.services.figures import Figures, gather
from bot.services.stats_chart import Panel, chart_png

__all__ = ["ShowStats", "panels", "show_stats", "stats_text"]

TOP: Final = 10  # sectors and wards named
WEEKS_IN_TEXT: Final = 6
_STATUSES: Final = ("approved", "pending", "rejected")


def _top(counts: dict[str, int], limit: int = TOP) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def _named(turn: Turn, by: str, counts: dict[str, int]) -> list[tuple[str, int]]:
    """The biggest entries of a breakdown with their names in the user's language."""
    _ = turn._

    def name(key: str) -> str:
        if by == "role":
            return term(CHAIN_ROLES, key, _)
        if by == "sector":
            return sector_name(key, _)
        return ward_label(key, _) if key else _("outside Hanoi")

    return [(name(k), n) for k, n in _top(counts)]


def _joined(pairs: list[tuple[str, int]], turn: Turn) -> str:
    return " · ".join(f"{name} {turn.lang.number(n)}" for name, n in pairs) or "—"


def stats_text(turn: Turn, f: Figures) -> str:
    """Every figure in a few lines."""
    _ = turn._
    lang = turn.lang
    statuses = ", ".join(
        f"{term(STATUS_NAMES, s, _)} {lang.number(f.by_status.get(s, 0))}" for s in _STATUSES
    )
    lines = [
        _("Figures of the network, {date}").format(date=lang.short_datetime(f.at)),
        "",
        _("Registrations: {total} ({statuses})").format(
            total=lang.number(f.total), statuses=statuses
        ),
        _("Not counting the rejected ones:"),
        _("• by role: {list}").format(list=_joined(_named(turn, "role", f.by_role), turn)),
        _("• by craft: {list}").format(list=_joined(_named(turn, "sector", f.by_sector), turn)),
        _("• by ward or commune: {list}").format(
            list=_joined(_named(turn, "ward", f.by_ward), turn)
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
    return "\n".join(lines)


def panels(turn: Turn, f: Figures) -> list[Panel]:
    """The six charts, labelled in the user's language."""
    _ = turn._
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
            labels=[term(STATUS_NAMES, s, _) for s in _STATUSES],
            values=[f.by_status.get(s, 0) for s in _STATUSES],
            empty=nothing,
        ),
        bars(_("By role in the chain"), _named(turn, "role", f.by_role)),
        bars(_("By craft (the 10 largest)"), _named(turn, "sector", f.by_sector)),
        bars(_("By ward or commune (the 10 largest)"), _named(turn, "ward", f.by_ward)),
        Panel(
            title=_("New registrations per week"),
            kind="columns",
            labels=[turn.lang.date(day, "dd/MM") for day, _n in f.weeks],
            values=[n for _day, n in f.weeks],
            empty=nothing,
        ),
        Panel(
            title=_("Booths held at the upcoming fairs"),
            kind="fill",
            labels=[short_title(turn.lang, x.fair, 28) for x in f.fills],
            values=[x.held for x in f.fills],
            totals=[x.fair.booths for x in f.fills],
            legend=[_("held"), _("free")],
            empty=_("No upcoming fair."),
        ),
    ]


@dataclass(frozen=True, slots=True)
class ShowStats(Payload, prefix="stats:show"):
    """The figures: `stats:show`."""


async def show_stats(turn: Turn) -> list[Reply]:
    """The figures as text, then the chart as a PNG file."""
    _ = turn._
    figures = await gather(turn.services, turn.services.settings.tz)
    title = _("Network figures, {date}").format(date=turn.lang.date(figures.at, "dd/MM/yyyy"))
    # Drawing takes a moment: off the event loop, so the channels keep going meanwhile.
    png = await asyncio.to_thread(chart_png, title, panels(turn, figures))
    day = turn.lang.local(figures.at).date().isoformat()
    name = f"thong-ke-{day}.png" if turn.lang.code == "vi" else f"figures-{day}.png"
    chart = Document(filename=name, content=png, mime_type="image/png")
    return [
        Reply(text=stats_text(turn, figures)),
        Reply(text=_("The same figures as a chart."), document=chart),
    ]
