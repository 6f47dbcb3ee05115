"""Files about a fair: the calendar entry (.ics), QR codes, and the QR poster."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterable

from bot.core.clock import utcnow
from bot.core.i18n import Lang
from bot.services.fair_view import fair_dates
from storage.fairs import Fair

__all__ = ["ics", "ics_feed", "poster_png", "qr_png"]


def ics(fair: Fair, lang: Lang, link: str | None = None) -> bytes:
    """An iCalendar file with one VEVENT for the fair, in the fair's local time zone."""
    return ics_feed([(fair, link)], lang)


def ics_feed(fairs: Iterable[tuple[Fair, str | None]], lang: Lang, name: str = "") -> bytes:
    """An iCalendar file with a VEVENT per fair (and its link): the web pages' calendar feed."""
    from icalendar import Calendar, Event  # here, as openpyxl in bot/services/export_tables.py

    cal = Calendar()
    cal.add("prodid", "-//Sở Công Thương Hà Nội//ketnoi//VI")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    for fair, link in fairs:
        event = Event()
        event.add("uid", f"{fair.key}@ketnoi")  # stable: importing it again updates the event
        event.add("dtstamp", utcnow())
        event.add("last-modified", fair.updated_at)
        event.add("dtstart", fair.starts_at.astimezone(lang.tz))
        event.add("dtend", fair.ends_at.astimezone(lang.tz))
        event.add("summary", fair.title(lang.code))
        event.add("location", f"{fair.venue_name}, {fair.venue_address}")
        event.add("geo", (fair.venue_latitude, fair.venue_longitude))
        description = fair.description(lang.code)
        if link:
            description = f"{description}\n\n{link}".strip()
            event.add("url", link)
        event.add("description", description)
        event.add("status", "CANCELLED" if fair.cancelled else "CONFIRMED")
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def qr_png(data: str, scale: int = 8) -> bytes:
    """A plain QR code as PNG."""
    import segno

    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def poster_png(fair: Fair, lang: Lang, link: str) -> bytes:
    """An A5 poster: the fair's title, dates and place, and a large QR code of its link."""
    import matplotlib

    matplotlib.use("Agg")
    import segno
    from matplotlib import pyplot as plt

    _ = lang.gettext
    qr = segno.make(link, error="q")
    matrix = [[0 if dark else 1 for dark in row] for row in qr.matrix_iter(border=4)]
    fig = plt.figure(figsize=(5.83, 8.27), dpi=200)  # A5 portrait
    fig.patch.set_facecolor("white")
    header = fig.add_axes((0, 0.86, 1, 0.14))
    header.set_axis_off()
    header.add_patch(plt.Rectangle((0, 0), 1, 1, color="#1f5f3f", transform=header.transAxes))
    header.text(
        0.5,
        0.62,
        _("Hanoi Department of Industry and Trade"),
        ha="center",
        va="center",
        color="white",
        fontsize=11,
        weight="bold",
    )
    header.text(
        0.5,
        0.3,
        _("Network for sustainable production and consumption of craft villages"),
        ha="center",
        va="center",
        color="white",
        fontsize=7.5,
        wrap=True,
    )
    title = "\n".join(textwrap.wrap(fair.title(lang.code), 34))
    fig.text(0.5, 0.8, title, ha="center", va="top", fontsize=14, weight="bold", color="#1f3f2f")
    details = [
        fair_dates(lang, fair),
        fair.venue_name,
        *textwrap.wrap(fair.venue_address, 60),
    ]
    fig.text(0.5, 0.645, "\n".join(details), ha="center", va="top", fontsize=8.5, linespacing=1.5)
    code = fig.add_axes((0.2, 0.16, 0.6, 0.6 * 5.83 / 8.27))
    code.imshow(matrix, cmap="gray", interpolation="nearest", vmin=0, vmax=1)
    code.set_axis_off()
    fig.text(
        0.5,
        0.115,
        _("Scan to see the fair and apply for a booth in Telegram"),
        ha="center",
        fontsize=9,
        weight="bold",
    )
    fig.text(0.5, 0.075, link, ha="center", fontsize=7.5, color="#333333", family="monospace")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor="white")
    plt.close(fig)
    return buffer.getvalue()
