"""What the repositories need of a database: the interface a storage engine implements.

Repositories (storage/*.py) reach the database through `Database` and nothing else, so that a
second engine (PostgreSQL, for several processes) can carry the same repositories. The SQLite
engine is storage/sqlite/, the PostgreSQL engine storage/postgres/ (storage/opening.py picks
one). The SQL is SQLite's dialect (`?` placeholders, json_each, `INSERT OR IGNORE`); the
PostgreSQL engine translates it, and overrides the few statements a rule cannot translate, in
one place: storage/postgres/dialect.py. What differs beyond the SQL (the catalogue, migrations)
is a method of each engine (`schema`, `migrate`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple, Protocol, TypeVar, overload

__all__ = ["Database", "Row", "StorageError", "TableInfo", "Transaction", "TurnMemory"]

T = TypeVar("T")
U = TypeVar("U")
S = TypeVar("S")


class StorageError(Exception):
    """The database cannot be used; the message is the one line to show."""


class TableInfo(NamedTuple):
    """A table as the catalogue describes it."""

    columns: tuple[str, ...]
    unique: tuple[tuple[str, ...], ...]  # the primary key's and unique indexes' column lists


class Row(Protocol):
    """One result row, by position or by column name (`dict(row)` gives the columns)."""

    def keys(self) -> Iterable[str]: ...

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __len__(self) -> int: ...


class Transaction(Protocol):
    """`async with db.transaction():` — every write inside commits together, or none does."""

    async def __aenter__(self) -> object: ...

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None: ...


class TurnMemory(Protocol[U, S]):
    """People's user (U) and conversation state (S) kept in memory between their turns, by an
    engine that drops an entry whenever anything else changes its rows.

    `keep_user` and `keep_state` are called in the connection's order of statements (from a
    `then` of `fetchone` or `at_commit`), so that a write landing after them drops them.
    """

    def __len__(self) -> int: ...

    async def take(self, key: tuple[str, str]) -> tuple[U, S] | None:
        """The user at this platform address and their state, taken out until the turn keeps
        its state again; None if either is not kept."""
        ...

    def keep_user(self, key: tuple[str, str], user_id: int, user: U) -> None: ...

    def keep_state(self, user_id: int, state: S) -> None: ...

    def forget(self, key: tuple[str, str]) -> None: ...

    def clear(self) -> None: ...


class Database(Protocol):
    """A database shared by every coroutine of the process.

    Writes belong inside `transaction()`. `quick` marks a statement of some microseconds (by
    key, a few rows), which an engine may run without handing it to another thread.
    """

    def transaction(self) -> Transaction:
        """All writes inside commit together, or not at all; the block ends once they are
        durable. A transaction opened inside another is a savepoint of it."""
        ...

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
        """The first row of a query (or of a write's RETURNING), or None.

        `then`: called with the row right after the statement, before any other statement on
        the connection; its result is returned. `unlocked`: read outside the current
        transaction, without waiting for the write lock (it may see what other transactions
        wrote, committed or not): for a check made again under the lock before anything is
        written on the strength of it.
        """
        ...

    async def fetchall(
        self, sql: str, params: Iterable[Any] = (), *, quick: bool = False
    ) -> list[Row]:
        """Every row of a query."""
        ...

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one writing statement, in its own transaction unless inside one. The new row's
        id for an INSERT that inserted a row, else the number of rows changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one writing statement once per row of parameters, in its own transaction unless
        inside one; how many rows changed in all."""
        ...

    def at_commit(
        self, sql: str, params: Sequence[Any] = (), *, then: Callable[[], None] | None = None
    ) -> None:
        """Run a writing statement with the COMMIT of the current transaction (no round trip
        now): for a last write whose result nobody reads before the commit. `then` is called
        right after it, before any other statement. Only inside `transaction()`."""
        ...

    def on_commit_failed(self, hook: Callable[[], None]) -> None:
        """Call `hook` when a COMMIT fails and is rolled back, before any later statement: for
        what was kept in memory on the strength of it."""
        ...

    def turn_memory(self, memory: TurnMemory[U, S] | None = None) -> TurnMemory[U, S] | None:
        """Where people's turns are kept between updates: `memory` (one the engine's own kind,
        made by the caller) or a new one; None if this engine keeps nothing (then every turn
        reads its person from the database)."""
        ...

    async def schema(self) -> dict[str, TableInfo]:
        """Every table of the application (not the engine's own): columns and unique keys."""
        ...

    async def migrate(self) -> list[str]:
        """Apply every migration not applied yet (a missing lower number too); their names."""
        ...

    async def applied_migrations(self) -> dict[int, str]:
        """number → file name of every migration applied."""
        ...

    async def close(self) -> None:
        """Finish what is pending and let the database go."""
        ...
