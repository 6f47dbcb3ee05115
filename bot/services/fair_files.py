"""Fair files (YAML or CSV, DESIGN.md's format) read into checked fairs, or precise errors.

Rows are numbered as people see them: in YAML the Nth entry under `fairs:`; in CSV the
spreadsheet row (the header is row 1, the first fair row 2).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import yaml

from bot.domain.sectors import SECTORS
from storage.fairs import COLUMNS, FairFields, FairStatus

__all__ = ["FIELDS", "FairFileError", "parse_rows", "read_fair_file"]

KEY: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DEFAULT_MAX_BOOTHS: Final = 2
MAX_KEY: Final = 48  # "fair:<key>:unfollow" must fit Telegram's 64-byte callback data
_DATETIME: Final = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
# A fair file's fields are the table's columns; only the per-applicant cap is spelt out there.
FIELDS: Final = tuple("max_booths_per_applicant" if c == "max_booths" else c for c in COLUMNS)
_NESTED: Final = {"title": ("vi", "en"), "description": ("vi", "en")}
_VENUE: Final = ("name", "address", "latitude", "longitude")


class FairFileError(Exception):
    """A fair file cannot be imported; `problems` are lines "FILE: row N: field X: why"."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Bad(ValueError):
    """One field of one row is wrong."""


def read_fair_file(path: Path, tz: ZoneInfo) -> list[FairFields]:
    """Every fair of a .yaml/.yml or .csv file, or FairFileError listing every problem."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise FairFileError([f"{name}: cannot read the file: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise FairFileError([f"{name}: the file is not UTF-8 text"]) from None
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        rows = _yaml_rows(name, text)
    elif suffix == ".csv":
        rows = _csv_rows(name, text)
    else:
        raise FairFileError([f"{name}: expected a .yaml, .yml or .csv file"])
    return parse_rows(name, rows, tz)


def parse_rows(name: str, rows: list[tuple[int, dict[str, Any]]], tz: ZoneInfo) -> list[FairFields]:
    """Check flat rows (row number, field -> value); FairFileError if any is wrong."""
    problems: list[str] = []
    fairs: list[FairFields] = []
    seen: dict[str, int] = {}
    for number, row in rows:
        where = f"{name}: row {number}"
        fair, errors = _parse_row(row, tz)
        problems += [f"{where}: {e}" for e in errors]
        if fair is None:
            continue
        if fair.key in seen:
            problems.append(
                f"{where}: field key: {fair.key!r} is also used in row {seen[fair.key]}"
            )
            continue
        seen[fair.key] = number
        fairs.append(fair)
    if not rows:
        problems.append(f"{name}: no fairs in the file")
    if problems:
        raise FairFileError(problems)
    return fairs


def _yaml_rows(name: str, text: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise FairFileError([f"{name}: {line}not valid YAML"]) from None
    entries = doc.get("fairs") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise FairFileError([f"{name}: expected a list under 'fairs:'"])
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise FairFileError([f"{name}: row {number}: expected the fields of a fair"])
        rows.append((number, _flatten(entry)))
    return rows


def _flatten(entry: dict[str, Any]) -> dict[str, Any]:
    """YAML's nested title/description/venue as the flat CSV field names."""
    flat: dict[str, Any] = {}
    for field, value in entry.items():
        field = str(field)
        if field in _NESTED and isinstance(value, dict):
            flat.update({f"{field}_{k}": v for k, v in value.items()})
        elif field == "venue" and isinstance(value, dict):
            flat.update({f"venue_{k}": v for k, v in value.items()})
        else:
            flat[field] = value
    return flat


def _csv_rows(name: str, text: str) -> list[tuple[int, dict[str, Any]]]:
    # The header decides the delimiter: cells of other rows may hold ';' (the sectors)
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, record in enumerate(reader, start=2):
        extra = record.pop(None, None)
        row = {str(k).strip(): v for k, v in record.items() if k is not None and v}
        if extra:
            row["(more cells than the header)"] = extra
        if row:
            rows.append((number, row))
    if reader.fieldnames is None:
        raise FairFileError([f"{name}: the file is empty"])
    return rows


