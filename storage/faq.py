"""FAQ entries: questions and answers in Vietnamese and English, read from a YAML file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Final

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.core.clock import utcnow
from storage.engine import Database, Row

__all__ = ["DATA_PATH", "FaqEntry", "FaqError", "FaqRepo", "load_faq_file"]

DATA_PATH: Final = Path(__file__).resolve().parent.parent / "data" / "faq.yaml"
MAX_ANSWER: Final = 1000


class FaqError(Exception):
    """A FAQ file cannot be imported; the message says where and why."""


class Texts(BaseModel):
    """One text per language."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vi: str = Field(min_length=1, max_length=MAX_ANSWER)
    en: str = Field(min_length=1, max_length=MAX_ANSWER)


class Questions(BaseModel):
    """Phrasings of a question per language (the first of each is its title)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vi: tuple[str, ...] = Field(min_length=1)
    en: tuple[str, ...] = Field(min_length=1)

    @field_validator("vi", "en")
    @classmethod
    def _not_blank(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not q.strip() for q in value):
            raise ValueError("a question is blank")
        return tuple(q.strip() for q in value)


class FaqEntry(BaseModel):
    """One FAQ topic."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    questions: Questions
    answer: Texts

    def title(self, locale: str) -> str:
        """The question as shown in the list of topics."""
        return self.questions.en[0] if locale == "en" else self.questions.vi[0]

    def answer_in(self, locale: str) -> str:
        """The answer in `locale` (Vietnamese unless English is asked for)."""
        return self.answer.en if locale == "en" else self.answer.vi

    def all_questions(self) -> list[str]:
        """Every phrasing, Vietnamese first."""
        return [*self.questions.vi, *self.questions.en]


@lru_cache(maxsize=8)
def _parse(path: Path, mtime: float) -> tuple[FaqEntry, ...]:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise FaqError(f"{path}: cannot read: {exc}") from None
    items = raw.get("faq") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise FaqError(f"{path}: expected a top-level 'faq:' list of entries")
    entries: list[FaqEntry] = []
    seen: set[str] = set()
    for n, item in enumerate(items, 1):
        try:
            entry = FaqEntry.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "entry"
            key = item.get("key", "?") if isinstance(item, dict) else "?"
            raise FaqError(f"{path}: entry {n} ({key}): {where}: {err['msg']}") from None
        if entry.key in seen:
            raise FaqError(f"{path}: entry {n}: key {entry.key!r} appears twice")
        seen.add(entry.key)
        entries.append(entry)
    return tuple(entries)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_faq_file(path: Path | str = DATA_PATH) -> tuple[FaqEntry, ...]:
    """Every entry of a FAQ file, validated; FaqError names the first bad entry."""
    path = Path(path)
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise FaqError(f"{path}: cannot read: {exc.strerror}") from None
    return _parse(path.resolve(), mtime)


def _entry(row: Row) -> FaqEntry:
    return FaqEntry(
        key=row["key"],
        questions=Questions.model_validate(json.loads(row["questions"])),
        answer=Texts(vi=row["answer_vi"], en=row["answer_en"]),
    )


class FaqRepo:
    """Reads and writes `faq`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.writes = 0  # writes through this repository (see `version`)

    async def all(self) -> list[FaqEntry]:
        """Every entry, in topic order."""
        rows = await self.db.fetchall("SELECT * FROM faq ORDER BY position, key")
        return [_entry(r) for r in rows]

    async def get(self, key: str) -> FaqEntry | None:
        """The entry with this key."""
        row = await self.db.fetchone("SELECT * FROM faq WHERE key = ?", (key,))
        return _entry(row) if row else None

    async def count(self) -> int:
        """How many entries there are."""
        row = await self.db.fetchone("SELECT count(*) FROM faq")
        return int(row[0]) if row else 0

    async def upsert(
        self, entries: Sequence[FaqEntry], *, replace: bool = False
    ) -> tuple[int, int, int]:
        """Adds new entries and updates those with a known key, in the file's order;
        with `replace`, deletes the others. Returns (added, updated, deleted)."""
        now = utcnow().isoformat()

        rows = [
            (
                e.key,
                position,
                json.dumps(e.questions.model_dump(), ensure_ascii=False),
                e.answer.vi,
                e.answer.en,
                now,
            )
            for position, e in enumerate(entries)
        ]
        keys = {e.key for e in entries}
        async with self.db.transaction():
            known = {r[0] for r in await self.db.fetchall("SELECT key FROM faq")}
            await self.db.executemany(
                "INSERT INTO faq (key, position, questions, answer_vi, answer_en, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
                " position = excluded.position, questions = excluded.questions,"
                " answer_vi = excluded.answer_vi, answer_en = excluded.answer_en,"
                " updated_at = excluded.updated_at",
                rows,
            )
            stale = known - keys if replace else set()
            await self.db.executemany(
                "DELETE FROM faq WHERE key = ?", [(k,) for k in sorted(stale)]
            )
        self.writes += 1
        return len(keys - known), len(keys & known), len(stale)

    async def add(self, entry: FaqEntry) -> bool:
        """Add one entry after the others; False if its key is taken. In a transaction."""
        row = await self.db.fetchone(
            "INSERT INTO faq (key, position, questions, answer_vi, answer_en, updated_at)"
            " SELECT ?, coalesce(max(position), -1) + 1, ?, ?, ?, ? FROM faq"
            " WHERE NOT EXISTS (SELECT 1 FROM faq WHERE key = ?) RETURNING key",
            (
                entry.key,
                json.dumps(entry.questions.model_dump(), ensure_ascii=False),
                entry.answer.vi,
                entry.answer.en,
                utcnow().isoformat(),
                entry.key,
            ),
        )
        self.writes += 1
        return row is not None

    async def seed(self, path: Path | str = DATA_PATH) -> int:
        """Loads the FAQ file when the table is empty; returns how many entries were added."""
        if await self.count():
            return 0
        added, _, _ = await self.upsert(load_faq_file(path))
        return added

    async def version(self) -> tuple[int, int, str | None, int]:
        """What changes whenever an entry is added, changed or deleted: the writes through
        this repository, and for those of other processes (`ketnoi faq import`) the count, the
        latest `updated_at` (which every write sets) and the length of the texts."""
        row = await self.db.fetchone(
            "SELECT count(*), max(updated_at),"
            " coalesce(sum(length(questions) + length(answer_vi) + length(answer_en)), 0)"
            " FROM faq"
        )
        if row is None:
            return (self.writes, 0, None, 0)
        return (self.writes, int(row[0]), row[1], int(row[2]))

    async def changed_at(self) -> datetime | None:
        """When an entry last changed (to know when answers must be re-read)."""
        row = await self.db.fetchone("SELECT max(updated_at) FROM faq")
        return datetime.fromisoformat(row[0]) if row and row[0] else None
