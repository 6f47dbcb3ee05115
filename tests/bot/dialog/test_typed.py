"""What a typed word picks from the last menu shown (bot/dialog/typed.py)."""

from __future__ import annotations

import pytest

from bot.dialog.typed import menu_choice


@pytest.mark.parametrize(
    ("typed", "menu", "picks"),
    [
        ("dong y", [("Đồng ý rút đơn", "yes"), ("Không, giữ lại", "no")], "yes"),
        ("co", [("Đồng ý rút đơn", "yes"), ("Không, giữ lại", "no")], "yes"),
        ("khong", [("Đồng ý rút đơn", "yes"), ("Không, giữ lại", "no")], "no"),
        ("dong y nhan", [("Nhận", "accept"), ("Từ chối", "decline")], "accept"),
        ("ok gui di", [("✅ Xác nhận và gửi", "send"), ("Không, sửa lại", "edit")], "send"),
        ("da", [("Da giày", "leather"), ("Gốm sứ", "ceramics")], None),  # "dạ" is no pick
        ("co", [("Cơ sở gốm", "x"), ("Khác", "y")], None),
        ("dong", [("Đồng ý rút đơn", "yes")], None),  # one word is no start of a label
    ],
)
def test_typed_words_pick_an_option_of_a_confirmation(
    typed: str, menu: list[tuple[str, str]], picks: str | None
) -> None:
    assert menu_choice(typed, menu) == picks
