"""The PostgreSQL engine: storage.engine.Database on a pool of psycopg connections.

Why psycopg 3 (with psycopg_pool) rather than asyncpg: it is the maintained successor of the
driver most PostgreSQL deployments already know, it speaks asyncio natively, binds parameters
on the server (so values never travel inside the SQL text), pipelines `executemany`, and its
pool checks connections and replaces broken ones; its `%s` placeholders are one mechanical
step from SQLite's `?` (storage/postgres/dialect.py), where asyncpg's `$n` would need counting,
and its rows can be shaped like sqlite3.Row (by position and by name), which the repositories
read. asyncpg is faster on raw throughput, which a bot answering people does not need.

Transactions: every connection is in autocommit; `transaction()` takes one from the pool with
its first statement, issues BEGIN, and then takes a transaction-scoped advisory lock that every
transaction takes (`WRITE_LOCK`): transactions run one at a time across all processes, as they
do on SQLite (BEGIN IMMEDIATE), so every repository's read-then-write stays correct unchanged.
Nested blocks are savepoints. Statements outside a transaction run on any free connection.
The turn cache of the SQLite engine is off here (`turn_memory` returns None): other processes'
writes would not invalidate it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from importlib import resources
from typing import Any, Final, TypeVar, overload

import psycopg
from psycopg import postgres
from psycopg.abc import Buffer
from psycopg.adapt import Dumper, Loader
from psycopg.rows import RowMaker
from psycopg.types.string import StrDumperUnknown
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from storage.engine import Row, StorageError, TableInfo, TurnMemory
from storage.postgres.dialect import FUNCTIONS, translate

__all__ = ["MIGRATE_LOCK", "WRITE_LOCK", "PgRow", "PostgresDatabase", "migration_files"]

T = TypeVar("T")
U = TypeVar("U")
S = TypeVar("S")
log = logging.getLogger(__name__)

# Keys of pg_advisory_xact_lock / pg_advisory_lock; any two numbers nothing else uses.
WRITE_LOCK: Final = 0x6B65_746E_6F69  # 'ketnoi'
MIGRATE_LOCK: Final = WRITE_LOCK + 1
Conn = psycopg.AsyncConnection[Any]


class PgRow:
    """A result row read like sqlite3.Row: by position, by column name, `dict(row)`."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = tuple(values)
        self._index = index

    def keys(self) -> list[str]:
        return list(self._index)

    def __getitem__(self, key: int | str | slice, /) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PgRow):
            return self._values == other._values
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values)

    def __repr__(self) -> str:
        return f"PgRow({dict(zip(self._index, self._values, strict=True))!r})"


def _rows(cursor: Any) -> RowMaker[PgRow]:
    index = {c.name: i for i, c in enumerate(cursor.description or ())}

    def make(values: Sequence[Any]) -> PgRow:
        return PgRow(values, index)

    return make


