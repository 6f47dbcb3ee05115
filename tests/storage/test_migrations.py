"""Migrations are tracked by number on both engines, so a lower number that landed late is
still applied, and every SQLite migration has its PostgreSQL twin."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.postgres.database import migration_files as postgres_migrations
from storage.sqlite import SqliteDatabase
from storage.sqlite.statements import migration_files as sqlite_migrations
from tests.database import on_postgres, open_test_db


def _old_database(path: Path, skip: set[int], version: int) -> None:
    """A database migrated the old way (PRAGMA user_version alone), without `skip`."""
    conn = sqlite3.connect(path)
    for number, _, sql in sqlite_migrations():
        if number <= version and number not in skip:
            conn.executescript(sql)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute(
        "INSERT INTO users (channel, external_id, created_at, last_seen_at)"
        " VALUES ('telegram', '42', '2026-01-01', '2026-01-01')"
    )
    conn.commit()
    conn.close()


@pytest.mark.sqlite_only(reason="a file migrated by an older ketnoi")
async def test_a_database_past_16_without_the_web_tables_gets_them(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_database(path, skip={14}, version=16)
    db = await SqliteDatabase.open(path)
    try:
        applied = await db.applied_migrations()
        tables = await db.schema()
        row = await db.fetchone("SELECT external_id FROM users")
    finally:
        await db.close()
    assert "web_sessions" in tables and "invitations" in tables
    assert "search_text" in tables["enterprises"].columns
    assert applied[14] == "0014_web.sql"
    assert set(applied) == {n for n, _, _ in sqlite_migrations()}
    assert row is not None and row[0] == "42"  # nothing of what was there is lost


@pytest.mark.sqlite_only(reason="a file migrated by an older ketnoi")
async def test_an_old_database_with_everything_applies_nothing_again(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_database(path, skip=set(), version=16)
    db = await SqliteDatabase.open(path, migrate=False)
    try:
        assert await db.migrate() == [
            name for n, name, _ in sqlite_migrations() if n > 16
        ]  # 0009 and 0014 were found, not applied twice
    finally:
        await db.close()


async def test_a_missing_lower_number_is_applied(tmp_path: Path) -> None:
    db = await open_test_db(tmp_path / "ketnoi.db")
    try:
        async with db.transaction():
            await db.execute("DROP INDEX outbox_replies")
            await db.execute("DELETE FROM schema_migrations WHERE number = 9")
        assert await db.migrate() == ["0009_reply_lane.sql"]
        assert 9 in await db.applied_migrations()
        assert await db.migrate() == []
    finally:
        await db.close()


def test_every_sqlite_migration_has_its_postgresql_twin() -> None:
    sqlite = {n: name for n, name, _ in sqlite_migrations()}
    postgres = {n: name for n, name, _ in postgres_migrations()}
    assert sqlite == postgres


@pytest.mark.skipif(not on_postgres(), reason="needs KETNOI_TEST_DATABASE_URL")
async def test_postgresql_has_every_table_of_sqlite(tmp_path: Path) -> None:
    sqlite = await SqliteDatabase.open(tmp_path / "file.db")
    postgres = await open_test_db(tmp_path / "ketnoi.db")
    try:
        want = {t: set(i.columns) for t, i in (await sqlite.schema()).items()}
        got = {t: set(i.columns) for t, i in (await postgres.schema()).items()}
    finally:
        await sqlite.close()
        await postgres.close()
    assert got == want
