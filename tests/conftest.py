"""Shared fixtures: a real, migrated database per test (an SQLite file, or PostgreSQL with
KETNOI_TEST_DATABASE_URL: tests/database.py), a recording chat harness, the test calendar's
today, and the local Telegram and Zalo Bot API servers."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine

from bot.app import App
from bot.core.config import Settings
from tests.chat import Chat
from tests.database import database_url_for, drop_databases_under, install, on_postgres
from tests.fair_data import TODAY
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo

install()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): about the SQLite engine itself (its thread, inline path, turn"
        " cache, WAL or file); skipped when the tests run on PostgreSQL",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not on_postgres():
        return
    for item in items:
        if (mark := item.get_closest_marker("sqlite_only")) is not None:
            why = mark.kwargs.get("reason") or (mark.args[0] if mark.args else "SQLite only")
            item.add_marker(pytest.mark.skip(reason=f"SQLite engine only: {why}"))


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No KETNOI_* variable or .env of the developer's leaks into a test; on PostgreSQL, the
    test's databases are dropped after it (this fixture ends after the test's own)."""
    for key in list(os.environ):
        if key.startswith("KETNOI_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    yield
    drop_databases_under(tmp_path)


def make_settings(tmp_path: Path, **values: Any) -> Settings:
    """Settings for a test: a fresh database file in tmp_path (or its PostgreSQL stand-in:
    tests/database.py), no .env."""
    values.setdefault("db_path", tmp_path / "ketnoi.db")
    if "database_url" not in values and (url := database_url_for(values["db_path"])):
        values["database_url"] = url
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Default test settings, with one owner on the console."""
    return make_settings(tmp_path, admins="console:admin")


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    """An opened App on a real SQLite file."""
    async with App(settings) as application:
        yield application


@pytest.fixture
def chat(app: App) -> Chat:
    """A producer on the console channel."""
    return Chat(app.router)


@pytest.fixture(autouse=True)
def _today(request: pytest.FixtureRequest) -> None:
    """In a module marked `pytestmark = pytest.mark.today`, the clock stands at
    tests.fair_data.TODAY (23 November 2026) and ticks, before any other fixture runs; the
    test's own `time_machine` can move it on."""
    if request.node.get_closest_marker("today") is not None:
        clock: time_machine.TimeMachineFixture = request.getfixturevalue("time_machine")
        clock.move_to(TODAY, tick=True)


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    """A local server speaking the Telegram Bot API (token 123:ABC), recording what was sent."""
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def fake_zalo() -> Iterator[FakeZalo]:
    """A local server speaking the Zalo Bot API, recording what was sent."""
    with FakeZalo() as server:
        yield server
