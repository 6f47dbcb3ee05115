"""The values a notice carries for a template message (bot.core.notices): in Vietnamese, the
language the Department registers its templates in, with numeric dates in local time."""

from __future__ import annotations

from datetime import datetime

from bot.core.i18n import Lang
from storage.fairs import Fair

__all__ = ["day", "fair_values", "moment"]


def day(lang: Lang, when: datetime) -> str:
    """A local date: 10/12/2026."""
    return lang.local(when).strftime("%d/%m/%Y")


def moment(lang: Lang, when: datetime) -> str:
    """A local time and date: 23:59 01/12/2026."""
    return lang.local(when).strftime("%H:%M %d/%m/%Y")


def fair_values(lang: Lang, fair: Fair) -> dict[str, str]:
    """A fair as the notice fields `fair`, `date`, `time` and `venue`."""
    return {
        "fair": fair.title("vi"),
        "date": day(lang, fair.starts_at),
        "time": lang.local(fair.starts_at).strftime("%H:%M"),
        "venue": f"{fair.venue_name}, {fair.venue_address}",
    }
