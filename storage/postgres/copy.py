"""`ketnoi db copy --to postgresql://…`: an SQLite database's every table copied into a migrated
PostgreSQL database, in one transaction, with the identity sequences moved past the copied ids
and the row counts checked table by table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storage.engine import Database, StorageError
from storage.postgres.database import PostgresDatabase

__all__ = ["copy_database"]


async def _order(target: PostgresDatabase, tables: list[str]) -> list[str]:
    """`tables`, each after those its foreign keys refer to."""
    edges = await target.foreign_keys()
    done: list[str] = []
    left = sorted(tables)
    while left:
        ready = [t for t in left if not (edges.get(t, set()) - {t}) - set(done)]
        if not ready:  # a cycle (none in the schema): the rest in name order
            ready = left[:1]
        done += ready
        left = [t for t in left if t not in ready]
    return done


async def copy_database(
    source: Database, target: PostgresDatabase, *, say: Callable[[str], None] = print
) -> dict[str, int]:
    """Copy every table of `source` into `target` (migrated, without users yet): all or
    nothing. Returns the rows per table; raises StorageError if a table is missing in the
    target or a count differs after the copy."""
    have = await source.schema()
    want = await target.schema()
    missing = sorted(set(have) - set(want))
    if missing:
        raise StorageError(f"the target has no table {', '.join(missing)}: is it migrated?")
    row = await target.fetchone("SELECT count(*) FROM users")
    if row is not None and int(row[0]) > 0:
        raise StorageError("the target database already has users: copy into an empty one")
    order = await _order(target, list(have))
    counts: dict[str, int] = {}
    async with target.transaction():
        # what the migrations put there (reminder and retention rules) is replaced by the copy
        await target.execute(f"TRUNCATE {', '.join(order)} CASCADE")
        for table in order:
            columns = [c for c in have[table].columns if c in want[table].columns]
            read = await source.fetchall(f"SELECT {', '.join(columns)} FROM {table}")
            rows: list[tuple[Any, ...]] = [tuple(r[i] for i in range(len(columns))) for r in read]
            if table == "users" and "account_id" in columns:
                # an identity's account (the first identity's row) goes in before it
                at, ident = columns.index("account_id"), columns.index("id")
                rows.sort(key=lambda r: r[at] not in (None, r[ident]))
            marks = ", ".join("?" * len(columns))
            await target.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
                " ON CONFLICT DO NOTHING",  # rows a trigger already made from another table
                rows,
            )
            counts[table] = len(rows)
        await target.reset_identities()
        wrong = []
        for table in order:
            got = await target.fetchone(f"SELECT count(*) FROM {table}")
            copied = int(got[0]) if got else 0
            say(f"{table:<28} {counts[table]:>9} {copied:>9}")
            if copied != counts[table]:
                wrong.append(f"{table} ({counts[table]} rows, {copied} copied)")
        if wrong:
            raise StorageError(f"the counts differ, nothing was copied: {', '.join(wrong)}")
    return counts
