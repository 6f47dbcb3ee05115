"""Between the channels and the router: each person's updates wait in a short line of their own,
are handled one at a time, and their replies leave in order.

A channel hands over what arrives (`receive`) and returns at once, so no update holds a slot of
a platform library (python-telegram-bot's 256 concurrent updates) while a reply waits for its
chat's one message a second: one person sending 500 messages never delays anyone else. Each
person may have `backlog` updates waiting; beyond that their updates are dropped, and they are
told once ("Bạn gửi nhanh quá…"). A reply the platform does not take (5xx, a timeout, 429 after
429) is not lost: it and the person's later replies wait in the outbox's `reply` lane, which
sends them in order, with backoff, until they arrive or the person blocks the bot.

Channels tell the engine what they learn here too (a person blocked the bot, a menu was shown
as numbered text) instead of writing to repositories themselves.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.i18n import N_, I18n, Lang
from bot.core.types import (
    Blocked,
    Button,
    Incoming,
    Kind,
    Reply,
    RetryLater,
    SendError,
    UnknownOutcome,
    Unreachable,
    UserRef,
)
from bot.dialog.router import CommandInfo, Router, user_hash
from bot.engine.outlets import Outlets
from bot.engine.ratelimit import Lane, Limiter

__all__ = ["BACKLOG", "TOO_FAST", "Dispatcher", "Outlet"]

log = logging.getLogger("ketnoi.dispatch")

# Updates of one person waiting or in hand: some seconds of replies at Telegram's one message a
# second to a chat. A person typing does not come near it; a stuck key or a script does.
BACKLOG = 8
# Updates handled at once, everyone's. A rush of 300 handled all together finishes them all
# together, seconds later, while the sending lane idles; 32 at a time (enough for the group
# commit to gather several) answers the first ones at once and keeps the lane busy.
HANDLING = 32
# Seconds `arrive` waits for the person's turn elsewhere before giving the update back to its
# channel anyway (it is in line, and answered in its turn): within a platform's webhook timeout.
ARRIVAL_WAIT = 20.0
NOTICE_AGAIN_AFTER = 60.0  # seconds without a dropped update before a new flood is told again
# Seconds a stopping channel gives the updates in hand: within the App's 10 s for a channel's
# stop_receiving (bot/app.py), which also waits for the platform library to stop.
SETTLE = 8.0
TOO_FAST = N_(
    "You are sending messages faster than I can answer. I answered the first ones and skipped"
    " the others: please wait for my answer before writing again."
)

_Key = tuple[str, str]  # (channel, external id): cheaper to hash than a UserRef
Typing = Callable[[UserRef], Coroutine[Any, Any, None]]


class Outlet(Protocol):
    """What a channel gives the dispatcher: its name, its sending limits and how it sends."""

    name: str

    @property
    def limiter(self) -> Limiter | None:
        """The channel's sending budget (None: no limit, as on the console)."""

    async def send(self, user: UserRef, replies: list[Reply], lane: Lane = Lane.BULK) -> None:
        """Send replies to one person; raises the SendError kinds of bot.core.types."""


@dataclass(slots=True)
class _Item:
    """An update to handle, or (incoming None) the notice that updates were dropped."""

    incoming: Incoming | None
    done: asyncio.Future[None] | None = None  # set once its replies are sent or kept
    taken: asyncio.Future[None] | None = None  # set once its turn holds the person's lock


class _Person:
    """One person's line of updates and the task working through it."""

    __slots__ = ("queue", "ref", "task", "updates")

    def __init__(self, ref: UserRef) -> None:
        self.ref = ref
        self.queue: deque[_Item] = deque()
        self.updates = 0  # updates waiting or in hand (the notice is not counted)
        self.task: asyncio.Task[None] | None = None


