"""The repositories stand on storage.engine alone: what a second engine would carry."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.app import App
from bot.core.config import Settings
from storage.sqlite import SqliteDatabase
from tests.chat import Chat

ROOT = Path(__file__).resolve().parents[2]
NAME_QUESTION = "What is the name of your establishment?"
KIND_QUESTION = "What kind of establishment is it?"


def imported(path: Path) -> set[str]:
    """Every module a file imports, TYPE_CHECKING blocks and function bodies included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def ours(name: str) -> bool:
    return name.split(".")[0] in {"bot", "handlers", "storage", "main", "tests", "bench"}


@pytest.mark.parametrize(
    "path", sorted((ROOT / "storage").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_storage_imports_only_the_core_of_the_bot(path: Path) -> None:
    outside = {m for m in imported(path) if ours(m) and not m.startswith("storage")}
    assert outside <= {"bot.core.clock", "bot.core.types"}


# storage/opening.py is where an engine is chosen: it alone names them.
STILL_ON_SQLITE = {"opening.py"}


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (ROOT / "storage").glob("*.py") if p.name not in STILL_ON_SQLITE),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_repositories_do_not_reach_for_sqlite(path: Path) -> None:
    found = imported(path)
    assert "sqlite3" not in found
    assert not {m for m in found if m.startswith("storage.sqlite")}


@pytest.mark.parametrize("module", ["bot/core/clock.py", "storage/engine.py"])
def test_the_clock_and_the_interface_import_nothing_of_ours(module: str) -> None:
    assert not {m for m in imported(ROOT / module) if ours(m)}


def test_nothing_uses_aiosqlite() -> None:
    for folder in ("bot", "handlers", "storage", "bench", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            assert "aiosqlite" not in imported(path), path


@pytest.mark.sqlite_only(reason="PostgreSQL keeps nothing in memory: every test there is this one")
async def test_turns_go_on_with_an_engine_that_keeps_nothing_in_memory(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An engine without a turn memory (None): every turn reads its person from the database."""
    monkeypatch.setattr(SqliteDatabase, "turn_memory", lambda self, memory=None: None)
    app = App(settings)
    await app.open()
    try:
        assert app.router.services.conversations.cache is None
        chat = Chat(app.router, language="en")
        await chat.say("/register")
        await chat.say("1")  # I agree
        assert NAME_QUESTION in chat.replies[-1].text
        await chat.say("Cơ sở gốm Minh Hải")
        assert KIND_QUESTION in chat.replies[-1].text
        await chat.say("1")  # household: the answers so far came back from the database
        assert "role" in chat.replies[-1].text.lower()
        user = await app.router.services.users.find(chat.user)
        assert user is not None
        saved = await app.router.services.conversations.get(user.id)
        assert saved.data["answers"]["name"] == "Cơ sở gốm Minh Hải"
    finally:
        await app.close()
