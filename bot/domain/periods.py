"""Time in what producers type: "tháng 12", "t12", "December", "tuần sau", "cuối năm", "Tết".

Works on folded words (`textnorm.fold`) and returns the period meant, relative to `today`.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict

__all__ = ["Period", "find_period"]


class Period(BaseModel):
    """A span of days, both ends included."""

    model_config = ConfigDict(frozen=True)

    start: date
    end: date

    def overlaps(self, start: date, end: date) -> bool:
        """Whether [start, end] shares a day with this period."""
        return start <= self.end and end >= self.start


# Lunar New Year's day; a "Tết" fair is held in the month before it.
_TET: Final = [
    date(2026, 2, 17),
    date(2027, 2, 6),
    date(2028, 1, 26),
    date(2029, 2, 13),
    date(2030, 2, 3),
    date(2031, 1, 23),
    date(2032, 2, 11),
    date(2033, 1, 31),
]

_MONTH_WORDS: Final = {
    "mot": 1,
    "gieng": 1,
    "hai": 2,
    "ba": 3,
    "tu": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
    "muoi mot": 11,
    "muoi hai": 12,
    "chap": 12,
}
_ENGLISH_MONTHS: Final = {
    name: i
    for i in range(1, 13)
    for name in {calendar.month_name[i].lower(), calendar.month_abbr[i].lower()}
    if name != "may"  # "may" is also Vietnamese (mây, máy, may)
} | {"sept": 9}
_SHORT_MONTH: Final = re.compile(r"^(?:t|th|thang)(\d{1,2})$")
_SLASH: Final = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2}|\d{4})\b")


def _month(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(start=date(year, month, 1), end=date(year, month, last))


def _next_month(today: date, month: int, year: int | None = None) -> Period:
    """Month `month` of `year`, or its next occurrence (this month counts)."""
    if year is None:
        year = today.year if month >= today.month else today.year + 1
    return _month(year, month)


def _week(today: date, weeks_ahead: int) -> Period:
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)
    return Period(start=max(monday, today), end=monday + timedelta(days=6))


def _weekend(today: date) -> Period:
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    if today.weekday() == 6:
        saturday = today
    return Period(start=saturday, end=saturday + timedelta(days=6 - saturday.weekday()))


def _rest_of_month(today: date, from_day: int = 1) -> Period:
    month = _month(today.year, today.month)
    return Period(start=max(today, today.replace(day=from_day)), end=month.end)


def _following_month(today: date) -> Period:
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return _month(year, month)


def _end_of_year(today: date) -> Period:
    return Period(start=max(today, date(today.year, 10, 1)), end=date(today.year, 12, 31))


def _start_of_year(today: date) -> Period:
    year = today.year if today.month <= 3 else today.year + 1
    return Period(start=max(today, date(year, 1, 1)), end=date(year, 3, 31))


def _year(year: int, today: date) -> Period:
    start = max(today, date(year, 1, 1)) if year == today.year else date(year, 1, 1)
    return Period(start=start, end=date(year, 12, 31))


def _tet(today: date) -> Period:
    tet = next((t for t in _TET if t + timedelta(days=7) >= today), _TET[-1])
    return Period(start=tet - timedelta(days=30), end=tet + timedelta(days=7))


def _last_year(today: date) -> Period:
    return Period(start=date(today.year - 1, 1, 1), end=date(today.year - 1, 12, 31))


_RELATIVE: Final[dict[tuple[str, ...], Callable[[date], Period]]] = {
    **dict.fromkeys([("tuan", "sau"), ("tuan", "toi"), ("next", "week")], lambda t: _week(t, 1)),
    **dict.fromkeys([("tuan", "nay"), ("this", "week")], lambda t: _week(t, 0)),
    **dict.fromkeys([("cuoi", "tuan"), ("weekend",), ("this", "weekend")], _weekend),
    **dict.fromkeys([("thang", "sau"), ("thang", "toi"), ("next", "month")], _following_month),
    **dict.fromkeys([("thang", "nay"), ("this", "month")], _rest_of_month),
    **dict.fromkeys(
        [("cuoi", "thang"), ("end", "of", "the", "month")], lambda t: _rest_of_month(t, 21)
    ),
    **dict.fromkeys(
        [
            ("cuoi", "nam"),
            ("end", "of", "the", "year"),
            ("end", "of", "year"),
            ("cuoi", "nam", "nay"),
        ],
        _end_of_year,
    ),
    **dict.fromkeys(
        [("dau", "nam"), ("dau", "nam", "sau"), ("early", "next", "year")], _start_of_year
    ),
    **dict.fromkeys([("nam", "nay"), ("this", "year")], lambda t: _year(t.year, t)),
    **dict.fromkeys(
        [("nam", "sau"), ("nam", "toi"), ("sang", "nam"), ("next", "year")],
        lambda t: _year(t.year + 1, t),
    ),
    **dict.fromkeys([("nam", "ngoai"), ("nam", "truoc"), ("last", "year")], _last_year),
    **dict.fromkeys([("hom", "nay"), ("today",)], lambda t: Period(start=t, end=t)),
    **dict.fromkeys(
        [("ngay", "mai"), ("tomorrow",)],
        lambda t: Period(start=t + timedelta(days=1), end=t + timedelta(days=1)),
    ),
    **dict.fromkeys([("tet",), ("tet", "nguyen", "dan"), ("lunar", "new", "year")], _tet),
}
_LONGEST: Final = max(len(k) for k in _RELATIVE)


def _typed_june(typed: str) -> bool:
    """Whether "tháng sáu" (June) was typed, as opposed to "tháng sau" (next month)."""
    return "tháng sáu" in unicodedata.normalize("NFC", typed.lower())


def _year_after(words: list[str], i: int) -> tuple[int | None, int]:
    """A year right after position i ("2026", "nam 2026"), and how many words it takes."""
    if i < len(words) and words[i] == "nam" and i + 1 < len(words):
        i, extra = i + 1, 1
    else:
        extra = 0
    if i < len(words) and re.fullmatch(r"20\d\d", words[i]):
        return int(words[i]), extra + 1
    return None, 0


def _at(words: list[str], i: int, typed: str, today: date) -> tuple[Period, int] | None:
    """The period that starts at words[i], and how many words it takes."""
    for size in range(min(_LONGEST, len(words) - i), 0, -1):
        make = _RELATIVE.get(tuple(words[i : i + size]))
        if make is not None and not (words[i : i + 2] == ["thang", "sau"] and _typed_june(typed)):
            return make(today), size
    word = words[i]
    month, size = None, 0
    if m := _SHORT_MONTH.match(word):
        month, size = int(m.group(1)), 1
    elif word == "thang" and i + 1 < len(words):
        nxt = words[i + 1]
        if nxt.isdecimal():
            month, size = int(nxt), 2
        else:
            two = " ".join(words[i + 1 : i + 3])
            if two in _MONTH_WORDS:
                month, size = _MONTH_WORDS[two], 3
            elif nxt in _MONTH_WORDS:
                month, size = _MONTH_WORDS[nxt], 2
    elif word in _ENGLISH_MONTHS:
        month, size = _ENGLISH_MONTHS[word], 1
    elif re.fullmatch(r"20\d\d", word) and (i == 0 or words[i - 1] != "thang"):
        return _year(int(word), today), 1
    elif word == "nam" and i + 1 < len(words) and re.fullmatch(r"20\d\d", words[i + 1]):
        return _year(int(words[i + 1]), today), 2
    if month is None or not 1 <= month <= 12:
        return None
    year, extra = _year_after(words, i + size)
    return _next_month(today, month, year), size + extra


def _slashed(typed: str, today: date) -> tuple[Period, list[str]] | None:
    """ "10/12" (a day), "12/2026" (a month) as typed, with the words they fold to."""
    m = _SLASH.search(typed)
    if m is None:
        return None
    a, b = int(m.group(1)), m.group(2)
    words = [m.group(1), b]
    if len(b) == 4 and 1 <= a <= 12:
        return _month(int(b), a), words
    month = int(b)
    if 1 <= month <= 12 and 1 <= a <= calendar.monthrange(today.year, month)[1]:
        day = date(today.year, month, a)
        if day < today - timedelta(days=31):
            day = date(today.year + 1, month, min(a, calendar.monthrange(today.year + 1, month)[1]))
        return Period(start=day, end=day), words
    return None


def find_period(words: list[str], typed: str, today: date) -> tuple[Period, int, int] | None:
    """The first period named in the folded `words` (with `typed`, the text as typed), and the
    span of words it covers as (period, start, end); None when no time is named."""
    slashed = _slashed(typed, today)
    if slashed is not None:
        period, parts = slashed
        for i in range(len(words) - 1):
            if words[i : i + 2] == parts:
                return period, i, i + 2
    for i in range(len(words)):
        found = _at(words, i, typed, today)
        if found is not None:
            return found[0], i, i + found[1]
    return None
