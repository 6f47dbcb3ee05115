"""Sends what waits in the outbox, through each channel's sender, at most once per row."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any, NamedTuple

from bot.core.clock import utcnow
from bot.core.config import quiet_until
from bot.core.i18n import Lang
from bot.core.types import (
    Blocked,
    ChatMoved,
    Reply,
    RetryLater,
    SendError,
    UnknownOutcome,
    Unreachable,
)
from bot.dialog.router import Build, Router, user_hash
from bot.engine.outlets import Outlets
from bot.engine.ratelimit import ATTEMPT, Attempt, Lane
from storage.outbox import LANES, OutboxRow

__all__ = ["MAX_ATTEMPTS", "STOP_GRACE", "Outbox", "Stopped"]

log = logging.getLogger("ketnoi.outbox")

MAX_ATTEMPTS = 5  # network errors and 5xx: retried after 2, 4, 8, 16 s, then given up
WORKERS = 8  # rows in flight per channel: enough to keep the cap busy over a slow network
NOTICE_LANES = ("reply", "notice")  # served at any hour
# A reply is tried until it arrives or the person blocks the bot; after a day the conversation
# has moved on, and the row is given up with its error kept.
REPLY_BACKOFF_MAX = timedelta(minutes=5)
REPLY_GIVE_UP = timedelta(days=1)
# How long a clean shutdown waits for the messages already handed to the platform: longer than
# python-telegram-bot's 5-s read timeout, and short: `docker stop` sends SIGKILL after 10 s.
STOP_GRACE = 6.0
ALARM_KEY = "unknown:"  # dedupe keys of the owners' alarms (an alarm's own fate is not alarmed)


class Stopped(NamedTuple):
    """What a clean stop did with the rows in hand."""

    put_back: int  # claimed, never handed to the platform: pending again
    finished: int  # on their way: their answer came within the grace period
    unanswered: int  # still on their way after it: left 'sending', reported at the next start


class Outbox:
    """Drains the outbox: one dispatcher per channel claims due rows and sends them.

    Replies the platform did not take at once go first, each person's in order, with the
    interactive lane's priority; then notices (one person, caused by someone's action), both at
    any hour; bulk rows (reminders, broadcasts) use what the channel's limiter leaves and wait
    out quiet hours. A row is sent at most once: one whose fate the platform left open (a crash
    mid-send, no answer to a request that went out) becomes 'unknown', is counted and is never
    resent; except a reply, which goes again (a person may see it twice rather than never; see
    bot/channels/retry.py).
    """

    def __init__(
        self, router: Router, outlets: Outlets, *, workers: int = WORKERS, tick: float = 1.0
    ) -> None:
        svc = router.services
        self.router = router
        self.repo = svc.outbox
        self.users = svc.users
        self.settings = svc.settings
        self.coordination = svc.coordination
        self.senders = outlets.senders
        self.limiters = outlets.limiters
        self.workers = workers
        self.tick = tick
        self._wakes: dict[str, asyncio.Event] = {}
        self._dispatchers: dict[str, asyncio.Task[None]] = {}
        self._inflight: dict[asyncio.Task[None], tuple[OutboxRow, Attempt]] = {}
        self._stopping = asyncio.Event()
        self._unconfirmed = 0  # rows ended 'unknown' since the owners were last told

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

    # -- what the owners are told -----------------------------------------------------------

    async def recover(self) -> list[OutboxRow]:
        """At start-up (and, where processes share the database, every few seconds on the one
        that leads): the rows of processes that stopped. Those in flight become 'unknown' and
        admins are told; where processes share the database, the claims a dead process never
        handed to the platform go back in the queue for the others. After a clean stop there
        are none (stop() puts back what it did not send)."""
        claimants = await self.repo.claimants()
        if not claimants:
            return []
        gone = await self.coordination.gone(claimants)
        rows = await self.repo.take_over(gone, unsent_back=self.coordination.shared)
        if not rows:
            return rows
        n = len(rows)
        log.warning("%d outbox rows were in flight when their process stopped: marked unknown", n)

        def build(lang: Lang) -> list[Reply]:
            text = lang.ngettext(
                "The bot stopped while {n} message was being sent. It may or may not have"
                " arrived, and it will not be sent again.",
                "The bot stopped while {n} messages were being sent. They may or may not have"
                " arrived, and they will not be sent again.",
                n,
            ).format(n=lang.number(n))
            return [Reply(text=text)]

        await self._tell_owners(build)
        return rows

    async def report_unconfirmed(self) -> int:
        """Tell the owners, in one message, how many messages ended 'unknown' since they were
        last told (a broadcast's are in its own report); returns how many."""
        n, self._unconfirmed = self._unconfirmed, 0
        if not n:
            return 0

        def build(lang: Lang) -> list[Reply]:
            text = lang.ngettext(
                "The platform did not answer in time while {n} message was being sent. It may"
                " or may not have arrived, and it will not be sent again.",
                "The platform did not answer in time while {n} messages were being sent. They"
                " may or may not have arrived, and they will not be sent again.",
                n,
            ).format(n=lang.number(n))
            return [Reply(text=text)]

        await self._tell_owners(build)
        return n

    async def _tell_owners(self, build: Build) -> None:
        key = uuid.uuid4().hex
        async with self.repo.db.transaction():
            for ref in self.settings.admins:
                await self.router.services.enqueue(
                    ref, build, f"{ALARM_KEY}{key}:{ref}", lane="notice"
                )
        self.wake()

    async def share_rate(self) -> int:
        """Give each channel's limiter this process's share of the platform's cap, which is the
        bot's whatever process sends (bot/engine/ratelimit.py: Limiter.share); returns how many
        processes share it."""
        processes = await self.coordination.processes()
        for limiter in self.limiters.values():
            limiter.share(processes)
        return processes

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
        """Serve every channel that has a sender, until stop() (or cancelled, as in a crash:
        what is in flight then stays 'sending' and the next start reports it)."""
        try:
            while not self._stopping.is_set():
                for channel in list(self.senders):
                    task = self._dispatchers.get(channel)
                    if task is None or task.done():
                        self._dispatchers[channel] = asyncio.get_running_loop().create_task(
                            self._dispatch(channel)
                        )
                await self._unless_stopping(asyncio.sleep(self.tick))
        finally:
            if not self._stopping.is_set():
                await _cancel([*self._dispatchers.values(), *self._inflight])
            self._dispatchers.clear()

    async def stop(self, grace: float = STOP_GRACE) -> Stopped:
        """A clean stop: claim nothing more, put the rows claimed but not yet handed to the
        platform back in the queue, and wait up to `grace` seconds for the messages already
        on their way. Only a send still unfinished after that stays 'sending', for the next
        start to report."""
        self._stopping.set()
        self.wake()
        await asyncio.gather(*self._dispatchers.values(), return_exceptions=True)
        unsent = {t: row for t, (row, a) in self._inflight.items() if not a.started}
        await _cancel(unsent)
        put_back = await self.repo.release([row.id for t, row in unsent.items() if t.cancelled()])
        on_wire = [t for t in self._inflight if not t.done()]
        late: set[asyncio.Task[None]] = set()
        if on_wire:
            _, late = await asyncio.wait(on_wire, timeout=grace)
            await _cancel(late)
        await self.report_unconfirmed()
        stopped = Stopped(put_back, len(on_wire) - len(late), len(late))
        log.info(
            "outbox stopped: %d put back unsent, %d finished sending, %d still unanswered",
            *stopped,
        )
        if late:
            log.warning(
                "%d messages were still being sent after %.0f s: the next start reports them",
                len(late),
                grace,
            )
        return stopped

    async def _dispatch(self, channel: str) -> None:
        """Claim rows of one channel as tokens and workers allow, and send each."""
        wake = self._wakes.setdefault(channel, asyncio.Event())
        mine: set[asyncio.Task[None]] = set()
        try:
            while not self._stopping.is_set():
                limiter = self.limiters.get(channel)
                if limiter is not None and not await self._unless_stopping(limiter.bulk_ready()):
                    break
                free = self.workers - len(mine)
                if free <= 0:
                    await self._unless_stopping(
                        asyncio.wait(mine, return_when=asyncio.FIRST_COMPLETED)
                    )
                    continue
                # Claim no more than can go now: a row claimed is a row at risk in a crash.
                want = min(free, max(1, limiter.headroom())) if limiter else free
                wake.clear()
                # Never interrupted: a row claimed is sent, or put back by a clean stop.
                rows = await self.repo.claim(want, channel=channel, lanes=self.lanes_now())
                if self._stopping.is_set():
                    await self.repo.release([row.id for row in rows])
                    break
                if not rows:
                    await self._idle(channel, wake)
                    continue
                for row in rows:
                    task = self._start(row)
                    mine.add(task)
                    task.add_done_callback(mine.discard)
        except Exception:
            log.exception("outbox dispatcher for %s stopped", channel)
            raise

    async def _unless_stopping(self, waiting: Awaitable[object]) -> bool:
        """Wait for `waiting` unless stop() comes first, which cancels it (so only waits that
        change nothing come here); whether it finished."""
        task = asyncio.ensure_future(waiting)
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait((task, stop), return_when=asyncio.FIRST_COMPLETED)
        finally:
            await _cancel([t for t in (task, stop) if not t.done()])
        if task.cancelled():
            return False
        task.result()  # its error, if any
        return True

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

    def _start(self, row: OutboxRow) -> asyncio.Task[None]:
        """Send a claimed row in a task of its own, which the limiter marks when a call goes."""
        # Where a dead process's claims are taken over, what went is written down first.
        record = partial(self.repo.handed, row.id) if self.coordination.shared else None
        attempt = Attempt(record)
        task = asyncio.get_running_loop().create_task(self._send(row, attempt))
        self._inflight[task] = (row, attempt)
        task.add_done_callback(lambda done: self._inflight.pop(done, None))
        return task

    async def _send(self, row: OutboxRow, attempt: Attempt | None = None) -> None:
        if attempt is not None:
            ATTEMPT.set(attempt)  # this task's own context
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
        except UnknownOutcome as exc:
            if row.lane == "reply":  # a person waits for it: sent again, even if twice
                await self._retry(row, RetryLater(str(exc)))
                return
            # Resending could deliver it twice: like a crash mid-send, never sent again.
            await self.repo.finish(row.id, "unknown", str(exc))
            log.warning("outbox row %s: no answer from the platform, marked unknown", row.id)
            if row.broadcast_id is None and not row.dedupe_key.startswith(ALARM_KEY):
                self._unconfirmed += 1
        except Unreachable as exc:
            # Kept and counted (the staff's figures, a broadcast's report), never resent.
            await self.repo.finish(row.id, "unreachable", str(exc))
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


async def _cancel(tasks: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel tasks and wait until they have ended."""
    tasks = list(tasks)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