class Dispatcher:
    """What a channel sees of the bot: where updates go and whom it tells what it learned."""

    def __init__(self, router: Router, outlets: Outlets, *, backlog: int = BACKLOG) -> None:
        self.router = router
        self.outlets = outlets
        self.backlog = backlog
        self._svc = router.services
        self._people: dict[_Key, _Person] = {}
        self._outlets: dict[str, Outlet] = {}
        self._typing: dict[str, Typing] = {}
        self._dropped: dict[_Key, float] = {}  # when an update of theirs was last dropped
        self._kept: set[_Key] | None = None  # people with replies waiting in the outbox
        self._loading = asyncio.Lock()
        self._handling = asyncio.Semaphore(HANDLING)  # first come, first handled
        self._stopping: set[str] = set()  # channels whose replies now go to the outbox

    # -- what channels call ------------------------------------------------------------------

    def attach(self, outlet: Outlet, *, typing: Typing | None = None) -> None:
        """Answer this channel's people through `outlet` (and let the outbox send through it);
        `typing` shows "typing…" while an update is handled."""
        self._outlets[outlet.name] = outlet
        self.outlets.senders[outlet.name] = outlet.send
        if outlet.limiter is not None:
            self.outlets.limiters[outlet.name] = outlet.limiter
        if typing is not None:
            self._typing[outlet.name] = typing
        self._stopping.discard(outlet.name)

    @property
    def i18n(self) -> I18n:
        """The catalogs, for what a channel publishes itself (command lists)."""
        return self._svc.i18n

    @property
    def commands(self) -> list[CommandInfo]:
        """The commands with their names per language and descriptions."""
        return self.router.command_list

    def receive(self, incoming: Incoming) -> bool:
        """Put an update in its sender's line and return at once; False if it was dropped
        (the sender has `backlog` updates waiting, or the channel is stopping)."""
        ref = incoming.user
        if ref.channel in self._stopping:
            log.info("update of %s dropped: the channel is stopping", user_hash(ref))
            return False
        person = self._person(ref)
        if person.updates >= self.backlog:
            self._drop(person)
            return False
        self._queue(person, _Item(incoming))
        return True

    async def arrive(self, incoming: Incoming) -> bool:
        """`receive`, returning once the update has its place in its sender's order across
        processes: at once when this process is alone, or when it already holds some of their
        updates (their order here is this line's); else once its turn holds the person's lock
        (storage/coordination). A channel that hears of updates one at a time (a platform's
        webhook, which sends the next when this one is answered) keeps their order so, whatever
        process receives the next."""
        ref = incoming.user
        if not self._svc.coordination.shared or ref.channel in self._stopping:
            return self.receive(incoming)
        person = self._person(ref)
        if person.updates:
            return self.receive(incoming)
        taken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue(person, _Item(incoming, taken=taken))
        try:
            await asyncio.wait_for(asyncio.shield(taken), ARRIVAL_WAIT)
        except TimeoutError:
            log.warning("update of %s waited long for its turn: answered later", user_hash(ref))
        return True

    async def converse(self, incoming: Incoming) -> None:
        """Handle an update and return once its replies are sent (the console, which reads the
        next line only then); never dropped."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue(self._person(incoming.user), _Item(incoming, done))
        await done

    def pending(self) -> int:
        """Updates waiting or in hand, everyone's."""
        return sum(p.updates for p in self._people.values())

    async def blocked(self, ref: UserRef) -> None:
        """The person blocked the bot: send them nothing until they write again."""
        user = await self._svc.users.find(ref)
        if user is not None:
            await self._svc.users.mark_blocked(user.id)

    async def unblocked(self, ref: UserRef) -> None:
        """The person let the bot write to them again."""
        await self._svc.users.mark_unblocked(ref)

    async def menu_shown(self, ref: UserRef, options: list[Button]) -> None:
        """A message sent outside a turn showed these options as numbers: a number typed next
        picks one of them."""
        user = await self._svc.users.find(ref)
        if user is not None:
            menu = [(b.label, b.payload) for b in options]
            await self._svc.conversations.set_last_menu(user.id, menu)

    async def lang(self, ref: UserRef) -> Lang:
        """The person's language, for the words a channel adds itself."""
        user = await self._svc.users.find(ref)
        return self._svc.i18n.get(user.locale if user else None)

    async def settle(self, channel: str, timeout: float = SETTLE) -> None:
        """At a channel's stop: take no more updates, handle those in hand, and keep the
        replies not sent yet in the outbox (sent after the restart)."""
        self._stopping.add(channel)
        tasks = [p.task for k, p in self._people.items() if k[0] == channel and p.task]
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=timeout)
        if late:
            log.warning("%d people on %s were still being answered at the stop", len(late), channel)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    # -- each person's line ------------------------------------------------------------------

    def _person(self, ref: UserRef) -> _Person:
        key = (ref.channel, ref.external_id)
        person = self._people.get(key)
        if person is None:
            person = self._people[key] = _Person(ref)
        return person

    def _queue(self, person: _Person, item: _Item) -> None:
        person.queue.append(item)
        if item.incoming is not None:
            person.updates += 1
        if person.task is None:
            person.task = asyncio.get_running_loop().create_task(self._serve(person))

    def _drop(self, person: _Person) -> None:
        """Drop an update of someone who sends too fast; tell them once per flood."""
        key = (person.ref.channel, person.ref.external_id)
        now = time.monotonic()
        last = self._dropped.get(key)
        if len(self._dropped) > 4096:  # forget floods long over
            self._dropped = {
                k: at for k, at in self._dropped.items() if now - at <= NOTICE_AGAIN_AFTER
            }
        self._dropped[key] = now
        self.router.traffic.drop()
        if last is None or now - last > NOTICE_AGAIN_AFTER:
            log.warning(
                "%s %s sends faster than the bot may answer: updates dropped",
                person.ref.channel,
                user_hash(person.ref),
            )
            self._queue(person, _Item(None))  # after the replies to what was taken

    async def _serve(self, person: _Person) -> None:
        """Work through a person's line, one update at a time, each answered before the next."""
        try:
            while person.queue:
                item = person.queue[0]
                try:
                    await self._turn(person.ref, item)
                except Exception:
                    log.exception("update of %s not answered", user_hash(person.ref))
                finally:
                    person.queue.popleft()
                    if item.incoming is not None:
                        person.updates -= 1
                    if item.done is not None and not item.done.done():
                        item.done.set_result(None)
                    if item.taken is not None and not item.taken.done():
                        item.taken.set_result(None)
        finally:
            person.task = None
            for item in person.queue:  # cancelled at a stop: no one waits forever
                if item.done is not None and not item.done.done():
                    item.done.cancel()
                if item.taken is not None and not item.taken.done():
                    item.taken.cancel()
            if not person.queue:
                self._people.pop((person.ref.channel, person.ref.external_id), None)

    async def _turn(self, ref: UserRef, item: _Item) -> None:
        """Handle one update (or say that some were dropped) and deliver the replies."""
        if item.incoming is None:
            replies = [Reply(text=(await self.lang(ref)).gettext(TOO_FAST))]
            await self._deliver(ref, replies)
            return
        # Whatever process received it: held until the replies are out (or kept), so that
        # the person's next update, handled perhaps by another process, is answered after.
        async with self._svc.coordination.person((ref.channel, ref.external_id)):
            if item.taken is not None and not item.taken.done():
                item.taken.set_result(None)
            typing = self._typing.get(ref.channel)
            async with self._handling:  # never held while the replies wait to be sent
                shown: asyncio.Task[None] | None = None
                if typing is not None and item.incoming.kind is not Kind.UNSUPPORTED:
                    shown = asyncio.get_running_loop().create_task(typing(ref))
                replies = await self.router.handle(item.incoming)
            if shown is not None:
                await shown
            await self._deliver(ref, replies)

    # -- replies -----------------------------------------------------------------------------

    async def _deliver(self, ref: UserRef, replies: list[Reply]) -> None:
        """Send replies in order; from the first the platform does not take, keep them all in
        the outbox, and this person's later ones behind them."""
        outlet = self._outlets.get(ref.channel)
        if not replies or outlet is None:
            return
        if await self._has_kept(ref):
            await self._keep(ref, replies)
            return
        for i, reply in enumerate(replies):
            if ref.channel in self._stopping:
                await self._keep(ref, replies[i:])
                return
            try:
                await outlet.send(ref, [reply], Lane.INTERACTIVE)
            except Blocked:
                await self.blocked(ref)
                return
            except (RetryLater, UnknownOutcome) as exc:
                log.warning("reply to %s not taken (%s): kept in the outbox", user_hash(ref), exc)
                await self._keep(ref, replies[i:])
                return
            except Unreachable as exc:
                # The platform no longer carries it (the Zalo OA after 7 days of silence): kept
                # in the outbox, which records it unreachable and counts it in /thong_ke.
                log.warning("reply to %s out of reach (%s)", user_hash(ref), exc)
                await self._keep(ref, replies[i:])
                return
            except SendError:  # refused for good (400): the next replies may still go
                log.exception("reply to %s refused", user_hash(ref))

    async def _has_kept(self, ref: UserRef) -> bool:
        """Whether replies of this person wait in the outbox (later ones must queue behind)."""
        if self._svc.coordination.shared:  # another process may have kept them
            user = await self._svc.users.find(ref)
            return user is not None and await self._svc.outbox.replies_waiting(user.id) > 0
        if self._kept is None:
            async with self._loading:  # once, however many people write at the start
                if self._kept is None:
                    self._kept = set(await self._svc.outbox.people_with_replies())
        key = (ref.channel, ref.external_id)
        if key not in self._kept:
            return False
        user = await self._svc.users.find(ref)
        if user is not None and await self._svc.outbox.replies_waiting(user.id):
            return True
        self._kept.discard(key)
        return False

    async def _keep(self, ref: UserRef, replies: list[Reply]) -> None:
        """Put replies in the outbox's reply lane, which sends each person's in order."""
        user = await self._svc.users.find(ref)
        if user is None:
            log.error("reply to %s lost: no such user", user_hash(ref))
            return
        key = f"reply:{uuid.uuid4().hex}"
        await self._svc.outbox.enqueue(user.id, replies, key, lane="reply")
        if self._kept is not None:
            self._kept.add((ref.channel, ref.external_id))
        self._svc.on_queued()  # the outbox looks now