class _Number(Loader):
    """numeric (what sum() of integers gives) as int when whole, else float: as SQLite gives."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        try:
            return int(text)
        except ValueError:
            return float(text)


class _Flag(Dumper):
    """A Python bool as 1 or 0: the schema keeps flags in integer columns, as SQLite does."""

    oid = postgres.types["int8"].oid

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


class _Text(StrDumperUnknown):
    """A Python str, its NUL characters (which PostgreSQL's text cannot hold, and SQLite's
    can) as U+FFFD: a button payload or a message with one is garbage anyway, and answered."""

    def dump(self, obj: str) -> Buffer | None:
        return super().dump(obj.replace("\x00", "\ufffd") if "\x00" in obj else obj)


async def _configure(conn: Conn) -> None:
    conn.adapters.register_loader("numeric", _Number)
    conn.adapters.register_dumper(bool, _Flag)
    conn.adapters.register_dumper(str, _Text)


def migration_files() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every file in storage/migrations/postgres, in order."""
    found = []
    for entry in resources.files("storage.migrations").joinpath("postgres").iterdir():
        if entry.name.endswith(".sql") and entry.name[:4].isdigit():
            found.append((int(entry.name[:4]), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class _Tx:
    """The transaction the current task is in."""

    __slots__ = ("conn", "deferred", "savepoints")

    def __init__(self) -> None:
        self.conn: Conn | None = None  # taken with the first statement
        self.deferred: list[tuple[str, tuple[Any, ...], Callable[[], None] | None]] = []
        self.savepoints: list[bool] = []  # nested blocks, innermost last: SAVEPOINT issued yet


_current: ContextVar[_Tx | None] = ContextVar("ketnoi_pg_transaction", default=None)


def _error(exc: psycopg.Error) -> StorageError:
    return StorageError(f"database error: {exc}")


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database, shared by every coroutine."""

    def __init__(self, url: str, pool: AsyncConnectionPool[Conn]) -> None:
        self.url = url
        self._pool = pool
        self._lock = asyncio.Lock()  # this process's transactions wait here, not in the pool
        self._commit_failed: list[Callable[[], None]] = []
        self._ids: set[str] | None = None  # tables with an `id` column

    @classmethod
    async def open(
        cls, url: str, *, migrate: bool = True, min_size: int = 1, max_size: int = 8
    ) -> PostgresDatabase:
        """Connect (checking the server is reachable) and migrate."""
        pool: AsyncConnectionPool[Conn] = AsyncConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            open=False,
            kwargs={"autocommit": True, "row_factory": _rows},
            configure=_configure,
            name="ketnoi",
        )
        try:
            await pool.open(wait=True, timeout=10)
        except (PoolTimeout, psycopg.Error) as exc:
            await pool.close()
            raise StorageError(f"cannot connect to the PostgreSQL database: {exc}") from None
        db = cls(url, pool)
        try:
            version = await db.fetchone("SHOW server_version_num")
            if version is None or int(version[0]) < 150000:
                raise StorageError("PostgreSQL 15 or newer is needed")
            if migrate:
                await db.migrate()
        except BaseException:
            await pool.close()
            raise
        return db

    async def close(self) -> None:
        await self._pool.close()

    # -- statements ----------------------------------------------------------------------------

    async def _tx_conn(self, tx: _Tx) -> Conn:
        """The transaction's connection: taken, with BEGIN and the write lock, by its first
        statement; the SAVEPOINTs of nested blocks not yet issued."""
        if tx.conn is None:
            await self._lock.acquire()
            conn: Conn | None = None
            try:
                conn = await self._pool.getconn()
                await conn.execute("BEGIN")
                await conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            except BaseException:
                if conn is not None:
                    await self._pool.putconn(conn)
                self._lock.release()
                raise
            tx.conn = conn
        for i, issued in enumerate(tx.savepoints):
            if not issued:
                await tx.conn.execute(f"SAVEPOINT s{i}")
                tx.savepoints[i] = True
        return tx.conn

    async def _run(
        self, sql: str, params: Iterable[Any], fetch: str, *, unlocked: bool = False
    ) -> Any:
        tr = translate(sql)
        if not tr.sql:  # SQLite's PRAGMAs: nothing to do here
            return None if fetch == "one" else [] if fetch == "all" else 0
        args = tuple(params)
        tx = None if unlocked else _current.get()
        query = tr.sql
        want_id = fetch == "id" and tr.inserting and not tr.returning
        if want_id:
            want_id = tr.table in await self._id_tables()
            if want_id:
                query += " RETURNING id"
        try:
            if tx is None:
                async with self._pool.connection() as conn:
                    cur = await conn.execute(query, args)
                    return await _result(cur, fetch, want_id)
            conn = await self._tx_conn(tx)
            cur = await conn.execute(query, args)
            return await _result(cur, fetch, want_id)
        except psycopg.Error as exc:
            raise _error(exc) from exc

    @overload
    async def fetchone(
        self, sql: str, params: Iterable[Any] = (), *, unlocked: bool = False, quick: bool = True
    ) -> Row | None: ...

    @overload
    async def fetchone(
        self,
        sql: str,
        params: Iterable[Any] = (),
        *,
        unlocked: bool = False,
        quick: bool = True,
        then: Callable[[Row | None], T],
    ) -> T: ...

    async def fetchone(
        self,
        sql: str,
        params: Iterable[Any] = (),
        *,
        unlocked: bool = False,
        quick: bool = True,
        then: Callable[[Row | None], T] | None = None,
    ) -> Row | T | None:
        row: Row | None = await self._run(sql, params, "one", unlocked=unlocked)
        return row if then is None else then(row)

    async def fetchall(
        self, sql: str, params: Iterable[Any] = (), *, quick: bool = False
    ) -> list[Row]:
        rows: list[Row] = await self._run(sql, params, "all")
        return rows

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        if _current.get() is not None:
            return int(await self._run(sql, params, "id"))
        async with self.transaction():
            return int(await self._run(sql, params, "id"))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        args = [tuple(r) for r in rows]
        if not args:
            return 0
        query = translate(sql).sql
        if _current.get() is None:
            async with self.transaction():
                return await self.executemany(sql, args)
        tx = _current.get()
        assert tx is not None
        try:
            conn = await self._tx_conn(tx)
            async with conn.cursor() as cur:
                await cur.executemany(query, args)
                return max(cur.rowcount, 0)
        except psycopg.Error as exc:
            raise _error(exc) from exc

    def at_commit(
        self, sql: str, params: Sequence[Any] = (), *, then: Callable[[], None] | None = None
    ) -> None:
        tx = _current.get()
        if tx is None:
            raise RuntimeError("PostgresDatabase.at_commit() outside a transaction")
        tx.deferred.append((sql, tuple(params), then))

    def on_commit_failed(self, hook: Callable[[], None]) -> None:
        self._commit_failed.append(hook)

    def turn_memory(self, memory: TurnMemory[U, S] | None = None) -> TurnMemory[U, S] | None:
        """Nothing is kept between turns: another process may change a person's rows."""
        return None

    def transaction(self) -> _Transaction:
        return _Transaction(self)

    # -- catalogue and migrations --------------------------------------------------------------

    async def _id_tables(self) -> set[str]:
        """The tables with an `id` column: an INSERT into one returns the new row's id."""
        if self._ids is None:
            self._ids = await self._catalog_ids()
        return self._ids

    async def _catalog_ids(self) -> set[str]:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT table_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND column_name = 'id'"
            )
            return {str(r[0]) for r in await cur.fetchall()}

    async def schema(self) -> dict[str, TableInfo]:
        """Every table of the database: its columns, and the column sets of its primary key
        and unique indexes."""
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT c.relname, a.attname FROM pg_class c"
                " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
                " WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace"
                " ORDER BY c.relname, a.attnum"
            )
            columns: dict[str, list[str]] = {}
            for table, column in await cur.fetchall():
                columns.setdefault(table, []).append(column)
            cur = await conn.execute(
                "SELECT c.relname, array_agg(a.attname ORDER BY k.ord) FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indrelid"
                " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)"
                " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum"
                " WHERE i.indisunique AND c.relnamespace = current_schema()::regnamespace"
                " GROUP BY c.relname, i.indexrelid"
            )
            unique: dict[str, list[tuple[str, ...]]] = {}
            for table, cols in await cur.fetchall():
                unique.setdefault(table, []).append(tuple(cols))
        return {
            t: TableInfo(columns=tuple(cols), unique=tuple(unique.get(t, ())))
            for t, cols in columns.items()
            if t != "schema_migrations"
        }

    async def foreign_keys(self) -> dict[str, set[str]]:
        """table → the tables its foreign keys refer to."""
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT c.relname, r.relname FROM pg_constraint k"
                " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid"
                " WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace"
            )
            found: dict[str, set[str]] = {}
            for table, refers in await cur.fetchall():
                found.setdefault(str(table), set()).add(str(refers))
            return found

    async def reset_identities(self) -> None:
        """Every identity column's sequence moved past the highest id in its table (after rows
        were inserted with their ids: `ketnoi db copy`). In the current transaction."""
        rows = await self.fetchall(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND is_identity = 'YES'"
        )
        for row in rows:
            table, column = str(row[0]), str(row[1])
            await self.fetchone(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" coalesce(max({column}), 1), max({column}) IS NOT NULL) FROM {table}"
            )

    async def applied_migrations(self) -> dict[int, str]:
        """number → name of every migration applied."""
        async with self._pool.connection() as conn:
            cur = await conn.execute("SELECT number, name FROM schema_migrations ORDER BY number")
            return {int(n): str(name) for n, name in await cur.fetchall()}

    async def schema_version(self) -> int:
        """The highest migration number applied."""
        applied = await self.applied_migrations()
        return max(applied, default=0)

    async def migrate(self) -> list[str]:
        """Apply every migration of storage/migrations/postgres not yet recorded in
        schema_migrations, lowest number first, each in its own transaction; several processes
        starting together migrate one at a time (a session advisory lock)."""
        applied: list[str] = []
        try:
            async with self._pool.connection() as conn:
                await conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATE_LOCK,))
                try:
                    await conn.execute(
                        "CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY,"
                        " name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                    )
                    await conn.execute(FUNCTIONS)
                    cur = await conn.execute("SELECT number FROM schema_migrations")
                    done = {int(r[0]) for r in await cur.fetchall()}
                    for number, name, sql in migration_files():
                        if number in done:
                            continue
                        try:
                            async with conn.transaction():
                                await conn.execute(sql)
                                await conn.execute(
                                    "INSERT INTO schema_migrations (number, name, applied_at)"
                                    " VALUES (%s, %s, to_char(now() AT TIME ZONE 'UTC',"
                                    " 'YYYY-MM-DD\"T\"HH24:MI:SS.US+00:00'))",
                                    (number, name),
                                )
                        except psycopg.Error as exc:
                            raise StorageError(f"migration {name} failed: {exc}") from None
                        applied.append(name)
                finally:
                    await conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATE_LOCK,))
        except psycopg.Error as exc:
            raise StorageError(f"cannot migrate the database: {exc}") from None
        self._ids = None
        return applied


