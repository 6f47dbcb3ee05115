"""What a channel does when a platform call fails, the same on every channel."""

from __future__ import annotations

import pytest

from bot.channels import retry
from bot.channels.retry import within_limits
from bot.core.types import Blocked, RetryLater, SendError, UnknownOutcome
from bot.engine.ratelimit import Lane, Limiter


class Flaky:
    """A platform call failing with the given errors, then answering "ok"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


class PlatformError(Exception):
    """What a platform library raises; `as_ours` is the SendError it means."""

    def __init__(self, as_ours: SendError) -> None:
        super().__init__(str(as_ours))
        self.as_ours = as_ours


def ours(exc: Exception) -> SendError | None:
    return exc.as_ours if isinstance(exc, PlatformError) else None


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "BACKOFF", (0.0, 0.0))


async def call(flaky: Flaky, lane: Lane, limiter: Limiter | None = None) -> str:
    limiter = limiter or Limiter(1000, chat_rate=1000, chat_burst=100)
    return await within_limits(flaky, limiter=limiter, chat=42, lane=lane, failure=ours)


@pytest.mark.parametrize(
    "error",
    [
        RetryLater("502: Bad Gateway"),
        UnknownOutcome("no answer in time"),
        RetryLater("429", retry_after=0.01),
    ],
)
async def test_a_reply_is_tried_again_after_a_5xx_no_answer_or_a_short_429(
    error: SendError,
) -> None:
    flaky = Flaky(PlatformError(error), PlatformError(error))

    assert await call(flaky, Lane.INTERACTIVE) == "ok"
    assert flaky.calls == 3


async def test_a_reply_gives_up_after_three_attempts() -> None:
    flaky = Flaky(*(PlatformError(RetryLater("500")) for _ in range(3)))

    with pytest.raises(RetryLater):
        await call(flaky, Lane.INTERACTIVE)
    assert flaky.calls == retry.ATTEMPTS


@pytest.mark.parametrize(
    "error",
    [RetryLater("429", retry_after=30), Blocked("403"), SendError("400: Bad Request")],
)
async def test_a_reply_hands_back_a_long_429_a_block_or_a_refusal_at_once(
    error: SendError,
) -> None:
    flaky = Flaky(PlatformError(error))

    with pytest.raises(type(error)):
        await call(flaky, Lane.INTERACTIVE)
    assert flaky.calls == 1


async def test_bulk_is_never_tried_again_here_and_a_429_pauses_its_lane() -> None:
    limiter = Limiter(1000)
    flaky = Flaky(PlatformError(RetryLater("429", retry_after=5)))

    with pytest.raises(RetryLater):
        await call(flaky, Lane.BULK, limiter)
    assert flaky.calls == 1
    assert limiter.paused_for > 4


async def test_an_error_that_is_not_the_platforms_is_raised_as_it_is() -> None:
    flaky = Flaky(KeyError("bug"))

    with pytest.raises(KeyError):
        await call(flaky, Lane.INTERACTIVE)
