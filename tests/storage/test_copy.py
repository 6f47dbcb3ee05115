"""`ketnoi db copy --to postgresql://…`: a populated SQLite file moves into PostgreSQL whole."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import main
from bot.app import App
from storage import opening
from storage.sqlite import SqliteDatabase
from tests.chat import Chat
from tests.conftest import make_settings
from tests.database import database_url_for, on_postgres, open_test_db
from tests.fair_data import make_fair, register_enterprise
from tests.handlers.registration_walk import register

pytestmark = pytest.mark.skipif(not on_postgres(), reason="needs KETNOI_TEST_DATABASE_URL")


async def _populated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real SQLite file the bot has used: registrations, a fair and an application, staff,
    audit entries, conversations, queued messages."""
    path = tmp_path / "old.db"
    monkeypatch.setattr(opening, "stand_in", None)  # this one stays SQLite
    settings = make_settings(tmp_path, db_path=path, admins="console:admin", database_url=None)
    async with App(settings) as app:
        lan = Chat(app.router, "lan")
        await register(lan)
        await make_fair(app, booths=3)
        for n in range(3):
            await register_enterprise(app, Chat(app.router, f"p{n}", name=f"P{n}"), f"Cơ sở {n}")
        admin = Chat(app.router, "admin", name="Admin")
        await admin.say("/duyet")  # the review list: an audit entry, an admin's conversation
        await lan.say("/lien_ket")
    monkeypatch.undo()
    return path


async def _counts(db: SqliteDatabase | object, tables: list[str]) -> dict[str, int]:
    found = {}
    for t in tables:
        row = await db.fetchone(f"SELECT count(*) FROM {t}")  # type: ignore[attr-defined]
        found[t] = int(row[0])
    return found


async def test_a_used_sqlite_database_is_copied_whole_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = await _populated(tmp_path, monkeypatch)
    url = database_url_for(tmp_path / "new.db")
    assert url is not None
    monkeypatch.setenv("KETNOI_DB_PATH", str(path))

    code = await asyncio.to_thread(main.main, ["db", "copy", "--to", url])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "the counts match" in out
    source = await SqliteDatabase.open(path)
    target = await open_test_db(tmp_path / "new.db")
    try:
        tables = list(await source.schema())
        want = await _counts(source, tables)
        assert want["users"] >= 5 and want["enterprises"] == 4 and want["fairs"] == 1
        assert want["conversations"] >= 1 and want["outbox"] >= 1, want
        assert await _counts(target, tables) == want
        for table, rows in want.items():
            assert f"{table} " in out and f" {rows} " in out
        # the same rows, and new ones get the next ids
        old = [tuple(r) for r in await source.fetchall("SELECT * FROM enterprises ORDER BY id")]
        new = [tuple(r) for r in await target.fetchall("SELECT * FROM enterprises ORDER BY id")]
        assert new == old
        top = await source.fetchone("SELECT max(id) FROM users")
        added = await target.execute(
            "INSERT INTO users (channel, external_id, created_at, last_seen_at)"
            " VALUES ('telegram', 'new', 'now', 'now')"
        )
        assert top is not None and added == top[0] + 1
    finally:
        await source.close()
        await target.close()


async def test_a_target_with_users_is_refused_and_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = await _populated(tmp_path, monkeypatch)
    target = await open_test_db(tmp_path / "new.db")
    await target.execute(
        "INSERT INTO users (channel, external_id, created_at, last_seen_at)"
        " VALUES ('telegram', 'there', 'now', 'now')"
    )
    await target.close()
    url = database_url_for(tmp_path / "new.db")
    monkeypatch.setenv("KETNOI_DB_PATH", str(path))

    code = await asyncio.to_thread(main.main, ["db", "copy", "--to", str(url)])

    assert code != 0
    assert "already has users" in capsys.readouterr().err
    target = await open_test_db(tmp_path / "new.db")
    try:
        row = await target.fetchone("SELECT count(*) FROM users")
        assert row is not None and row[0] == 1
    finally:
        await target.close()
