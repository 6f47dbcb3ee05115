"""The dispatcher between channels and router: a line per person, the flood notice, order, and
the outbox behind a reply the platform did not take. The channel here records what it is asked
to send and can hold one person's sending, so nothing depends on timing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.app import App
from bot.core.types import Blocked, Incoming, Kind, Reply, RetryLater, SendError, UserRef
from bot.dialog.router import Turn
from bot.engine.dispatch import Dispatcher
from bot.engine.ratelimit import Lane

TOO_FAST = "Bạn gửi nhanh quá"


class RecordingChannel:
    """A channel named "console" that records (person, text, lane) and may hold or fail."""

    name = "console"
    limiter = None

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, Lane]] = []
        self.gates: dict[str, asyncio.Event] = {}
        self.failures: dict[str, list[SendError]] = {}
        self.held = 0  # sends waiting at a gate

    def hold(self, who: str) -> asyncio.Event:
        """Hold this person's sending until the returned event is set."""
        self.gates[who] = asyncio.Event()
        return self.gates[who]

    async def send(self, user: UserRef, replies: list[Reply], lane: Lane = Lane.BULK) -> None:
        gate = self.gates.get(user.external_id)
        if gate is not None:
            self.held += 1
            await gate.wait()
            self.held -= 1
        failures = self.failures.get(user.external_id)
        if failures:
            raise failures.pop(0)
        self.sent += [(user.external_id, r.text, lane) for r in replies]

    def texts(self, who: str) -> list[str]:
        return [text for person, text, _ in self.sent if person == who]


async def echo(turn: Turn) -> list[Reply]:
    """Says back what follows /echo."""
    return [Reply(text=f"echo {turn.incoming.args}")]


@pytest.fixture
def channel(app: App) -> RecordingChannel:
    app.router.command(("echo",), echo)
    recording = RecordingChannel()
    app.dispatcher.attach(recording)
    return recording


@pytest.fixture
def dispatcher(app: App, channel: RecordingChannel) -> Dispatcher:
    app.dispatcher.backlog = 3
    return app.dispatcher


def update(who: str, text: str) -> Incoming:
    return Incoming(user=UserRef("console", who), kind=Kind.COMMAND, text=text)


async def until(check: Callable[[], bool | Awaitable[bool]], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if result if isinstance(result, bool) else await result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def test_a_person_whose_replies_cannot_leave_holds_up_no_one_else(
    dispatcher: Dispatcher, channel: RecordingChannel
) -> None:
    gate = channel.hold("lan")
    assert dispatcher.receive(update("lan", "/echo 1"))
    assert dispatcher.receive(update("mai", "/echo 2"))

    await until(lambda: channel.texts("mai") == ["echo 2"])
    assert channel.texts("lan") == []
    gate.set()
    await until(lambda: channel.texts("lan") == ["echo 1"])
    assert all(lane is Lane.INTERACTIVE for _, _, lane in channel.sent)


async def test_beyond_the_backlog_updates_are_dropped_and_the_sender_told_once(
    dispatcher: Dispatcher, channel: RecordingChannel
) -> None:
    gate = channel.hold("lan")
    taken = [dispatcher.receive(update("lan", f"/echo {n}")) for n in range(10)]
    gate.set()
    await until(lambda: len(channel.texts("lan")) == 4)
    assert dispatcher.receive(update("lan", "/echo again"))  # the line is free again
    await until(lambda: len(channel.texts("lan")) == 5)

    assert taken == [True] * 3 + [False] * 7
    got = channel.texts("lan")
    assert got[:3] == ["echo 0", "echo 1", "echo 2"]  # the first ones, in order
    assert got[3].startswith(TOO_FAST)  # after them, in the person's language
    assert got[4] == "echo again"
    assert sum(text.startswith(TOO_FAST) for text in got) == 1


async def test_a_second_flood_soon_after_is_not_told_again(
    dispatcher: Dispatcher, channel: RecordingChannel
) -> None:
    for _ in range(2):
        gate = channel.hold("lan")
        for n in range(6):
            dispatcher.receive(update("lan", f"/echo {n}"))
        gate.set()
        await until(lambda: dispatcher.pending() == 0)

    assert sum(text.startswith(TOO_FAST) for text in channel.texts("lan")) == 1


async def test_converse_answers_every_line_in_order_and_drops_none(
    dispatcher: Dispatcher, channel: RecordingChannel
) -> None:
    await asyncio.gather(*(dispatcher.converse(update("lan", f"/echo {n}")) for n in range(10)))

    assert channel.texts("lan") == [f"echo {n}" for n in range(10)]


async def test_a_reply_not_taken_waits_in_the_outbox_and_later_ones_behind_it(
    app: App, dispatcher: Dispatcher, channel: RecordingChannel
) -> None:
    channel.failures["lan"] = [RetryLater("502: Bad Gateway")]
    for n in (1, 2):
        assert dispatcher.receive(update("lan", f"/echo {n}"))
    await until(lambda: dispatcher.pending() == 0)
    assert channel.texts("lan") == []
    assert await app.router.services.outbox.counts() == {"pending": 2}

    while await app.outbox.drain_once():  # one row of a person at a time, oldest first
        pass
    dispatcher.receive(update("lan", "/echo 3"))  # none waits now: this one goes straight
    await until(lambda: len(channel.texts("lan")) == 3)

    assert channel.texts("lan") == ["echo 1", "echo 2", "echo 3"]
    assert await app.router.services.outbox.counts() == {"sent": 2}
    assert [lane for _, _, lane in channel.sent] == [Lane.INTERACTIVE] * 3


async def test_someone_who_blocked_the_bot_is_marked_and_nothing_is_kept(
    app: App, dispatcher: Dispatcher, channel: RecordingChannel
) -> None:
    channel.failures["lan"] = [Blocked("403: blocked by the user")]
    dispatcher.receive(update("lan", "/echo 1"))
    await until(lambda: dispatcher.pending() == 0)

    user = await app.router.services.users.find(UserRef("console", "lan"))
    assert user is not None and user.blocked_at is not None
    assert await app.router.services.outbox.counts() == {}


async def test_a_reply_refused_for_good_does_not_stop_the_next_ones(
    dispatcher: Dispatcher, channel: RecordingChannel
) -> None:
    channel.failures["lan"] = [SendError("400: Bad Request: message is too long")]
    dispatcher.receive(update("lan", "/echo 1"))
    dispatcher.receive(update("lan", "/echo 2"))

    await until(lambda: channel.texts("lan") == ["echo 2"])


async def test_a_stopping_channel_answers_what_it_holds_and_keeps_the_rest(
    app: App, dispatcher: Dispatcher, channel: RecordingChannel
) -> None:
    gate = channel.hold("lan")
    for n in (1, 2, 3):
        dispatcher.receive(update("lan", f"/echo {n}"))
    await until(lambda: channel.held == 1)  # the first reply is being sent

    stopping = asyncio.get_running_loop().create_task(dispatcher.settle("console"))
    await asyncio.sleep(0.05)
    assert not dispatcher.receive(update("lan", "/echo 4"))  # no new work
    gate.set()  # the reply in flight goes
    await stopping

    assert channel.texts("lan") == ["echo 1"]
    assert await app.router.services.outbox.counts() == {"pending": 2}
    [first] = await app.router.services.outbox.claim(10)  # a person's replies one at a time
    assert [r.text for r in first.replies] == ["echo 2"]
