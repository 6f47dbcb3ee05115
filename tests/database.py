"""Where every test's database comes from: the one switch between the two engines.

Without KETNOI_TEST_DATABASE_URL the tests use a fresh SQLite file in tmp_path, as the bot
does by default. With it (postgresql://… of a server the tests may create databases on, e.g.
tools/pg_throwaway.sh's, or `make test-pg`), every SQLite path a test names gets its own
PostgreSQL database instead, made in a few milliseconds as a copy of one migrated template
(CREATE DATABASE … TEMPLATE), so that the whole suite runs on PostgreSQL unchanged. A test
that is about the SQLite engine itself (its thread, inline path, turn cache, WAL, the file)
is marked `sqlite_only` and skipped there.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from storage import opening
from storage.engine import Database
from storage.opening import open_database

__all__ = [
    "TEST_DATABASE_URL",
    "connect_sync",
    "database_url_for",
    "db_env",
    "drop_databases_under",
    "install",
    "on_postgres",
    "open_test_db",
]

# Read once at import: the tests' own fixture clears every KETNOI_* variable.
TEST_DATABASE_URL = os.environ.get("KETNOI_TEST_DATABASE_URL") or None
_THROWAWAY = os.environ.get("KETNOI_TEST_THROWAWAY") == "1"  # the server goes after the run

_lock = threading.Lock()
_made: dict[str, str] = {}  # a test's SQLite path -> its PostgreSQL database's URL
_names: list[str] = []
_count = [0]  # databases made so far (names stay unique when some are dropped)
_template: str | None = None


def install() -> None:
    """On PostgreSQL, every database the code under test opens by path alone is the path's
    stand-in (storage.opening.stand_in)."""
    if TEST_DATABASE_URL is not None:
        opening.stand_in = database_url_for


def on_postgres() -> bool:
    return TEST_DATABASE_URL is not None


def _url(name: str) -> str:
    """TEST_DATABASE_URL with the database `name`."""
    assert TEST_DATABASE_URL is not None
    return urlsplit(TEST_DATABASE_URL)._replace(path=f"/{name}").geturl()


_conn: Any = None  # the connection that creates and drops the tests' databases


def _admin(sql: str) -> None:
    global _conn
    import psycopg

    assert TEST_DATABASE_URL is not None
    if _conn is None or _conn.closed:
        _conn = psycopg.connect(TEST_DATABASE_URL, autocommit=True)
    _conn.execute(sql)


def _make_template() -> str:
    """A migrated database, the template of every test's (made once per test run)."""
    global _template
    if _template is None:
        name = f"ketnoi_template_{os.getpid()}"
        _admin(f"DROP DATABASE IF EXISTS {name}")
        _admin(f"CREATE DATABASE {name}")

        async def migrate() -> None:
            db = await open_database(Path("unused"), _url(name))
            await db.close()

        # a thread of its own: the caller may be inside a running event loop
        worker = threading.Thread(target=lambda: asyncio.run(migrate()))
        worker.start()
        worker.join()
        _template = name
        # a throwaway server (make test-pg) goes whole: dropping 1,400 databases one by one
        # would take minutes
        if not _THROWAWAY:
            atexit.register(_drop_all)
    return _template


def _drop_all() -> None:
    for name in [*_names, _template]:
        try:
            _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        except Exception:
            continue


def drop_databases_under(directory: Path) -> None:
    """Drop the stand-ins of the SQLite paths below `directory` (a test's tmp_path, once the
    test is over), so that a run keeps a few databases, not one per test: each is a copy of
    the ~10 MB template, and a throwaway server may keep its data in memory (make test-pg)."""
    if TEST_DATABASE_URL is None:
        return
    base = str(Path(directory).resolve())
    with _lock:
        gone = [key for key in _made if key == base or key.startswith(base + os.sep)]
        for key in gone:
            name = urlsplit(_made.pop(key)).path.lstrip("/")
            _names.remove(name)
            _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def database_url_for(path: Path | str) -> str | None:
    """The PostgreSQL URL standing for the SQLite file `path` (the same for the same path,
    a new empty migrated database the first time); None when the tests run on SQLite."""
    if TEST_DATABASE_URL is None:
        return None
    key = str(Path(path).resolve())
    with _lock:
        if key not in _made:
            template = _make_template()
            _count[0] += 1
            name = f"ketnoi_t{os.getpid()}_{_count[0]}"
            _admin(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
            _names.append(name)
            _made[key] = _url(name)
        return _made[key]


async def open_test_db(path: Path | str, *, migrate: bool = True) -> Database:
    """The test's database at `path`: that SQLite file, or its PostgreSQL stand-in."""
    return await open_database(path, database_url_for(path), migrate=migrate)


def db_env(path: Path | str) -> dict[str, str]:
    """The environment that makes a `ketnoi` process open the test's database at `path`."""
    env = {"KETNOI_DB_PATH": str(path)}
    if (url := database_url_for(path)) is not None:
        env["KETNOI_DATABASE_URL"] = url
    return env


class _PgSync:
    """A blocking connection to the PostgreSQL stand-in, taking SQLite's dialect as
    sqlite3's does (storage/postgres/dialect.py), committed when the `with` block ends."""

    def __init__(self, url: str) -> None:
        import psycopg

        self._conn = psycopg.connect(url)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        from storage.postgres.dialect import translate

        return self._conn.execute(translate(sql).sql, tuple(params))

    def tables(self) -> list[str]:
        rows = self._conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def __enter__(self) -> _PgSync:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self._conn.commit()
        else:
            self._conn.rollback()
        self._conn.close()


class _SqliteSync:
    def __init__(self, path: Path | str) -> None:
        self._conn = sqlite3.connect(path)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.execute(sql, tuple(params))

    def tables(self) -> list[str]:
        rows = self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return [str(r[0]) for r in rows]

    def __enter__(self) -> _SqliteSync:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        with self._conn:  # commits, or rolls back on an error
            if kind is not None:
                self._conn.rollback()
        self._conn.close()


def connect_sync(path: Path | str) -> _PgSync | _SqliteSync:
    """A plain blocking connection to the test's database at `path`, for a test that reads or
    changes it while a `ketnoi` process runs: `with connect_sync(p) as c: c.execute(…)`."""
    url = database_url_for(path)
    return _SqliteSync(path) if url is None else _PgSync(url)
