"""The Zalo OA webhook's durable inbox, from the database to the dispatcher.

The webhook stores each verified event (storage.zalo_oa.ZaloOaRepo.receive) before answering
200. This worker takes the events in order under a lease (LEASE, renewed while they are in
hand), records what each says of the follower (their window, the phone they shared, an
unfollow), and hands its update to the dispatcher, one `converse` task per event made in the
inbox's order, so that each follower's events are handled in the order they came. The update
carries `within_turn`, which marks the event done with its turn's COMMIT: an event whose turn
committed is never handled again, and one whose turn did not is not lost. At a clean stop the
events not reached go back to the inbox (the next start takes them first); those of a process
that died are taken again, by any ketnoi process on the database, once their lease ran out.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import time
import uuid
from collections import Counter
from datetime import timedelta

from bot.channels.zalo_oa_api import OaEvent, event_time
from bot.channels.zalo_oa_events import CHANNEL, digits, loads, to_incoming
from bot.core.clock import utcnow
from bot.core.types import Incoming, UserRef
from bot.engine.dispatch import BACKLOG, Dispatcher
from storage.zalo_oa import OaInboxEvent, ZaloOaRepo

__all__ = ["IN_HAND", "KEEP_EVENTS", "LEASE", "MAX_TRIES", "Inbox"]

log = logging.getLogger("ketnoi.zalo_oa")

KEEP_EVENTS = timedelta(days=1)  # longer than Zalo retries an event (STALE_AFTER)
LEASE = timedelta(seconds=30)  # an event in hand is this process's this long, renewed meanwhile
IN_HAND = 256  # events handed to the dispatcher and not done yet, at most
MAX_TRIES = 5  # an event taken this often without its turn committing is given up (logged)


class Inbox:
    """Hands the stored webhook events of one OA to the dispatcher, each once."""

    def __init__(
        self, repo: ZaloOaRepo, dispatcher: Dispatcher, app_id: str, *, lease: timedelta = LEASE
    ) -> None:
        self.repo = repo
        self.dispatcher = dispatcher
        self.app_id = app_id
        self.lease = lease
        self._holder = uuid.uuid4().hex  # this process, in the inbox's leases
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._in_hand: dict[int, asyncio.Task[None]] = {}  # inbox id -> its turn
        self._waiting: Counter[str] = Counter()  # follower -> their events in hand

    def start(self) -> None:
        """Begin taking events (left-overs of an earlier run first)."""
        self._worker = asyncio.get_running_loop().create_task(self._work())

    def wake(self) -> None:
        """An event was stored: look now rather than within a second."""
        self._wake.set()

    async def stop_taking(self) -> None:
        """Take no more events; those in hand go on."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None

    async def hand_back(self) -> None:
        """After the dispatcher settled: the events answered record it, those never reached go
        back to the inbox for the next start."""
        turns = list(self._in_hand.values())
        if turns:
            _, late = await asyncio.wait(turns, timeout=1.0)
            for turn in late:
                turn.cancel()
            await asyncio.gather(*turns, return_exceptions=True)
        with contextlib.suppress(Exception):
            given = await self.repo.give_back(self._holder)
            if given:
                log.info("zalo oa: %d events not handled yet go back to the inbox", given)

    async def _work(self) -> None:
        """Hand the inbox's events on in order (left-overs of an earlier run first); keep the
        lease on those in hand; forget old ones now and then."""
        forgotten = utcnow()
        held = time.monotonic()
        while True:
            self._wake.clear()
            taken = 0
            try:
                if time.monotonic() - held > self.lease.total_seconds() / 3:
                    held = time.monotonic()
                    await self.repo.hold(self._holder, list(self._in_hand), utcnow() + self.lease)
                free = IN_HAND - len(self._in_hand)
                if free > 0:
                    events = await self.repo.take_events(
                        self._holder, utcnow() + self.lease, limit=min(free, 50)
                    )
                    taken = len(events)
                    for kept in events:
                        await self._take(kept)
                if utcnow() - forgotten > timedelta(hours=1):
                    forgotten = utcnow()
                    await self.repo.forget_events(KEEP_EVENTS)
            except Exception:
                log.exception("zalo oa inbox failed; again in a second")
                taken = 0
            if not taken:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 1.0)

    async def _take(self, kept: OaInboxEvent) -> None:
        """What an event means for the follower's window, consent and account; then its turn,
        which marks it done when it commits."""
        event = OaEvent.parse(loads(kept.body.encode()))
        if kept.tries > MAX_TRIES:
            log.error(
                "zalo oa event %s taken %d times without an end: given up", kept.id, kept.tries
            )
            await self.repo.done(kept.id)
            return
        incoming = await self._prepare(event) if event is not None else None
        if incoming is None:
            await self.repo.done(kept.id)
            return
        event_id, follower = kept.id, incoming.user.external_id
        incoming = dataclasses.replace(
            incoming, within_turn=functools.partial(self.repo.done_at_commit, event_id)
        )
        if self._waiting[follower] >= BACKLOG:
            # Someone writing faster than the bot may answer: as on every channel, the
            # dispatcher drops what is beyond their backlog (and tells them once).
            self.dispatcher.receive(incoming)
            await self.repo.done(event_id)
            return
        # A task per event, made in the inbox's order: each puts its event in its follower's
        # line as it starts, so a follower's events are handled in the order they came.
        turn = asyncio.get_running_loop().create_task(self._converse(event_id, incoming))
        self._in_hand[event_id] = turn
        self._waiting[follower] += 1

        def over(_: asyncio.Task[None]) -> None:
            self._in_hand.pop(event_id, None)
            self._waiting[follower] -= 1
            if self._waiting[follower] <= 0:
                del self._waiting[follower]

        turn.add_done_callback(over)

    async def _converse(self, event_id: int, incoming: Incoming) -> None:
        """Handle one event's update; done once its turn is over (committed, or failed and
        answered with an apology), not when the stop cut it short."""
        await self.dispatcher.converse(incoming)
        await self.repo.done(event_id)

    async def _prepare(self, event: OaEvent) -> Incoming | None:
        """Record what the event says of the follower; the update it brings, if any."""
        user_id = event.user_id
        when = event_time(event) or utcnow()
        if not user_id or event.app_id != self.app_id:
            return None
        if event.event_name == "unfollow":
            await self.dispatcher.blocked(UserRef(CHANNEL, user_id))
            return None
        if event.event_name.startswith("user_send_") or event.event_name in (
            "follow",
            "user_submit_info",
        ):
            await self.repo.interacted(user_id, when)
        if event.event_name == "user_submit_info" and event.info and event.info.phone:
            await self.repo.shared_info(user_id, digits(event.info.phone), event.info.name)
        return to_incoming(event)
