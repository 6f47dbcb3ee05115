"""Per-channel sending limits: an overall cap, per-chat and per-group limits, and two lanes."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from enum import StrEnum

__all__ = ["ATTEMPT", "Attempt", "Lane", "Limiter", "SlidingWindow", "TokenBucket"]

Clock = Callable[[], float]

# Telegram's published limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
# about 30 messages a second overall, one a second in a chat (short bursts tolerated), and
# 20 a minute in a group.
CHAT_RATE = 1.0
CHAT_BURST = 3.0
GROUP_LIMIT = 20
GROUP_WINDOW = 60.0
_FORGET_AFTER = 4096  # per-chat limits kept before idle ones are dropped
_NAP = 0.25  # longest sleep between looks, so a clock that jumps is noticed


class Lane(StrEnum):
    """Who is waiting for a token: the person typing, or the outbox."""

    INTERACTIVE = "interactive"
    BULK = "bulk"


class Attempt:
    """One message being sent by the outbox: whether a platform call was let through for it yet.

    The outbox sets ATTEMPT in the task that sends a row; `Limiter.acquire` marks it started
    when it lets a call go. At shutdown a row whose attempt never started is put back unsent.
    `record`, if given, is awaited then, before the call: it writes down that the row went
    (processes sharing a database take over a dead one's rows that never went).
    """

    __slots__ = ("record", "started")

    def __init__(self, record: Callable[[], Awaitable[None]] | None = None) -> None:
        self.started = False
        self.record = record


ATTEMPT: ContextVar[Attempt | None] = ContextVar("ketnoi_send_attempt", default=None)


class TokenBucket:
    """`rate` tokens a second, holding at most `burst`."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._at = now

    def _refill(self, now: float) -> None:
        if now > self._at:
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now

    def wait_time(self, now: float) -> float:
        """Seconds until a token is there (0 when one is)."""
        self._refill(now)
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    def tokens(self, now: float) -> float:
        """The tokens held now."""
        self._refill(now)
        return self._tokens

    def take(self, now: float) -> None:
        """Spend one token (callers check wait_time first)."""
        self._refill(now)
        self._tokens -= 1

    def idle(self, now: float) -> bool:
        """Whether the bucket is full again, so forgetting it changes nothing."""
        return self.tokens(now) >= self.burst


class SlidingWindow:
    """At most `limit` events in any `window` seconds (Telegram's 20 a minute per group)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._events: deque[float] = deque()

    def _expire(self, now: float) -> None:
        while self._events and self._events[0] <= now - self.window:
            self._events.popleft()

    def wait_time(self, now: float) -> float:
        """Seconds until one more event fits."""
        self._expire(now)
        if len(self._events) < self.limit:
            return 0.0
        return self._events[0] + self.window - now

    def take(self, now: float) -> None:
        """Record one event."""
        self._expire(now)
        self._events.append(now)

    def idle(self, now: float) -> bool:
        """Whether no event is left in the window."""
        self._expire(now)
        return not self._events


class Limiter:
    """One channel's budget. Interactive replies take tokens first; bulk uses what is left.

    Await `acquire(chat, lane)` before every message to a chat; a 429 from the platform
    calls `pause(seconds)`, which holds the bulk lane back.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        chat_rate: float = CHAT_RATE,
        chat_burst: float = CHAT_BURST,
        group_limit: int = GROUP_LIMIT,
        group_window: float = GROUP_WINDOW,
        clock: Clock = time.monotonic,
    ) -> None:
        self.rate = rate
        self._clock = clock
        # A small burst keeps the platform's own bucket from being drained to its last token,
        # where any network jitter turns into a 429; it still absorbs our scheduling jitter.
        self._burst = burst or max(2.0, rate / 10)
        self._global = TokenBucket(rate, self._burst, clock())
        self._chat_rate = chat_rate
        self._chat_burst = chat_burst
        self._group_limit = group_limit
        self._group_window = group_window
        self._chats: dict[str, TokenBucket | SlidingWindow] = {}
        self._urgent = 0  # interactive messages waiting for an overall token
        self._line: deque[asyncio.Future[None]] = deque()  # those messages, in arrival order
        self._handing: asyncio.Task[None] | None = None  # gives them their tokens
        self._paused_until = 0.0

    # -- the platform said slow down -------------------------------------------------------

    def share(self, processes: int) -> None:
        """Use 1/`processes` of the channel's cap: the platform counts the bot's messages, not
        one process's. Each live process takes an equal share, recomputed as processes come and
        go (bot/engine/outbox.py), rather than taking every token from a row in the database:
        that would put a write on one hot row before every message, and a process that stalls
        while holding it would stall all. The price: a process with little to send leaves its
        share unused, so a single busy process reaches only its share of the cap."""
        processes = max(1, processes)
        self._global.rate = self.rate / processes
        self._global.burst = max(1.0, self._burst / processes)

    def pause(self, seconds: float) -> None:
        """Hold the bulk lane for `seconds` (a 429's retry_after)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    @property
    def paused_for(self) -> float:
        """Seconds left of a pause of the bulk lane (0 when it runs)."""
        return max(0.0, self._paused_until - self._clock())

    def headroom(self) -> int:
        """About how many bulk messages could go right now (0 while paused)."""
        if self.paused_for > 0 or self._urgent:
            return 0
        return int(self._global.tokens(self._clock()))

    async def bulk_ready(self) -> None:
        """Wait until the bulk lane is not paused and an overall token is due."""
        while True:
            now = self._clock()
            wait = max(self._paused_until - now, self._global.wait_time(now))
            if wait <= 0:
                return
            await asyncio.sleep(min(wait, _NAP))

    # -- taking tokens ---------------------------------------------------------------------

    async def acquire(self, chat: str | int, lane: Lane = Lane.BULK) -> None:
        """Wait for this chat's limit and the overall cap, then spend a token of each."""
        key = str(chat)
        limit = self._limit_for(key)
        if lane is Lane.BULK:
            await self._wait(lambda now: max(self._paused_until - now, limit.wait_time(now)))
        else:
            await self._wait(limit.wait_time)
        limit.take(self._clock())
        if lane is Lane.INTERACTIVE:
            await self._interactive_token()
        else:
            await self._wait(self._bulk_wait)
            self._global.take(self._clock())
        attempt = ATTEMPT.get()
        if attempt is not None and not attempt.started:
            attempt.started = True  # from here on the call may reach the platform
            if attempt.record is not None:
                await attempt.record()

    async def _interactive_token(self) -> None:
        """Take an overall token, or wait in line for one.

        One task hands the tokens out in arrival order: when 300 replies wait at once, one
        sleeper wakes for each token, rather than all 300 polling the bucket every few
        milliseconds and the first to wake taking it.
        """
        if not self._line and self._global.wait_time(self._clock()) <= 0:
            self._global.take(self._clock())
            return
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[None] = loop.create_future()
        self._line.append(turn)
        self._urgent += 1
        try:
            if self._handing is None or self._handing.done():
                self._handing = loop.create_task(self._hand_out())
            await turn
        finally:
            self._urgent -= 1

    async def _hand_out(self) -> None:
        """Give the waiting replies their tokens, first come first served, at the cap."""
        while self._line:
            wait = self._global.wait_time(self._clock())
            if wait > 0:
                await asyncio.sleep(min(wait, _NAP))
                continue
            turn = self._line.popleft()
            if not turn.done():  # a waiter that was cancelled needs no token
                self._global.take(self._clock())
                turn.set_result(None)

    def _bulk_wait(self, now: float) -> float:
        wait = max(self._paused_until - now, self._global.wait_time(now))
        if self._urgent:
            # someone is typing: let them have the next token, then look again
            wait = max(wait, 1 / self.rate)
        return wait

    async def _wait(self, how_long: Callable[[float], float]) -> None:
        while True:
            wait = how_long(self._clock())
            if wait <= 0:
                return
            await asyncio.sleep(min(wait, _NAP))

    def _limit_for(self, key: str) -> TokenBucket | SlidingWindow:
        found = self._chats.get(key)
        if found is not None:
            return found
        if len(self._chats) >= _FORGET_AFTER:
            now = self._clock()
            self._chats = {k: v for k, v in self._chats.items() if not v.idle(now)}
        made: TokenBucket | SlidingWindow
        if key.startswith("-"):  # Telegram groups, supergroups and channels have negative ids
            made = SlidingWindow(self._group_limit, self._group_window)
        else:
            made = TokenBucket(self._chat_rate, self._chat_burst, self._clock())
        self._chats[key] = made
        return made
