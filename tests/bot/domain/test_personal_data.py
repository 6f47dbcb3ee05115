"""The catalogue of personal data against the migrated schema: every column is either in a
category (with a purpose, recipients and retention) or declared not personal, so a new personal
column cannot land without a rule; and the record of processing says all of it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import main
from bot.app import App
from bot.domain.personal_data import CATEGORIES, NOT_PERSONAL, RETENTION_KINDS, category_of
from bot.services.retention import RULE_NAMES
from storage.retention import KINDS

# SQLite's full-text index of the staff's search (migration 0014) is the engine's own: its
# tables are not in Database.schema(), and PostgreSQL has none.
_ENGINE_OWN = "enterprise_search"


async def _schema(app: App) -> set[str]:
    db = app.router.services.db
    return {f"{t}.{c}" for t, info in (await db.schema()).items() for c in info.columns}


async def test_every_column_of_the_schema_is_classified(app: App) -> None:
    schema = await _schema(app)
    personal = {column for c in CATEGORIES for column in c.columns}
    personal = {c for c in personal if not c.startswith(_ENGINE_OWN)}
    not_personal = {c for c in NOT_PERSONAL if not c.startswith(_ENGINE_OWN)}
    unclassified = sorted(schema - personal - not_personal)
    assert not unclassified, (
        "New columns: add each to a category of bot/domain/personal_data.py (with the"
        f" retention rule that removes it) or to NOT_PERSONAL: {unclassified}"
    )
    assert not sorted((personal | not_personal) - schema), "listed but not in the schema"
    assert not personal & NOT_PERSONAL


def test_no_column_is_in_two_categories() -> None:
    listed = [column for c in CATEGORIES for column in c.columns]
    assert len(listed) == len(set(listed))
    assert category_of("enterprises.tax_code") is not None
    assert category_of("enterprises.tax_code").key == "registration"  # type: ignore[union-attr]
    assert category_of("fairs.title_vi") is None


async def test_every_retention_rule_named_exists_in_the_database(app: App) -> None:
    rules = {r.kind for r in await app.router.services.retention.rules()}
    assert set(RETENTION_KINDS) <= rules == set(KINDS) == set(RULE_NAMES)


async def test_the_register_is_written_from_the_rules(
    app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with app.router.services.db.transaction():
        await app.router.services.db.execute(
            "UPDATE retention_rules SET days = 200 WHERE kind = 'questions'"
        )
    target = tmp_path / "register.md"
    code = await asyncio.to_thread(
        main.main, ["data", "register", "--lang", "en", "-o", str(target)]
    )
    assert code == 0
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Record of personal data processing")
    assert "Sở Công Thương Hà Nội" in text
    for c in CATEGORIES:
        assert f"### {c.title}" in text
        assert ", ".join(c.columns) in text
    assert "Rule questions: free-text questions typed to the bot: 200 days." in text
    assert "## Security measures" in text
    code = await asyncio.to_thread(main.main, ["data", "register"])
    assert code == 0 and "Hồ sơ hoạt động xử lý dữ liệu cá nhân" in capsys.readouterr().out
