"""/quan-tri: the figures of /thong_ke (with their chart) and what waits for the staff."""

from __future__ import annotations

import asyncio
import time
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from bot.channels.web.auth import Staff, staff_page
from bot.channels.web.pages import web_of
from bot.channels.web.staff import render
from bot.domain.enterprise_terms import STATUS_NAMES, term
from bot.services.fair_view import short_title
from bot.services.figures import STATUSES, Figures, gather, named, panels
from bot.services.permissions import Permission
from bot.services.stats_chart import chart_png
from storage.booths import BoothStatus

__all__ = ["chart", "overview"]

FRESH: Final = 60.0  # seconds the figures are shown before they are read again


async def _figures(request: Request) -> Figures:
    """The figures of /thong_ke, read at most once a minute: with 200,000 registrations their
    breakdowns take more than a second to count (BENCHMARKS.md, Web pages)."""
    web = web_of(request)
    kept = web.kept.get("figures")
    if kept is not None and time.monotonic() - kept[0] < FRESH:
        figures: Figures = kept[1]
        return figures
    svc = web.router.services
    figures = await gather(svc, svc.settings.tz)
    web.kept["figures"] = (time.monotonic(), figures)
    return figures


@staff_page(Permission.STAFF)
async def overview(request: Request, staff: Staff) -> Response:
    """The figures, and the queues this role can work on."""
    svc = web_of(request).router.services
    lang = staff.lang
    _ = lang.gettext
    f = await _figures(request)
    waiting: dict[str, int] = {}
    if staff.may(Permission.REVIEW):
        waiting["registrations"] = await svc.registrations.count_pending()
    if staff.may(Permission.BOOTHS):
        waiting["booths"] = sum((await svc.booths.counts(BoothStatus.ALLOCATED)).values())
    if staff.may(Permission.FAQ):
        waiting["questions"] = len(await svc.questions.unanswered(limit=1000))
    if staff.may(Permission.BROADCAST):
        waiting["broadcasts"] = len(await svc.broadcasts.sending())
    sent = {s.kind: s for s in f.sent}
    return await render(
        request,
        staff,
        "staff/overview.html",
        f=f,
        statuses=[(term(STATUS_NAMES, s, _), f.by_status.get(s, 0)) for s in STATUSES],
        by_role=named(lang, "role", f.by_role),
        by_sector=named(lang, "sector", f.by_sector),
        by_ward=named(lang, "ward", f.by_ward),
        fills=[(short_title(lang, x.fair, 60), x) for x in f.fills],
        sent=sent,
        waiting=waiting,
    )


@staff_page(Permission.STATS)
async def chart(request: Request, staff: Staff) -> Response:
    """The figures as the PNG chart /thong_ke sends."""
    lang = staff.lang
    f = await _figures(request)
    title = lang.gettext("Network figures, {date}").format(date=lang.date(f.at, "dd/MM/yyyy"))
    png = await asyncio.to_thread(chart_png, title, panels(lang, f))
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=60"})
