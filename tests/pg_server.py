"""A fresh PostgreSQL database per test, on the server named by KETNOI_TEST_DATABASE_URL (the
switch that runs the suite on PostgreSQL; .ci/run starts a throwaway server and sets it).
Without it the tests that need a server are skipped, saying so."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import psycopg
import pytest
from psycopg import sql

# Read at import, before the autouse fixture clears every KETNOI_* variable of a test.
SERVER_URL = os.environ.get("KETNOI_TEST_DATABASE_URL", "")

needs_postgres = pytest.mark.skipif(
    not SERVER_URL,
    reason="needs a PostgreSQL server: set KETNOI_TEST_DATABASE_URL (.ci/run does)",
)


def database_url(name: str) -> str:
    """The server's URL with another database name."""
    info = psycopg.conninfo.conninfo_to_dict(SERVER_URL)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo(**info)


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """The URL of a new, empty database, dropped after the test."""
    if not SERVER_URL:
        pytest.skip("needs a PostgreSQL server: set KETNOI_TEST_DATABASE_URL (.ci/run does)")
    name = f"ketnoi_t_{uuid.uuid4().hex[:12]}"
    async with await psycopg.AsyncConnection.connect(SERVER_URL, autocommit=True) as conn:
        await conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url(name)
    finally:
        async with await psycopg.AsyncConnection.connect(SERVER_URL, autocommit=True) as conn:
            await conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