async def _result(cur: Any, fetch: str, want_id: bool) -> Any:
    if fetch == "one":
        return await cur.fetchone() if cur.description else None
    if fetch == "all":
        return await cur.fetchall() if cur.description else []
    if want_id:
        ids = await cur.fetchall()
        return int(ids[-1][0]) if ids else 0
    return max(cur.rowcount, 0)


class _Transaction:
    """`PostgresDatabase.transaction()`."""

    __slots__ = ("_db", "_outer", "_token", "_tx")

    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db

    async def __aenter__(self) -> PostgresDatabase:
        self._outer = _current.get()
        if self._outer is not None:
            self._outer.savepoints.append(False)  # SAVEPOINT with the block's first statement
        else:
            self._tx = _Tx()
            self._token = _current.set(self._tx)
        return self._db

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        db = self._db
        if self._outer is not None:
            outer = self._outer
            level = len(outer.savepoints) - 1
            issued = outer.savepoints.pop()
            if issued and outer.conn is not None:
                try:
                    if kind is not None:
                        await outer.conn.execute(f"ROLLBACK TO SAVEPOINT s{level}")
                    await outer.conn.execute(f"RELEASE SAVEPOINT s{level}")
                except psycopg.Error as err:
                    if kind is None:
                        raise _error(err) from err
            return
        tx = self._tx
        try:
            if kind is not None:
                if tx.conn is not None:
                    await _rollback(tx.conn)
                return
            if tx.conn is None and not tx.deferred:
                return
            try:
                conn = await db._tx_conn(tx)
                for sql, params, then in tx.deferred:
                    if query := translate(sql).sql:
                        await conn.execute(query, params)
                    if then is not None:
                        then()
                await conn.execute("COMMIT")
            except (psycopg.Error, Exception) as err:
                if tx.conn is not None:
                    await _rollback(tx.conn)
                for hook in db._commit_failed:
                    hook()
                if isinstance(err, psycopg.Error):
                    raise StorageError(f"commit failed: {err}") from err
                raise
        finally:
            _current.reset(self._token)
            if tx.conn is not None:
                await db._pool.putconn(tx.conn)
                db._lock.release()


async def _rollback(conn: Conn) -> None:
    try:
        await conn.execute("ROLLBACK")
    except psycopg.Error as exc:  # a broken connection: the pool replaces it
        log.warning("rollback failed: %s", exc)
