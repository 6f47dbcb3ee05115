"""Catalogs: complete, consistent placeholders, and Babel dates in the configured time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from bot.core.i18n import LOCALES_DIR, CatalogError, I18n

PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*\}")
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def _catalog(locale: str):  # type: ignore[no-untyped-def]
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def _pairs(message) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    if isinstance(message.id, tuple):
        return [(message.id[min(i, 1)], s) for i, s in enumerate(message.string)]
    return [(message.id, message.string)]


def test_every_message_has_a_vietnamese_translation() -> None:
    missing = [m.id for m in _catalog("vi") if m.id and not all(s for _, s in _pairs(m))]
    assert missing == []


def test_no_vietnamese_translation_is_fuzzy() -> None:
    assert [m.id for m in _catalog("vi") if m.id and m.fuzzy] == []


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_placeholders_match_their_msgid(locale: str) -> None:
    wrong = [
        (msgid, text)
        for m in _catalog(locale)
        if m.id
        for msgid, text in _pairs(m)
        if text and sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text))
    ]
    assert wrong == []


def test_pot_and_catalogs_hold_the_same_messages() -> None:
    with (LOCALES_DIR / "messages.pot").open("rb") as fh:
        pot = {m.id for m in read_po(fh) if m.id}
    for locale in ("vi", "en"):
        assert {m.id for m in _catalog(locale) if m.id} == pot, locale


def test_dates_are_spelled_the_vietnamese_way_in_hanoi_time() -> None:
    i18n = I18n("vi", HANOI)
    # 01:30 UTC on 10 Dec is 08:30 the same day in Hanoi; 20:00 UTC on 9 Dec is already 10 Dec
    assert i18n.get("vi").date(datetime(2026, 12, 9, 20, 0, tzinfo=UTC)) == (
        "Thứ Năm, 10 tháng 12, 2026"
    )
    assert i18n.get("en").date(datetime(2026, 12, 9, 20, 0, tzinfo=UTC)) == (
        "Thursday, December 10, 2026"
    )
    assert i18n.get("vi").time(datetime(2026, 12, 10, 1, 30, tzinfo=UTC)) == "08:30"
    assert i18n.get("vi").number(1234) == "1.234"
    assert i18n.get("en").number(1234) == "1,234"


def test_english_and_vietnamese_differ() -> None:
    i18n = I18n("vi", HANOI)
    assert i18n.get("vi").gettext("Upcoming fairs") == "Hội chợ sắp tới"
    assert i18n.get("en").gettext("Upcoming fairs") == "Upcoming fairs"
    assert i18n.get("fr").code == "vi"  # unknown locales fall back to the default


def test_a_broken_catalog_stops_with_a_clear_message(tmp_path: Path) -> None:
    po = tmp_path / "vi" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid "a"\nthis line is not po syntax\n', encoding="utf-8")
    with pytest.raises(CatalogError, match="cannot read"):
        I18n("vi", HANOI, directory=tmp_path)


def test_a_missing_default_catalog_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="no catalog for the default locale"):
        I18n("vi", HANOI, directory=tmp_path)
