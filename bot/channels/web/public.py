"""The public pages, no login: the upcoming fairs, one fair, the calendar feed, and the fair
calendar as open data. Fairs only: nothing here reads a registration or a person."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import timedelta
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.web.pages import remember, web_of
from bot.core.clock import utcnow
from bot.core.i18n import Lang
from bot.services import fair_media
from bot.services.fair_view import (
    applications_close_at,
    availability,
    deep_link,
    fair_dates,
    fair_times,
    is_open,
    sectors_text,
)
from storage.fairs import Fair

__all__ = ["fair_url", "map_link", "routes"]

PAGE: Final = 20
FEED_PAST: Final = timedelta(days=366)  # the feed keeps last year's fairs in calendars
OPEN_DATA_FRESH: Final = 60.0  # seconds
_OPEN_FIELDS: Final = (
    "key",
    "title_vi",
    "title_en",
    "sectors",
    "starts_at",
    "ends_at",
    "venue_name",
    "venue_address",
    "venue_latitude",
    "venue_longitude",
    "booths",
    "booths_free",
    "apply_by",
    "status",
    "description_vi",
    "description_en",
    "url",
)


def map_link(fair: Fair) -> str:
    """The venue on a map; opens the map app on a phone."""
    return (
        "https://www.google.com/maps/search/?api=1"
        f"&query={fair.venue_latitude},{fair.venue_longitude}"
    )


def fair_url(request: Request, fair: Fair) -> str:
    """The fair's page, as an absolute address (the public root when configured)."""
    root = web_of(request).router.services.settings.web_url or str(request.base_url).rstrip("/")
    return f"{root}/hoi-cho/{fair.key}"


def _card(lang: Lang, fair: Fair, taken: int) -> dict[str, Any]:
    """What a fair's entry shows, worked out once for the templates."""
    over = fair.ends_at <= utcnow()
    return {
        "fair": fair,
        "title": fair.title(lang.code),
        "dates": fair_dates(lang, fair),
        "times": fair_times(lang, fair),
        "sectors": sectors_text(lang, fair),
        "over": over,
        "open": is_open(lang, fair),
        "availability": None if over or fair.cancelled else availability(lang, fair, taken),
        "free": max(fair.booths - taken, 0),
        "apply_by": lang.date(fair.apply_by),
        "closed_on": lang.date(applications_close_at(lang, fair)),
        "map": map_link(fair),
    }


async def home(request: Request) -> Response:
    """The upcoming fairs, soonest first, as /hoi_cho lists them."""
    web = web_of(request)
    svc = web.router.services
    lang = web.lang(request)
    page = _page_number(request)
    fairs, total = await svc.fairs.upcoming((page - 1) * PAGE, PAGE)
    taken = await svc.booths.taken(f.id for f in fairs)
    cards = [_card(lang, f, taken[f.id]) for f in fairs]
    pages = max(1, -(-total // PAGE))
    return web.page(request, "public/home.html", cards=cards, page=page, pages=pages, total=total)


async def fair_page(request: Request) -> Response:
    """One fair: when, where, booths left, and how to apply."""
    web = web_of(request)
    svc = web.router.services
    lang = web.lang(request)
    fair = await svc.fairs.by_key(request.path_params["key"])
    if fair is None:
        return web.page(request, "public/missing.html", status_code=404)
    taken = (await svc.booths.taken([fair.id]))[fair.id]
    settings = svc.settings
    return web.page(
        request,
        "public/fair.html",
        card=_card(lang, fair, taken),
        description=fair.description(lang.code),
        telegram=deep_link(settings.telegram_username, fair),
        zalo=settings.zalo_url,
        url=fair_url(request, fair),
    )


async def calendar_feed(request: Request) -> Response:
    """Every fair of the last year and to come, as a calendar people subscribe to."""
    web = web_of(request)
    lang = web.lang(request)
    since = utcnow() - FEED_PAST
    fairs = [f for f in await web.router.services.fairs.all() if f.ends_at > since]
    body = fair_media.ics_feed(
        [(f, fair_url(request, f)) for f in fairs],
        lang,
        lang.gettext("Craft village fairs of Hanoi"),
    )
    response = Response(body, media_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="hoi-cho.ics"'
    remember(request, response)
    return response


async def _open_rows(request: Request) -> list[dict[str, Any]]:
    """Every fair as a row of open data: the calendar, its booths, nothing about anyone; made
    at most once a minute (a thousand fairs take some 90 ms)."""
    web = web_of(request)
    kept = web.kept.get("open_data")
    if kept is not None and time.monotonic() - kept[0] < OPEN_DATA_FRESH:
        rows: list[dict[str, Any]] = kept[1]
        return rows
    rows = await _read_open_rows(request)
    web.kept["open_data"] = (time.monotonic(), rows)
    return rows


async def _read_open_rows(request: Request) -> list[dict[str, Any]]:
    svc = web_of(request).router.services
    fairs = await svc.fairs.all()
    taken = await svc.booths.taken(f.id for f in fairs)
    tz = svc.settings.tz
    rows = []
    for f in fairs:
        rows.append(
            {
                "key": f.key,
                "title_vi": f.title_vi,
                "title_en": f.title_en,
                "sectors": f.sectors,
                "starts_at": f.starts_at.astimezone(tz).isoformat(),
                "ends_at": f.ends_at.astimezone(tz).isoformat(),
                "venue_name": f.venue_name,
                "venue_address": f.venue_address,
                "venue_latitude": f.venue_latitude,
                "venue_longitude": f.venue_longitude,
                "booths": f.booths,
                "booths_free": max(f.booths - taken[f.id], 0),
                "apply_by": f.apply_by.isoformat(),
                "status": f.status.value,
                "description_vi": f.description_vi,
                "description_en": f.description_en,
                "url": fair_url(request, f),
            }
        )
    return rows


async def open_json(request: Request) -> Response:
    """The fair calendar as JSON."""
    rows = await _open_rows(request)
    body = json.dumps({"fairs": rows}, ensure_ascii=False, indent=1)
    return Response(body, media_type="application/json; charset=utf-8")


async def open_csv(request: Request) -> Response:
    """The fair calendar as CSV (UTF-8 with a BOM, which Excel needs to read Vietnamese)."""
    rows = await _open_rows(request)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_OPEN_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "sectors": ";".join(row["sectors"])})
    response = Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="hoi-cho.csv"'
    return response


async def open_data(request: Request) -> Response:
    """What the open data holds and where it is."""
    return web_of(request).page(request, "public/data.html", fields=_OPEN_FIELDS)


async def robots(request: Request) -> Response:
    """Search engines may read the calendar, not the staff pages."""
    return PlainTextResponse("User-agent: *\nDisallow: /quan-tri\nDisallow: /dang-nhap\n")


def _page_number(request: Request) -> int:
    raw = request.query_params.get("trang", "1")
    return max(1, int(raw)) if raw.isdigit() else 1


def routes() -> list[BaseRoute]:
    """The public addresses."""
    return [
        Route("/", home),
        Route("/hoi-cho/{key}", fair_page),
        Route("/hoi-cho.ics", calendar_feed),
        Route("/du-lieu", open_data),
        Route("/du-lieu/hoi-cho.json", open_json),
        Route("/du-lieu/hoi-cho.csv", open_csv),
        Route("/robots.txt", robots),
    ]
