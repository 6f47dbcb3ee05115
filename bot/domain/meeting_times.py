"""The half-hour meeting slots an exhibitor types for one day of a fair: "9:00 9:30 14h",
"9-11" (9:00, 9:30, 10:00, 10:30), "8h30-10h" (no I/O)."""

from __future__ import annotations

import re
from datetime import time
from typing import Final

__all__ = ["SlotTimes", "read_times"]

_TIME: Final = r"(\d{1,2})(?:\s*[:hg.]\s*(\d{2})?)?"
_RANGE: Final = re.compile(rf"{_TIME}\s*(?:-|–|đến|den|to)\s*{_TIME}")
_ONE: Final = re.compile(_TIME)
MAX_SLOTS: Final = 24  # a day's half-hours from 8:00 to 20:00


class SlotTimes:
    """What was read: the start times (sorted, distinct) and the pieces that were not times."""

    def __init__(self, starts: list[time], wrong: list[str]) -> None:
        self.starts = starts
        self.wrong = wrong


def _at(hour: str, minute: str | None) -> time | None:
    h, m = int(hour), int(minute or 0)
    if not (0 <= h <= 23) or m not in (0, 30):
        return None
    return time(h, m)


def read_times(text: str) -> SlotTimes:
    """The half-hour starts a typed line names; a range ends where its last half-hour does."""
    starts: set[time] = set()
    wrong: list[str] = []
    rest = text.lower()
    for m in _RANGE.finditer(rest):
        first, last = _at(m.group(1), m.group(2)), _at(m.group(3), m.group(4))
        if first is None or last is None or last <= first:
            wrong.append(m.group(0))
            continue
        minutes = first.hour * 60 + first.minute
        while minutes < last.hour * 60 + last.minute:
            starts.add(time(minutes // 60, minutes % 60))
            minutes += 30
    rest = _RANGE.sub(" ", rest)
    for piece in re.split(r"[\s,;]+", rest):
        if not piece:
            continue
        single = _ONE.fullmatch(piece)
        at = _at(single.group(1), single.group(2)) if single else None
        if at is None:
            wrong.append(piece)
        else:
            starts.add(at)
    return SlotTimes(sorted(starts), wrong)
