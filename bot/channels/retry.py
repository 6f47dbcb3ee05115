"""One platform call within the limits, tried again as a reply deserves: shared by every channel.

A channel says how its platform's errors map to ours (`Failure`); this module decides what
happens next, the same way on Telegram and Zalo:

- bulk (what the outbox sends): nothing is tried again here; the error goes back to the outbox,
  which pauses the lane on 429, backs off, or gives up with the error kept;
- a reply (the interactive lane): a 429 of up to MAX_INLINE_WAIT seconds is waited out, and a
  5xx, a network error or no answer (UnknownOutcome: a read timeout, a connection dropped before
  the answer) is tried again after BACKOFF, ATTEMPTS calls in all; what still fails goes back to
  the caller, whose reply then waits in the outbox (bot/engine/dispatch.py).

A reply whose answer never came is sent again although the platform may have taken it: the
person may then see it twice, while a lost answer leaves them stuck at a step that was saved,
waiting for a bot that seems dead. Replies are short and answer what the person just did, so a
second copy reads as a repeat, not as a new message; and one person is affected, once. Bulk is
the opposite case: thousands of people, nobody waiting for that one message, and a promise of no
duplicates, so there an UnknownOutcome is never resent (bot/engine/outbox.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.core.types import RetryLater, SendError, UnknownOutcome
from bot.engine.ratelimit import Lane, Limiter

__all__ = ["ATTEMPTS", "BACKOFF", "MAX_INLINE_WAIT", "Failure", "within_limits"]

T = TypeVar("T")
# The platform's exception as one of ours (bot.core.types: Blocked, RetryLater, UnknownOutcome,
# ChatMoved, SendError), or None for an exception that is not the platform's (a bug: raised as
# it is).
Failure = Callable[[Exception], SendError | None]

ATTEMPTS = 3
BACKOFF = (0.5, 1.0)  # seconds before the second and third attempt of a reply
MAX_INLINE_WAIT = 5.0  # a longer 429 goes back to the caller rather than holding the reply


async def within_limits(
    call: Callable[[], Awaitable[T]],
    *,
    limiter: Limiter,
    chat: str | int,
    lane: Lane,
    failure: Failure,
) -> T:
    """Wait for the limiter, make the call, and try it again if a reply may still get through;
    raises the SendError kind of the last failure. A 429 always pauses the bulk lane."""
    attempt = 0
    while True:
        await limiter.acquire(chat, lane)
        try:
            return await call()
        except Exception as exc:
            error = failure(exc)
            if error is None:
                raise
            if isinstance(error, RetryLater) and error.retry_after is not None:
                limiter.pause(error.retry_after)
            wait = _again_after(error, lane, attempt)
            if wait is None:
                raise error from exc
        attempt += 1
        await asyncio.sleep(wait)


def _again_after(error: SendError, lane: Lane, attempt: int) -> float | None:
    """Seconds to wait before calling again, or None to give the error back."""
    if lane is Lane.BULK or attempt >= ATTEMPTS - 1:
        return None
    if isinstance(error, UnknownOutcome):
        return BACKOFF[attempt]
    if not isinstance(error, RetryLater):
        return None
    if error.retry_after is not None:
        return error.retry_after if error.retry_after <= MAX_INLINE_WAIT else None
    return BACKOFF[attempt]
