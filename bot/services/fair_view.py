"""How fairs and booth applications read, in the reader's language (handlers and notices)."""

from __future__ import annotations

from datetime import datetime, time

from bot.core.clock import utcnow
from bot.core.config import Settings
from bot.core.i18n import N_, Lang
from bot.core.types import Venue
from bot.domain.sectors import sector_name
from storage.booths import BoothApplication, BoothStatus
from storage.fairs import Fair

__all__ = [
    "STATUS_NAMES",
    "application_lines",
    "applications_close_at",
    "availability",
    "deep_link",
    "fair_dates",
    "fair_summary",
    "fair_times",
    "is_open",
    "page_link",
    "sectors_text",
    "share_link",
    "short_title",
    "venue",
]

STATUS_NAMES: dict[BoothStatus, str] = {
    BoothStatus.ALLOCATED: N_("booths held, waiting for the Department's approval"),
    BoothStatus.WAITLISTED: N_("on the waiting list"),
    BoothStatus.OFFERED: N_("booths offered to you: please answer"),
    BoothStatus.APPROVED: N_("approved"),
    BoothStatus.REJECTED: N_("not accepted"),
    BoothStatus.WITHDRAWN: N_("withdrawn"),
    BoothStatus.DECLINED: N_("offer declined"),
    BoothStatus.EXPIRED: N_("offer expired"),
}


def deep_link(username: str, fair: Fair) -> str:
    """The Telegram link that opens the fair's card."""
    return f"https://t.me/{username.lstrip('@')}?start=fair_{fair.key}"


def page_link(settings: Settings, fair: Fair) -> str | None:
    """The fair's public web page, when the pages have a public address."""
    return f"{settings.web_root}/hoi-cho/{fair.key}" if settings.web_public else None


def share_link(settings: Settings, fair: Fair, channel: str) -> str | None:
    """The link to share a fair with, one that opens on the person's own app: on Zalo, which
    opens no Telegram link, the fair's web page, or none when the pages are not public;
    elsewhere the Telegram link that opens its card."""
    if channel in ("zalo", "zalo_oa"):
        return page_link(settings, fair)
    return deep_link(settings.telegram_username, fair)


def short_title(lang: Lang, fair: Fair, limit: int = 48) -> str:
    """The title cut to fit a button."""
    title = fair.title(lang.code)
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def fair_dates(lang: Lang, fair: Fair) -> str:
    """`Thứ Năm, 10 tháng 12, 2026 – Thứ Hai, 14 tháng 12, 2026` (one date for a one-day fair)."""
    start, end = lang.date(fair.starts_at), lang.date(fair.ends_at)
    return start if start == end else f"{start} – {end}"


def fair_times(lang: Lang, fair: Fair) -> str:
    """Opening and closing with their times."""
    return lang.gettext("Opens {start}; closes {end}").format(
        start=lang.date_time(fair.starts_at), end=lang.date_time(fair.ends_at)
    )


def sectors_text(lang: Lang, fair: Fair) -> str:
    """The fair's sectors by name."""
    return ", ".join(sector_name(k, lang.gettext) for k in fair.sectors)


def applications_close_at(lang: Lang, fair: Fair) -> datetime:
    """When applications close: the end of apply_by (local), or the opening if earlier."""
    end_of_day = datetime.combine(fair.apply_by, time(23, 59, 59), tzinfo=lang.tz)
    return min(end_of_day, fair.starts_at)


def is_open(lang: Lang, fair: Fair) -> bool:
    """Whether the fair takes applications now."""
    return not fair.cancelled and utcnow() <= applications_close_at(lang, fair)


def availability(lang: Lang, fair: Fair, taken: int) -> str:
    """`Booths: 12 of 80 free` or that none is left."""
    free = max(fair.booths - taken, 0)
    if free == 0:
        return lang.gettext("Booths: all {total} taken (waiting list open)").format(
            total=lang.number(fair.booths)
        )
    return lang.gettext("Booths: {free} of {total} free").format(
        free=lang.number(free), total=lang.number(fair.booths)
    )


def venue(fair: Fair) -> Venue:
    """The fair's place, for a map pin."""
    return Venue(
        title=fair.venue_name,
        address=fair.venue_address,
        latitude=fair.venue_latitude,
        longitude=fair.venue_longitude,
    )


def fair_summary(lang: Lang, fair: Fair, taken: int) -> str:
    """The lines a fair gets in a list: title, dates, place, sectors, booths, deadline."""
    _ = lang.gettext
    lines = [fair.title(lang.code)]
    if fair.cancelled:
        lines[0] = _("CANCELLED: {title}").format(title=lines[0])
    lines.append("📅 " + fair_dates(lang, fair))
    lines.append("📍 " + f"{fair.venue_name}, {fair.venue_address}")
    lines.append(_("Sectors: {sectors}").format(sectors=sectors_text(lang, fair)))
    if fair.ends_at <= utcnow():
        lines.append(_("Booths: {total}").format(total=lang.number(fair.booths)))
    elif not fair.cancelled:
        lines.append(availability(lang, fair, taken))
        if is_open(lang, fair):
            lines.append(_("Apply by: {date}").format(date=lang.date(fair.apply_by)))
        else:
            lines.append(_("Applications are closed."))
    return "\n".join(lines)


def application_lines(
    lang: Lang, app: BoothApplication, fair: Fair, position: int = 0
) -> list[str]:
    """What an applicant sees of their application."""
    _ = lang.gettext
    lines = [
        fair.title(lang.code),
        "📅 " + fair_dates(lang, fair),
        lang.ngettext("{n} booth", "{n} booths", app.booths).format(n=app.booths)
        + " · "
        + _(STATUS_NAMES[app.status]),
    ]
    if fair.cancelled:
        lines.append(_("The Department has cancelled this fair."))
    if app.status is BoothStatus.WAITLISTED and position:
        lines.append(_("Your place on the waiting list: {position}").format(position=position))
    if app.status is BoothStatus.OFFERED and app.offer_expires_at is not None:
        lines.append(
            _("The offer holds until {moment}.").format(moment=lang.date_time(app.offer_expires_at))
        )
    if app.status is BoothStatus.APPROVED:
        lines.append(_("Booth numbers: {numbers}").format(numbers=", ".join(app.booth_numbers)))
    if app.status is BoothStatus.REJECTED and app.reason:
        lines.append(_("Reason: {reason}").format(reason=app.reason))
    lines.append(_("Products: {products}").format(products=app.products))
    if app.needs:
        lines.append(_("Special needs: {needs}").format(needs=app.needs))
    return lines
