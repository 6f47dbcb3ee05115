"""What processes sharing one database agree on: whose turn it is, who runs the periodic jobs,
which sender owns an outbox row, how much of the platform's rate each may use.

One process on SQLite (the default) needs none of it from the database: `Local` answers from
memory, and everything behaves exactly as it did before several processes were possible.
Several `ketnoi run` processes on one PostgreSQL use storage/coordination/postgres.py, which
answers with PostgreSQL's advisory locks (held by a connection: a process that dies, even by
kill -9, drops them the moment the server sees its connection close).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Protocol

__all__ = ["Coordination", "Local"]


class Coordination(Protocol):
    """How this process works beside the others on the same database."""

    @property
    def process(self) -> str:
        """This process's name, written on the outbox rows it claims."""
        ...

    @property
    def shared(self) -> bool:
        """Whether other processes may use the database at the same time."""
        ...

    @property
    def row_locks(self) -> str:
        """What a claiming SELECT ends with so that two senders never take the same row:
        " FOR UPDATE SKIP LOCKED" on PostgreSQL; "" where one process owns the database."""
        ...

    def person(self, key: tuple[str, str]) -> contextlib.AbstractAsyncContextManager[None]:
        """Held while one person's update is handled and answered: their next update, whatever
        process received it, waits for it."""
        ...

    async def leading(self) -> bool:
        """Whether this process runs the periodic jobs now (taking the lead if nobody has it)."""
        ...

    async def gone(self, processes: Iterable[str | None]) -> set[str | None]:
        """Which of these outbox claimants have stopped (None: a claim from before claims were
        named, always gone)."""
        ...

    async def processes(self) -> int:
        """How many processes serve now (this one included)."""
        ...

    async def close(self) -> None:
        """Let go of every lock and connection."""
        ...


class Local:
    """One process owns the database (SQLite): each person's updates are already handled one
    at a time by the dispatcher and the router's in-process lock, this process leads, and any
    claim not its own was left by an earlier run of the bot."""

    def __init__(self) -> None:
        self._process = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"

    @property
    def process(self) -> str:
        return self._process

    @property
    def shared(self) -> bool:
        return False

    @property
    def row_locks(self) -> str:
        return ""

    @contextlib.asynccontextmanager
    async def person(self, key: tuple[str, str]) -> AsyncIterator[None]:
        yield

    async def leading(self) -> bool:
        return True

    async def gone(self, processes: Iterable[str | None]) -> set[str | None]:
        return {p for p in processes if p != self._process}

    async def processes(self) -> int:
        return 1

    async def close(self) -> None:
        return None
