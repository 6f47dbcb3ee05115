"""Sends what waits in the outbox, through each channel's sender, at most once per row."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from bot.router import Sender, user_hash
from bot.types import Blocked, RetryLater, SendError
from storage.db import utcnow
from storage.outbox import OutboxRepo, OutboxRow
from storage.users import UserRepo

__all__ = ["Outbox"]

log = logging.getLogger("ketnoi.outbox")

MAX_ATTEMPTS = 5


class Outbox:
    """Drains the outbox: claims due rows, sends them, and records how each ended."""

    def __init__(self, repo: OutboxRepo, users: UserRepo, senders: dict[str, Sender]) -> None:
        self.repo = repo
        self.users = users
        self.senders = senders
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something was queued: look now rather than at the next tick."""
        self._wake.set()

    async def recover(self) -> list[OutboxRow]:
        """At start-up: rows that were in flight when the process died become 'unknown'."""
        rows = await self.repo.mark_in_flight_unknown()
        if rows:
            log.warning("%d outbox rows were in flight at the last stop: marked unknown", len(rows))
        return rows

    async def drain_once(self, limit: int = 100) -> int:
        """Send what is due now; returns how many rows were handled."""
        rows = await self.repo.claim(limit)
        for row in rows:
            await self._send(row)
        return len(rows)

    async def run(self, tick: float = 1.0) -> None:
        """Drain forever, waking on `wake()` or every `tick` seconds."""
        while True:
            while await self.drain_once():
                pass
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), tick)

    async def _send(self, row: OutboxRow) -> None:
        user = await self.users.get(row.user_id)
        if user is None:
            await self.repo.finish(row.id, "failed", "user not found")
            return
        if user.blocked_at is not None:
            await self.repo.finish(row.id, "blocked", "user has blocked the bot")
            return
        sender = self.senders.get(user.channel)
        if sender is None:
            await self.repo.retry_later(row.id, utcnow() + timedelta(minutes=5), "no sender")
            return
        try:
            await sender(user.ref, row.replies)
        except Blocked as exc:
            await self.users.mark_blocked(user.id)
            await self.repo.finish(row.id, "blocked", str(exc))
        except RetryLater as exc:
            if row.attempts >= MAX_ATTEMPTS:
                await self.repo.finish(row.id, "failed", str(exc))
                return
            delay = exc.retry_after if exc.retry_after is not None else 2.0**row.attempts
            await self.repo.retry_later(row.id, utcnow() + timedelta(seconds=delay), str(exc))
        except SendError as exc:
            await self.repo.finish(row.id, "failed", str(exc))
        except Exception as exc:
            log.exception("sending outbox row %s to %s failed", row.id, user_hash(user.ref))
            await self.repo.finish(row.id, "failed", f"{type(exc).__name__}: {exc}")
        else:
            await self.repo.finish(row.id, "sent")
