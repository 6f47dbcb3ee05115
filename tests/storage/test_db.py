"""The database: PRAGMAs, migrations, transactions with group commit, backup, clear errors."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.core.types import UserRef
from storage.conversations import ConversationRepo
from storage.engine import StorageError
from storage.sqlite import SqliteDatabase as Database
from storage.sqlite.statements import migration_files as _migrations
from storage.users import UserRepo
from tests.database import connect_sync, open_test_db

SQLITE_FILE = pytest.mark.sqlite_only(reason="the SQLite file: WAL, PRAGMAs, backup, its errors")


@SQLITE_FILE
async def test_open_sets_wal_foreign_keys_busy_timeout_and_temp_store(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.db")
    try:
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"  # type: ignore[index]
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1  # type: ignore[index]
        assert (await db.fetchone("PRAGMA busy_timeout"))[0] == 5000  # type: ignore[index]
        # savepoint journals in memory, not two write() calls a page in a temporary file
        assert (await db.fetchone("PRAGMA temp_store"))[0] == 2  # type: ignore[index]
        assert await db.user_version() == max(n for n, _, _ in _migrations())
    finally:
        await db.close()


@SQLITE_FILE  # the PostgreSQL stand-ins are copies of a migrated template
async def test_migrations_apply_once(tmp_path: Path) -> None:
    db = await open_test_db(tmp_path / "k.db", migrate=False)
    try:
        first = await db.migrate()
        assert first and first[0] == "0001_init.sql"
        assert await db.migrate() == []
    finally:
        await db.close()


async def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    db = await open_test_db(tmp_path / "k.db")
    users = UserRepo(db)
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await users.touch(UserRef(channel="console", external_id="x"))
            raise RuntimeError("boom")
    assert await users.find(UserRef(channel="console", external_id="x")) is None
    await db.close()


async def test_committed_writes_are_seen_by_another_connection(tmp_path: Path) -> None:
    db = await open_test_db(tmp_path / "k.db")
    users = UserRepo(db)

    async def one(i: int) -> None:
        async with db.transaction():
            await users.touch(UserRef(channel="console", external_id=str(i)))

    await asyncio.gather(*(one(i) for i in range(50)))
    # each transaction returned only after its COMMIT: a second reader sees all 50 now
    with connect_sync(tmp_path / "k.db") as other:
        assert other.execute("SELECT count(*) FROM users").fetchone()[0] == 50
    await db.close()


async def test_nested_transaction_rolls_back_only_itself(tmp_path: Path) -> None:
    db = await open_test_db(tmp_path / "k.db")
    users = UserRepo(db)
    async with db.transaction():
        await users.touch(UserRef(channel="console", external_id="kept"))
        with pytest.raises(ValueError):
            async with db.transaction():
                await users.touch(UserRef(channel="console", external_id="dropped"))
                raise ValueError
    assert await users.find(UserRef(channel="console", external_id="kept")) is not None
    assert await users.find(UserRef(channel="console", external_id="dropped")) is None
    await db.close()


async def test_conversation_state_round_trips(tmp_path: Path) -> None:
    db = await open_test_db(tmp_path / "k.db")
    users, convs = UserRepo(db), ConversationRepo(db)
    async with db.transaction():
        user, created = await users.touch(UserRef(channel="telegram", external_id="7"), "Lan")
        conv = await convs.get(user.id)
        conv.start("registration", "ask_name", {"kind": "household", "name": "Gốm Minh Long"})
        conv.last_menu = [("Quay lại", "reg:back")]
        await convs.save(conv)
    assert created and user.account_id == user.id
    await db.close()
    db = await open_test_db(tmp_path / "k.db")
    again = await ConversationRepo(db).get(user.id)
    assert (again.flow, again.step) == ("registration", "ask_name")
    assert again.data["name"] == "Gốm Minh Long"
    assert again.last_menu == [("Quay lại", "reg:back")]
    await db.close()


@SQLITE_FILE
async def test_backup_is_a_usable_copy(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.db")
    async with db.transaction():
        await UserRepo(db).touch(UserRef(channel="console", external_id="b"))
    await db.backup(tmp_path / "copy.db")
    await db.close()
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("SELECT external_id FROM users").fetchall() == [("b",)]
    copy.close()


@SQLITE_FILE
async def test_a_file_that_is_not_sqlite_is_refused_clearly(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database " * 100, encoding="utf-8")
    with pytest.raises(StorageError, match="file is not a database"):
        await Database.open(bogus)


@SQLITE_FILE
async def test_an_unwritable_place_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"cannot open the database|unable to open"):
        await Database.open(tmp_path / "missing-dir" / "k.db")


async def test_execute_returns_new_ids_and_changed_row_counts(tmp_path: Path) -> None:
    db = await open_test_db(tmp_path / "k.db")
    now = "2026-11-23T00:00:00+00:00"
    insert = (
        "INSERT INTO users (channel, external_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (channel, external_id) DO NOTHING"
    )
    first = await db.execute(insert, ("console", "a", now, now))
    second = await db.execute(insert, ("console", "b", now, now))
    assert (first, second) == (1, 2)
    assert await db.execute(insert, ("console", "a", now, now)) == 0  # conflict: nothing new
    assert await db.execute("UPDATE users SET locale = 'vi' WHERE id = 1") == 1
    assert await db.execute("UPDATE users SET locale = 'vi' WHERE id = 99") == 0
    await db.close()


@SQLITE_FILE
async def test_what_an_update_replaces_does_not_stay_in_the_file(tmp_path: Path) -> None:
    """A phone number corrected (or a name, a conversation's answers: any row rewritten) leaves
    no copy of the old value in the file's free space, for an erasure to miss later."""
    path = tmp_path / "k.db"
    db = await Database.open(path)
    assert (await db.fetchone("PRAGMA secure_delete"))[0] == 1  # type: ignore[index]
    users = UserRepo(db)
    async with db.transaction():
        user, _ = await users.touch(UserRef(channel="console", external_id="lan"), "Nguyễn Thị Lan")
    await db.execute("UPDATE users SET display_name = 'X' WHERE id = ?", (user.id,))
    await db.run(lambda c: c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())
    assert "Nguyễn Thị Lan".encode() not in path.read_bytes()
    await db.close()
