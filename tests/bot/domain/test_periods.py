"""Times as producers type them, read relative to a fixed day (Monday 23 November 2026)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.periods import Period, find_period
from bot.domain.textnorm import fold

TODAY = date(2026, 11, 23)


def period(text: str, today: date = TODAY) -> Period | None:
    found = find_period(fold(text).split(), text, today)
    return found[0] if found else None


@pytest.mark.parametrize(
    "text", ["hội chợ tháng 12", "hoi cho thang 12", "co hc t12 ko", "any fairs in December?"]
)
def test_december_however_written(text: str) -> None:
    assert period(text) == Period(start=date(2026, 12, 1), end=date(2026, 12, 31))


def test_a_month_already_past_this_year_means_next_year() -> None:
    assert period("tháng 3 có hội chợ không") == Period(
        start=date(2027, 3, 1), end=date(2027, 3, 31)
    )
    assert period("thang 3 nam 2026") == Period(start=date(2026, 3, 1), end=date(2026, 3, 31))


def test_june_with_its_accent_and_next_month_without() -> None:
    assert period("hội chợ tháng sáu") == Period(start=date(2027, 6, 1), end=date(2027, 6, 30))
    assert period("thang sau co hoi cho ko") == Period(
        start=date(2026, 12, 1), end=date(2026, 12, 31)
    )


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("tuần sau có hội chợ nào không", date(2026, 11, 30), date(2026, 12, 6)),
        ("next week", date(2026, 11, 30), date(2026, 12, 6)),
        ("cuối năm có hội chợ không", date(2026, 11, 23), date(2026, 12, 31)),
        ("năm sau", date(2027, 1, 1), date(2027, 12, 31)),
        ("cuối tuần này", date(2026, 11, 28), date(2026, 11, 29)),
        ("hội chợ Tết", date(2027, 1, 7), date(2027, 2, 13)),  # Tết Đinh Mùi: 6 February 2027
        ("hội chợ 10/12", date(2026, 12, 10), date(2026, 12, 10)),
        ("hội chợ năm 2024", date(2024, 1, 1), date(2024, 12, 31)),
    ],
)
def test_relative_times(text: str, start: date, end: date) -> None:
    assert period(text) == Period(start=start, end=end)


@pytest.mark.parametrize("text", ["hội chợ gốm khi nào", "mấy giờ mở cửa", "tháng", "t99"])
def test_no_time_named(text: str) -> None:
    assert period(text) is None
