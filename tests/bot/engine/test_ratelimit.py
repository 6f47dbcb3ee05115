"""Token buckets and lanes, on a clock that moves only when the test says so."""

from __future__ import annotations

import asyncio

from bot.engine.ratelimit import Lane, Limiter, SlidingWindow, TokenBucket


class ManualClock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_its_rate() -> None:
    bucket = TokenBucket(rate=2, burst=3, now=0)
    for _ in range(3):
        assert bucket.wait_time(0) == 0
        bucket.take(0)
    assert bucket.wait_time(0) == 0.5
    assert bucket.wait_time(0.5) == 0
    bucket.take(0.5)
    assert bucket.tokens(10) == 3  # never more than the burst


def test_a_group_gets_twenty_messages_a_minute() -> None:
    window = SlidingWindow(20, 60)
    for second in range(20):
        assert window.wait_time(second) == 0
        window.take(second)
    assert window.wait_time(20) == 40  # the first one leaves the window at 60
    assert window.wait_time(60) == 0


async def _taken(limiter: Limiter, chat: str, lane: Lane) -> None:
    await limiter.acquire(chat, lane)


async def test_a_reply_takes_the_next_token_before_bulk() -> None:
    clock = ManualClock()
    limiter = Limiter(30, burst=1, clock=clock)
    await limiter.acquire("1", Lane.BULK)  # the bucket is empty now
    bulk = asyncio.create_task(_taken(limiter, "2", Lane.BULK))
    await asyncio.sleep(0.01)
    reply = asyncio.create_task(_taken(limiter, "3", Lane.INTERACTIVE))
    await asyncio.sleep(0.01)
    clock.now += 1.01 / 30  # one token
    done, _ = await asyncio.wait({bulk, reply}, return_when=asyncio.FIRST_COMPLETED)
    assert done == {reply}
    assert not bulk.done()
    clock.now += 1.01 / 30
    await bulk


async def test_one_chat_is_held_to_about_one_message_a_second() -> None:
    clock = ManualClock()
    limiter = Limiter(1000, clock=clock)
    for _ in range(3):  # a short burst is fine
        await asyncio.wait_for(limiter.acquire("42", Lane.INTERACTIVE), 1)
    fourth = asyncio.create_task(_taken(limiter, "42", Lane.INTERACTIVE))
    other = asyncio.create_task(_taken(limiter, "43", Lane.INTERACTIVE))
    await asyncio.wait_for(other, 1)  # another chat is not held up
    await asyncio.sleep(0.05)
    assert not fourth.done()
    clock.now += 1
    await asyncio.wait_for(fourth, 1)


async def test_a_pause_holds_bulk_but_not_replies() -> None:
    clock = ManualClock()
    limiter = Limiter(30, clock=clock)
    limiter.pause(5)
    assert limiter.headroom() == 0
    bulk = asyncio.create_task(_taken(limiter, "1", Lane.BULK))
    await asyncio.wait_for(limiter.acquire("2", Lane.INTERACTIVE), 1)
    await asyncio.sleep(0.05)
    assert not bulk.done()
    clock.now += 5
    await asyncio.wait_for(bulk, 1)


async def test_groups_use_the_per_minute_window() -> None:
    clock = ManualClock()
    limiter = Limiter(1000, clock=clock)
    for _ in range(20):
        await asyncio.wait_for(limiter.acquire("-100123", Lane.BULK), 1)
    twenty_first = asyncio.create_task(_taken(limiter, "-100123", Lane.BULK))
    await asyncio.sleep(0.05)
    assert not twenty_first.done()
    clock.now += 60
    await asyncio.wait_for(twenty_first, 1)


async def test_replies_waiting_at_once_get_tokens_one_by_one_in_arrival_order() -> None:
    clock = ManualClock()
    limiter = Limiter(30, burst=1, clock=clock)
    await limiter.acquire("0", Lane.INTERACTIVE)  # the bucket is empty now
    done: list[int] = []

    async def reply(n: int) -> None:
        await limiter.acquire(str(n), Lane.INTERACTIVE)
        done.append(n)

    waiting = [asyncio.create_task(reply(n)) for n in range(1, 9)]
    await asyncio.sleep(0.01)
    for tokens in range(1, 9):
        clock.now += 1.01 / 30  # one more token
        await asyncio.sleep(0.3)  # longer than the limiter's longest nap
        assert done == list(range(1, tokens + 1))
    await asyncio.gather(*waiting)


async def _sent_in(limiter: Limiter, clock: ManualClock, seconds: int) -> int:
    """How many bulk messages to different chats go in `seconds`, sent as soon as allowed."""
    sent = 0
    for _ in range(seconds * 100):
        clock.now += 0.01
        while limiter.headroom() >= 1:
            await limiter.acquire(f"{clock.now}:{sent}")
            sent += 1
    return sent


async def test_processes_sharing_the_bot_share_its_cap() -> None:
    clock = ManualClock()
    limiter = Limiter(30, clock=clock)
    limiter.share(3)  # three processes send for the same bot: ten a second each
    assert 27 <= await _sent_in(limiter, clock, 3) <= 31
    limiter.share(1)  # the others stopped: the whole cap again
    assert 85 <= await _sent_in(limiter, clock, 3) <= 93
