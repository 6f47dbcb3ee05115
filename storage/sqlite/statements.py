"""The statements the SQLite engine runs itself, on whichever thread holds the connection:
PRAGMAs, BEGIN/SAVEPOINT/COMMIT of the group commit, checkpoints, migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from importlib import resources
from typing import TypeVar

from storage.engine import StorageError
from storage.sqlite.connection import WouldWait

__all__ = [
    "BUSY_TIMEOUT_MS",
    "CHECKPOINT_EVERY",
    "LATE_MIGRATIONS",
    "MIN_SQLITE",
    "Write",
    "applied_migrations",
    "apply_migration",
    "begin",
    "check_library",
    "checkpoint",
    "commit",
    "configure",
    "migration_files",
    "opening",
    "release_turn",
    "rollback_if_open",
    "rollback_to",
]

T = TypeVar("T")
Write = Callable[[sqlite3.Connection], object]
BUSY_TIMEOUT_MS = 5000
CHECKPOINT_EVERY = 1.0  # seconds: the WAL is copied into the database file on the thread
# RETURNING (3.35), window functions (3.25), UPSERT (3.24), PRAGMA data_version (3.12) and
# the JSON functions (built in since 3.38, and in most builds before): Python's own sqlite3
# module is linked with whatever library the system has, so it is checked at open.
MIN_SQLITE = (3, 35, 0)


def check_library() -> None:
    """Refuse an SQLite library older than the statements need."""
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        need = ".".join(map(str, MIN_SQLITE))
        raise StorageError(f"SQLite {need} or newer is needed, found {sqlite3.sqlite_version}")


def migration_files() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every file in storage/migrations, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        if entry.name.endswith(".sql") and entry.name[:4].isdigit():
            found.append((int(entry.name[:4]), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


# The migrations that landed after higher numbers had already shipped: a database whose
# PRAGMA user_version passed their number may lack them. Before schema_migrations existed, the
# user_version alone said what was applied; these are checked by an object they create.
LATE_MIGRATIONS: dict[int, tuple[str, str]] = {
    9: ("index", "outbox_replies"),
    14: ("table", "web_sessions"),
}
TRACKING = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)


def applied_migrations(c: sqlite3.Connection, files: list[tuple[int, str, str]]) -> dict[int, str]:
    """number → name of the migrations applied, from schema_migrations; made the first time
    from PRAGMA user_version (every file numbered up to it, but the late ones only if their
    objects exist), all in one transaction."""
    exists = c.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if not exists:
        version = c.execute("PRAGMA user_version").fetchone()[0]
        c.execute("BEGIN IMMEDIATE")
        try:
            c.execute(TRACKING)
            for number, name, _ in files:
                if number > version:
                    continue
                if number in LATE_MIGRATIONS:
                    kind, obj = LATE_MIGRATIONS[number]
                    if not c.execute(
                        "SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?", (kind, obj)
                    ).fetchone():
                        continue
                c.execute(
                    "INSERT INTO schema_migrations (number, name, applied_at)"
                    " VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'))",
                    (number, name),
                )
            c.execute("COMMIT")
        except BaseException:
            rollback_if_open(c)
            raise
    rows = c.execute("SELECT number, name FROM schema_migrations").fetchall()
    return {int(n): str(name) for n, name in rows}


def apply_migration(c: sqlite3.Connection, number: int, name: str, sql: str) -> None:
    """Apply one migration and record it in schema_migrations (and PRAGMA user_version, the
    highest number applied, which older versions of ketnoi read), all or nothing."""
    version = max(number, c.execute("PRAGMA user_version").fetchone()[0])
    script = (
        f"BEGIN IMMEDIATE;\n{sql}\n;INSERT INTO schema_migrations (number, name, applied_at)"
        f" VALUES ({number}, '{name}', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'));\n"
        f"PRAGMA user_version = {version};\nCOMMIT;"
    )
    try:
        c.executescript(script)
    except sqlite3.Error as exc:
        rollback_if_open(c)
        raise StorageError(f"migration {name} failed: {exc}") from None


def configure(c: sqlite3.Connection) -> None:
    c.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = c.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise sqlite3.OperationalError(f"cannot switch to WAL mode (got {mode})")
    c.execute("PRAGMA foreign_keys = ON")
    # The savepoints of a group's transactions journal the pages they change; on a file (the
    # default past 64 KiB) that was two write() calls a page, most of the engine's system time.
    c.execute("PRAGMA temp_store = MEMORY")
    # What a row loses (deleted, or replaced by an update) is overwritten with zeros, always:
    # not only during an erasure, or an old phone number could stay in a page's free space for
    # an erasure to miss. Many builds (Debian's) default to it; others do not.
    c.execute("PRAGMA secure_delete = ON")
    # WAL with synchronous=NORMAL survives a killed process; only a power cut can lose the
    # last commits (https://www.sqlite.org/pragma.html#pragma_synchronous).
    c.execute("PRAGMA synchronous = NORMAL")
    # Commits may run in the event loop's thread (Connection.call): checkpoints, which fsync,
    # are queued to the database thread instead of riding a commit (SqliteDatabase._checkpoint_now).
    c.execute("PRAGMA wal_autocheckpoint = 0")
    c.execute("SELECT count(*) FROM sqlite_master").fetchone()


def opening(
    starting: bool,
    savepoints: int,
    fn: Callable[[sqlite3.Connection], T],
    c: sqlite3.Connection,
    *,
    wait: bool = True,
) -> T:
    """Open the group's transaction if needed and this transaction's savepoint (`starting`), and
    the savepoints of nested blocks not yet opened; then `fn`. Without `wait`, see begin."""
    if starting:
        if not c.in_transaction:
            begin(c, wait)
        # released when the transaction succeeds (release_turn), rolled back to if it fails
        c.execute("SAVEPOINT turn")
    for _ in range(savepoints):
        c.execute("SAVEPOINT inner")
    return fn(c)


def commit(
    c: sqlite3.Connection,
    deferred: list[Write],
    *,
    failed: Sequence[Callable[[], None]] = (),
    wait: bool = True,
) -> None:
    """The deferred writes and COMMIT; on failure, ROLLBACK and the `failed` hooks. Without
    `wait`, raises WouldWait instead of waiting for another process's write lock (having done
    nothing); once this connection holds the lock (a transaction is open), nothing here waits:
    in WAL mode COMMIT takes no other lock, and checkpoints are not done by commits."""
    if deferred and not c.in_transaction:
        begin(c, wait)
    try:
        for write in deferred:
            write(c)
        if c.in_transaction:
            c.execute("COMMIT")
    except BaseException:
        rollback_if_open(c)  # in the same call: nothing queued after it may run inside
        for hook in failed:
            hook()
        raise


def begin(c: sqlite3.Connection, wait: bool) -> None:
    """BEGIN IMMEDIATE (the write lock). Without `wait`, if another process holds the lock,
    raises WouldWait at once, having done nothing, instead of waiting up to busy_timeout."""
    if wait:
        c.execute("BEGIN IMMEDIATE")
        return
    c.execute("PRAGMA busy_timeout = 0")
    try:
        c.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY:  # or an extended busy code
            raise WouldWait from None
        raise
    finally:
        c.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def checkpoint(c: sqlite3.Connection) -> None:
    c.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()


def release_turn(c: sqlite3.Connection) -> None:
    """End a transaction's savepoint that succeeded: its writes stay in the group's transaction,
    and the next transaction's savepoint starts an empty journal instead of nesting in it. If
    the RELEASE fails, its writes are rolled back right there (in the same call), so that the
    group's COMMIT never carries a transaction that raised."""
    try:
        c.execute("RELEASE turn")
    except sqlite3.Error:
        rollback_to("turn")(c)
        raise


def rollback_to(name: str) -> Callable[[sqlite3.Connection], None]:
    def go(c: sqlite3.Connection) -> None:
        c.execute(f"ROLLBACK TO {name}")
        c.execute(f"RELEASE {name}")

    return go


def rollback_if_open(c: sqlite3.Connection) -> None:
    if c.in_transaction:
        c.execute("ROLLBACK")
