"""Shared fixtures: a real, migrated SQLite file per test and a recording chat harness."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.core.config import Settings
from tests.chat import Chat


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No KETNOI_* variable or .env of the developer's leaks into a test."""
    for key in list(os.environ):
        if key.startswith("KETNOI_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    yield


def make_settings(tmp_path: Path, **values: Any) -> Settings:
    """Settings for a test: a fresh database file in tmp_path, no .env."""
    values.setdefault("db_path", tmp_path / "ketnoi.db")
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
