"""Dates, times and map coordinates as staff type them, and keys made from titles."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.fair_input import make_key, parse_coordinates, parse_day, parse_moment

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10/12/2026 08:00", datetime(2026, 12, 10, 8, 0, tzinfo=HANOI)),
        ("10/12/2026 8h", datetime(2026, 12, 10, 8, 0, tzinfo=HANOI)),
        ("8h30 ngày 10/12/2026", datetime(2026, 12, 10, 8, 30, tzinfo=HANOI)),
        ("10.12.2026 17g", datetime(2026, 12, 10, 17, 0, tzinfo=HANOI)),
        ("2026-12-10 08:00", datetime(2026, 12, 10, 8, 0, tzinfo=HANOI)),
        ("10/12/2026", None),  # no time
        ("31/02/2026 08:00", None),
        ("10/12/2026 25:00", None),
        ("sáng mai", None),
    ],
)
def test_moments(text: str, expected: datetime | None) -> None:
    assert parse_moment(text, HANOI) == expected


def test_a_time_alone_falls_on_the_day_given_but_a_bad_date_does_not() -> None:
    day = date(2026, 12, 14)
    assert parse_moment("17:00", HANOI, day) == datetime(2026, 12, 14, 17, 0, tzinfo=HANOI)
    assert parse_moment("31/02/2026 17:00", HANOI, day) is None


def test_days_and_coordinates() -> None:
    assert parse_day("1-12-2026") == date(2026, 12, 1)
    assert parse_day("2026-12-01") == date(2026, 12, 1)
    assert parse_day("32/12/2026") is None
    assert parse_coordinates("20.977, 105.915") == (20.977, 105.915)
    link = "https://www.google.com/maps/@20.9665,105.9205,17z"
    assert parse_coordinates(link) == (20.9665, 105.9205)
    assert parse_coordinates("120.5, 105.9") is None
    assert parse_coordinates("Bát Tràng") is None


def test_keys_are_made_from_the_title_and_kept_unique() -> None:
    title = "Hội chợ Gốm sứ Bát Tràng – Kim Lan"
    assert make_key(title, 2026, set()) == "hoi-cho-gom-su-bat-trang-kim-lan-2026"
    assert make_key(title, 2026, {"hoi-cho-gom-su-bat-trang-kim-lan-2026"}).endswith("-2026-2")
    assert make_key("Phiên chợ Tết 2027", 2027, set()) == "phien-cho-tet-2027"
    long = make_key("Kết nối mạng lưới sản xuất và tiêu dùng bền vững làng nghề", 2026, set())
    assert len(long) <= 48 and long.endswith("-2026")