def _parse_row(row: dict[str, Any], tz: ZoneInfo) -> tuple[FairFields | None, list[str]]:
    values: dict[str, Any] = {}
    errors: list[str] = []
    fail = errors.append

    def take(field: str, parse: Callable[[Any], Any], *, default: Any = ...) -> None:
        raw = row.get(field)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if default is ...:
                fail(f"field {field}: missing")
                return
            values[field] = default
            return
        try:
            values[field] = parse(raw)
        except _Bad as exc:
            fail(f"field {field}: {exc}")

    for field in sorted(set(row) - set(FIELDS)):
        fail(f"field {field}: unknown field (expected one of: {', '.join(FIELDS)})")
    take("key", _key)
    take("title_vi", _text(300))
    take("title_en", _text(300), default="")
    take("sectors", _sectors)
    take("starts_at", lambda v: _moment(v, tz))
    take("ends_at", lambda v: _moment(v, tz))
    take("venue_name", _text(200))
    take("venue_address", _text(300))
    take("venue_latitude", _number(-90, 90))
    take("venue_longitude", _number(-180, 180))
    take("booths", _count(1, 10_000))
    take("apply_by", _day)
    take("max_booths_per_applicant", _count(1, 100), default=None)
    take("description_vi", _text(3000), default="")
    take("description_en", _text(3000), default="")
    take("status", _status, default=FairStatus.SCHEDULED)
    if "starts_at" in values and "ends_at" in values and values["ends_at"] <= values["starts_at"]:
        fail("field ends_at: must be after starts_at")
    starts = values.get("starts_at")
    if starts is not None and values.get("apply_by", date.min) > starts.astimezone(tz).date():
        fail("field apply_by: must not be after the day the fair starts")
    most = values.pop("max_booths_per_applicant", None)
    if "booths" in values and most is not None and most > values["booths"]:
        fail("field max_booths_per_applicant: must not be more than booths")
    if errors:
        return None, errors
    values["max_booths"] = most if most is not None else min(DEFAULT_MAX_BOOTHS, values["booths"])
    return FairFields.model_validate(values), errors


def _key(value: Any) -> str:
    key = str(value).strip()
    if len(key) > MAX_KEY or not KEY.match(key):
        raise _Bad(
            f"{key!r} is not a key: use at most {MAX_KEY} lower-case letters, digits and"
            " hyphens, e.g. gom-su-kim-lan-2026"
        )
    return key


def _text(limit: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if isinstance(value, dict | list):
            raise _Bad("expected text")
        text = str(value).strip()
        if len(text) > limit:
            raise _Bad(f"too long ({len(text)} characters, at most {limit})")
        return text

    return parse


def _sectors(value: Any) -> list[str]:
    items = value if isinstance(value, list) else str(value).split(";")
    keys = [str(item).strip() for item in items if str(item).strip()]
    unknown = [k for k in keys if k not in SECTORS]
    if unknown:
        raise _Bad(f"unknown sector {', '.join(unknown)} (known: {', '.join(SECTORS)})")
    if not keys:
        raise _Bad("expected at least one sector")
    return list(dict.fromkeys(keys))


def _moment(value: Any, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    match = _DATETIME.match(str(value).strip())
    if isinstance(value, date) or match is None:
        raise _Bad(f"{value!s} is not a local date and time like 2026-12-10 08:00")
    year, month, day, hour, minute = (int(g) for g in match.groups()[:5])
    second = int(match[6] or 0)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError as exc:
        raise _Bad(f"{value!s} is not a real date and time ({exc})") from None


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        raise _Bad(f"{value!s}: expected a date without time, like 2026-12-01")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise _Bad(f"{value!s} is not a date like 2026-12-01") from None


def _number(low: float, high: float) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        try:
            number = float(str(value).strip().replace(",", "."))
        except ValueError:
            raise _Bad(f"{value!s} is not a number") from None
        if not low <= number <= high:
            raise _Bad(f"{value!s} is out of range ({low:g} to {high:g})")
        return number

    return parse


def _count(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not re.fullmatch(r"\d+", str(value).strip()):
            raise _Bad(f"{value!s} is not a whole number")
        number = int(str(value).strip())
        if not low <= number <= high:
            raise _Bad(f"{number} is out of range ({low} to {high})")
        return number

    return parse


def _status(value: Any) -> FairStatus:
    try:
        return FairStatus(str(value).strip().lower())
    except ValueError:
        raise _Bad(f"{value!s} is not one of: scheduled, cancelled") from None
