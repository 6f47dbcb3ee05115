"""Catalogs read from locales/*/LC_MESSAGES/messages.po with Babel; dates and numbers per locale."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

__all__ = ["LOCALES_DIR", "N_", "CatalogError", "I18n", "Lang"]

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the locale is known."""
    return message


class CatalogError(Exception):
    """A catalog could not be loaded; the message says which and why."""


class Lang:
    """Translation and formatting for one locale; what a handler calls `_`."""

    def __init__(self, code: str, translations: Translations, tz: ZoneInfo) -> None:
        self.code = code
        self.tz = tz
        self._t = translations
        # parsed once: given as a string, Babel parses the locale again on every date formatted
        self._locale = Locale.parse(code)

    def gettext(self, message: str) -> str:
        """Translate `message` (the English source text)."""
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate with the plural form `n` calls for."""
        return self._t.ngettext(singular, plural, n)

    def local(self, moment: datetime) -> datetime:
        """`moment` in the configured time zone (naive datetimes are taken as UTC)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo("UTC"))
        return moment.astimezone(self.tz)

    def date(self, value: date | datetime, fmt: str = "full") -> str:
        """A date as people read it: `Thứ Năm, 10 tháng 12, 2026`."""
        if isinstance(value, datetime):
            value = self.local(value).date()
        return format_date(value, fmt, locale=self._locale)

    def time(self, moment: datetime) -> str:
        """A local time of day: `08:00` (vi), `8:00 AM` (en)."""
        return format_time(self.local(moment), "short", locale=self._locale)

    def date_time(self, moment: datetime) -> str:
        """A local date with its time: `08:00, Thứ Năm, 10 tháng 12, 2026`."""
        return f"{self.time(moment)}, {self.date(moment)}"

    def short_datetime(self, moment: datetime) -> str:
        """A compact local date and time, for lists."""
        return format_datetime(self.local(moment), "short", locale=self._locale)

    def number(self, value: float) -> str:
        """A number with the locale's grouping: `1.234` (vi), `1,234` (en)."""
        return format_decimal(value, locale=self._locale)


class I18n:
    """All catalogs, loaded once at start-up."""

    def __init__(self, default: str, tz: ZoneInfo, directory: Path = LOCALES_DIR) -> None:
        self.default = default
        self.tz = tz
        self._langs: dict[str, Lang] = {}
        for po in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
            code = po.parent.parent.name
            self._langs[code] = Lang(code, _load(po), tz)
        if default not in self._langs:
            raise CatalogError(f"no catalog for the default locale {default!r} in {directory}")

    @property
    def codes(self) -> list[str]:
        """The locales with a catalog."""
        return sorted(self._langs)

    def get(self, code: str | None) -> Lang:
        """The Lang for `code`, or the default one."""
        return self._langs.get(code or "", self._langs[self.default])

    def gettext_for(self, code: str | None) -> Callable[[str], str]:
        """A `_` bound to a locale."""
        return self.get(code).gettext


def _load(po: Path) -> Translations:
    """The catalog of a .po file, compiled in memory (no .mo files in git)."""
    stat = po.stat()
    return Translations(fp=BytesIO(_compiled(po, stat.st_mtime_ns, stat.st_size)))


@functools.lru_cache(maxsize=16)
def _compiled(po: Path, mtime_ns: int, size: int) -> bytes:
    """The .mo bytes of a .po file as it is at `mtime_ns` and `size`: parsing a catalog of a few
    thousand entries takes tens of milliseconds, which every App opened in one process (the
    tests open hundreds) would pay again; a changed file is read again."""
    try:
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name, abort_invalid=True)
    except Exception as exc:
        raise CatalogError(f"cannot read {po}: {exc}") from exc
    buf = BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()
