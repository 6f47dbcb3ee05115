"""Which engine: PostgreSQL when a database URL is given (KETNOI_DATABASE_URL), else the SQLite
file (KETNOI_DB_PATH). The one place the process, the command line and the tests open a
database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from storage.engine import Database, StorageError

__all__ = ["is_postgres_url", "open_database", "stand_in"]

# The tests' switch to PostgreSQL (tests/database.py) sets this: the URL of the database that
# stands for an SQLite path, for every open that names no URL (a `ketnoi` command run in the
# test's process, say).
stand_in: Callable[[Path], str | None] | None = None


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


async def open_database(
    path: Path | str, url: str | None = None, *, migrate: bool = True
) -> Database:
    """Open (and migrate) the database: PostgreSQL at `url` if given, else SQLite at `path`."""
    if not url and stand_in is not None:
        url = stand_in(Path(path))
    if url:
        if not is_postgres_url(url):
            raise StorageError("KETNOI_DATABASE_URL must start with postgresql://")
        from storage.postgres import PostgresDatabase  # psycopg only when it is used

        return await PostgresDatabase.open(url, migrate=migrate)
    from storage.sqlite import SqliteDatabase

    return await SqliteDatabase.open(path, migrate=migrate)
