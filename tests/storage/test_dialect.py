"""The SQLite dialect the repositories write, as PostgreSQL receives it (dialect.py)."""

from __future__ import annotations

import pytest

from storage.postgres.dialect import translate


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        ("SELECT * FROM users WHERE id = ?", "SELECT * FROM users WHERE id = %s"),
        (
            "SELECT '?' || name FROM t WHERE a LIKE '%x'",
            "SELECT '?' || name FROM t WHERE a ILIKE '%%x'",
        ),
        (
            "INSERT OR IGNORE INTO fair_follows (fair_id, account_id) VALUES (?, ?)",
            "INSERT INTO fair_follows (fair_id, account_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        ),
        (
            "INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING id",
            "INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING RETURNING id",
        ),
        ("SELECT 1 FROM t WHERE topic IS NOT ?", "SELECT 1 FROM t WHERE topic IS DISTINCT FROM %s"),
        ("SELECT 1 FROM t WHERE topic IS ?", "SELECT 1 FROM t WHERE topic IS NOT DISTINCT FROM %s"),
        (
            "SELECT max(a, coalesce(b, '')), max(c) FROM t",
            "SELECT greatest(a, coalesce(b, '')), max(c) FROM t",
        ),
        ("SELECT min(a, b) FROM t", "SELECT least(a, b) FROM t"),
        ("SELECT 1 FROM e INDEXED BY e_status WHERE 1", "SELECT 1 FROM e WHERE TRUE"),
        (
            "SELECT a FROM s CROSS JOIN users u ON u.id = s.a",
            "SELECT a FROM s JOIN users u ON u.id = s.a",
        ),
        ("SELECT 1 FROM t WHERE +status = ? OR 0", "SELECT 1 FROM t WHERE status = %s OR FALSE"),
        ("DROP TABLE temp.ketnoi_idle", "DROP TABLE pg_temp.ketnoi_idle"),
        ("SELECT a::text FROM t", "SELECT a::text FROM t"),
    ],
)
def test_statements_are_translated(sqlite: str, postgres: str) -> None:
    assert translate(sqlite).sql == postgres


def test_a_pragma_is_not_sent() -> None:
    assert translate("PRAGMA secure_delete = ON").sql == ""


def test_an_insert_knows_its_table() -> None:
    tr = translate("INSERT INTO outbox (a) VALUES (?)")
    assert tr.inserting and tr.table == "outbox" and not tr.returning
    assert not translate("UPDATE outbox SET a = ?").inserting
