"""What staff type when they describe a fair in the chat: dates as Vietnamese write them
(10/12/2026 8h30), map coordinates, and the key made from the title."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

from bot.domain.textnorm import fold

__all__ = ["make_key", "parse_coordinates", "parse_day", "parse_moment", "parse_numbers"]

_DMY: Final = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?!\d)")
_YMD: Final = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
# 08:00, 8:30, 8h, 8h30, 8g30 (giờ)
_TIME: Final = re.compile(r"(?<![\d/.-])(\d{1,2})\s*(?::\s*(\d{2})|[hHgG]\s*(\d{2})?)(?![\d/])")
_COORDS: Final = re.compile(r"(-?\d{1,3}\.\d+)\s*[,; ]\s*(-?\d{1,3}\.\d+)")
KEY_WORDS_MAX: Final = 40


def _date(text: str) -> tuple[date, str] | None:
    """The first date in `text` and the text without it."""
    for pattern, order in ((_YMD, (0, 1, 2)), (_DMY, (2, 1, 0))):
        m = pattern.search(text)
        if m is None:
            continue
        year, month, day = (int(m.group(i + 1)) for i in order)
        try:
            return date(year, month, day), text[: m.start()] + " " + text[m.end() :]
        except ValueError:
            return None
    return None


def _time(text: str) -> time | None:
    m = _TIME.search(text)
    if m is None:
        return None
    hour, minute = int(m[1]), int(m[2] or m[3] or 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None


def parse_day(text: str) -> date | None:
    """`01/12/2026`, `1-12-2026` or `2026-12-01`; None if there is no real date."""
    found = _date(text)
    return found[0] if found else None


def parse_moment(text: str, tz: ZoneInfo, day: date | None = None) -> datetime | None:
    """A local date and time (`10/12/2026 08:00`, `8h30 10/12/2026`, `2026-12-10 08:00`) as an
    aware datetime; a time alone falls on `day` when one is given."""
    found = _date(text)
    if found is None and (day is None or _DMY.search(text) or _YMD.search(text)):
        return None  # no date, or one that does not exist (31/02)
    on, rest = found if found else (day, text)
    at = _time(rest)
    if on is None or at is None:
        return None
    return datetime.combine(on, at, tzinfo=tz)


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """Latitude and longitude from `20.977, 105.915` or a map link holding them."""
    m = _COORDS.search(text)
    if m is None:
        return None
    lat, lon = float(m[1]), float(m[2])
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def make_key(title: str, year: int, taken: Collection[str]) -> str:
    """`hoi-cho-gom-su-bat-trang-2026` from the title, unique among `taken`."""
    words: list[str] = []
    for word in fold(title).split():
        if len("-".join([*words, word])) > KEY_WORDS_MAX:
            break
        words.append(word)
    if str(year) not in words:
        words.append(str(year))
    base = "-".join(words) or f"fair-{year}"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


_BOOTH_NUMBER: Final = re.compile(r"^[A-Z0-9][A-Z0-9.-]{0,9}$")


def parse_numbers(text: str) -> list[str] | None:
    """`12, 13` or `A12 A13` -> ['12', '13'] / ['A12', 'A13']; None if a part is not a number."""
    parts = [p for p in re.split(r"[,;\s]+", text.strip().upper()) if p]
    if not parts or not all(_BOOTH_NUMBER.match(p) for p in parts):
        return None
    return parts
