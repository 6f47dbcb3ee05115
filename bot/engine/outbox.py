"""Sends what waits in the outbox, through each channel's sender, at most once per row."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import datetime, timedelta

from bot.core.config import quiet_until
from bot.core.i18n import Lang
from bot.core.types import Blocked, ChatMoved, Reply, RetryLater, SendError
from bot.dialog.router import Router, user_hash
from bot.engine.ratelimit import Lane, Limiter
from storage.db import utcnow
from storage.outbox import LANES, OutboxRow

__all__ = ["MAX_ATTEMPTS", "Outbox"]

log = logging.getLogger("ketnoi.outbox")

MAX_ATTEMPTS = 5  # network errors and 5xx: retried after 2, 4, 8, 16 s, then given up
WORKERS = 8  # rows in flight per channel: enough to keep the cap busy over a slow network
NOTICE_LANES = ("reply", "notice")  # served at any hour
# A reply is tried until it arrives or the person blocks the bot; after a day the conversation
# has moved on, and the row is given up with its error kept.
REPLY_BACKOFF_MAX = timedelta(minutes=5)
REPLY_GIVE_UP = timedelta(days=1)


class Outbox:
    """Drains the outbox: one dispatcher per channel claims due rows and sends them.

    Replies the platform did not take at once go first, each person's in order, with the
    interactive lane's priority; then notices (one person, caused by someone's action), both at
    any hour; bulk rows (reminders, broadcasts) use what the channel's limiter leaves and wait
    out quiet hours.
    """

    def __init__(self, router: Router, *, workers: int = WORKERS, tick: float = 1.0) -> None:
        svc = router.services
        self.router = router
        self.repo = svc.outbox
        self.users = svc.users
        self.settings = svc.settings
        self.senders = router.senders
        self.limiters: dict[str, Limiter] = router.limiters
        self.workers = workers
        self.tick = tick
        self._wakes: dict[str, asyncio.Event] = {}
        self._dispatchers: dict[str, asyncio.Task[None]] = {}

    def wake(self) -> None:
        """Something was queued: look now rather than at the next tick."""
        for event in self._wakes.values():
            event.set()

    def lanes_now(self) -> tuple[str, ...]:
        """The lanes that may be served now: bulk waits while quiet hours last."""
        return NOTICE_LANES if self.quiet_until() else LANES

    def quiet_until(self) -> datetime | None:
        """The end of the current quiet window, or None outside it."""
        return quiet_until(self.settings.quiet_hours, self.settings.tz, utcnow())

    # -- start-up ---------------------------------------------------------------------------

    async def recover(self) -> list[OutboxRow]:
        """At start-up: rows in flight when the process died become 'unknown'; admins are told."""
        rows = await self.repo.mark_in_flight_unknown()
        if not rows:
            return rows
        n = len(rows)
        log.warning("%d outbox rows were in flight at the last stop: marked unknown", n)

        def build(lang: Lang) -> list[Reply]:
            text = lang.ngettext(
                "The bot stopped while {n} message was being sent. It may or may not have"
                " arrived, and it will not be sent again.",
                "The bot stopped while {n} messages were being sent. They may or may not have"
                " arrived, and they will not be sent again.",
                n,
            ).format(n=lang.number(n))
            return [Reply(text=text)]

        key = uuid.uuid4().hex
        async with self.repo.db.transaction():
            for ref in self.settings.admins:
                await self.router.enqueue(ref, build, f"unknown:{key}:{ref}", lane="notice")
        self.wake()
        return rows

    # -- draining ---------------------------------------------------------------------------

    async def drain_once(self, limit: int = 100) -> int:
        """Send what is due now on every channel with a sender; returns how many rows."""
        handled = 0
        for channel in list(self.senders):
            rows = await self.repo.claim(limit, channel=channel, lanes=self.lanes_now())
            await asyncio.gather(*(self._send(row) for row in rows))
            handled += len(rows)
        return handled

    async def run(self) -> None:
        """Serve every channel that has a sender, until cancelled."""
        try:
            while True:
                for channel in list(self.senders):
                    task = self._dispatchers.get(channel)
                    if task is None or task.done():
                        self._dispatchers[channel] = asyncio.get_running_loop().create_task(
                            self._dispatch(channel)
                        )
                await asyncio.sleep(self.tick)
        finally:
            for task in self._dispatchers.values():
                task.cancel()
            for task in self._dispatchers.values():
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self._dispatchers.clear()

    async def _dispatch(self, channel: str) -> None:
        """Claim rows of one channel as tokens and workers allow, and send each."""
        wake = self._wakes.setdefault(channel, asyncio.Event())
        inflight: set[asyncio.Task[None]] = set()
        try:
            while True:
                limiter = self.limiters.get(channel)
                if limiter is not None:
                    await limiter.bulk_ready()
                free = self.workers - len(inflight)
                if free <= 0:
                    await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
                    continue
                # Claim no more than can go now: a row claimed is a row at risk in a crash.
                want = min(free, max(1, limiter.headroom())) if limiter else free
                wake.clear()
                rows = await self.repo.claim(want, channel=channel, lanes=self.lanes_now())
                if not rows:
                    await self._idle(channel, wake)
                    continue
                for row in rows:
                    task = asyncio.get_running_loop().create_task(self._send(row))
                    inflight.add(task)
                    task.add_done_callback(inflight.discard)
        except Exception:
            log.exception("outbox dispatcher for %s stopped", channel)
            raise
        finally:
            for task in inflight:
                task.cancel()

    async def _idle(self, channel: str, wake: asyncio.Event) -> None:
        """Sleep until something is queued, the next row falls due, or a tick passes."""
        lanes = self.lanes_now()
        wait = self.tick
        due = await self.repo.next_due(channel=channel, lanes=lanes)
        if due is not None:
            wait = min(wait, max(0.0, (due - utcnow()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), wait)

    # -- one row ----------------------------------------------------------------------------

    async def _send(self, row: OutboxRow) -> None:
        try:
            await self._deliver(row)
        except Exception:
            # a row must never stay 'sending' while the process lives on
            log.exception("outbox row %s could not be recorded", row.id)

    async def _deliver(self, row: OutboxRow) -> None:
        user = await self.users.get(row.user_id)
        if user is None:
            await self.repo.finish(row.id, "failed", "user not found")
            return
        if user.blocked_at is not None:
            await self.repo.finish(row.id, "blocked", "user has blocked the bot")
            return
        sender = self.senders.get(user.channel)
        if sender is None:
            await self.repo.retry_later(
                row.id, utcnow() + timedelta(minutes=5), "no sender", count_attempt=False
            )
            return
        try:
            if row.lane == "reply":
                await sender(user.ref, row.replies, Lane.INTERACTIVE)
            else:
                await sender(user.ref, row.replies)
        except Blocked as exc:
            await self.users.mark_blocked(user.id)
            await self.repo.finish(row.id, "blocked", str(exc))
        except ChatMoved as exc:
            moved = await self.users.move(user.id, exc.new_id)
            if not moved:
                await self.repo.finish(row.id, "failed", f"chat moved to {exc.new_id}, taken")
                return
            await self.repo.retry_later(row.id, utcnow(), str(exc), count_attempt=False)
            self.wake()
        except RetryLater as exc:
            await self._retry(row, exc)
        except SendError as exc:
            await self.repo.finish(row.id, "failed", str(exc))
        except Exception as exc:
            log.exception("sending outbox row %s to %s failed", row.id, user_hash(user.ref))
            await self.repo.finish(row.id, "failed", f"{type(exc).__name__}: {exc}")
        else:
            await self.repo.finish(row.id, "sent")
        if row.lane == "reply":
            self.wake()  # the person's next reply, if any, may go now

    async def _retry(self, row: OutboxRow, exc: RetryLater) -> None:
        """429: pause the lane and requeue; other transient errors: back off, then give up."""
        if exc.retry_after is not None:
            limiter = self.limiters.get(row.channel)
            if limiter is not None:
                limiter.pause(exc.retry_after)
            due = utcnow() + timedelta(seconds=exc.retry_after)
            await self.repo.retry_later(row.id, due, str(exc), count_attempt=False)
            return
        if row.lane == "reply":
            if utcnow() - row.created_at > REPLY_GIVE_UP:
                await self.repo.finish(row.id, "failed", str(exc))
                return
            wait = min(timedelta(seconds=2.0**row.attempts), REPLY_BACKOFF_MAX)
            await self.repo.retry_later(row.id, utcnow() + wait, str(exc))
            return
        if row.attempts >= MAX_ATTEMPTS:
            await self.repo.finish(row.id, "failed", str(exc))
            return
        due = utcnow() + timedelta(seconds=2.0**row.attempts)
        await self.repo.retry_later(row.id, due, str(exc))
