"""Which Telegram send failures may have delivered the message (never resent in bulk) and which
certainly did not (sent again later)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from telegram.error import NetworkError, TimedOut

from bot.channels.telegram import _network_error
from bot.core.types import Reply, RetryLater, SendError, UnknownOutcome
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_bot import TelegramBot, running_bot

CHAT = 4242


@pytest.fixture
async def tg(tmp_path: Path, fake_telegram: FakeTelegram) -> AsyncIterator[TelegramBot]:
    async with running_bot(tmp_path, fake_telegram, quiet_hours="off") as bot:
        yield bot


async def test_a_connection_dropped_before_the_answer_is_an_unknown_outcome(
    tg: TelegramBot, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.lose_answers("sendMessage", "dropped", chat_id=CHAT)

    with pytest.raises(UnknownOutcome):
        await tg.channel.send(tg.ref(CHAT), [Reply(text="Thông báo hội chợ")])

    assert [m["text"] for m in fake_telegram.sent(CHAT)] == ["Thông báo hội chợ"]


async def test_a_server_error_may_be_sent_again(
    tg: TelegramBot, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail_next("sendMessage", 502, chat_id=CHAT)

    with pytest.raises(RetryLater):
        await tg.channel.send(tg.ref(CHAT), [Reply(text="Thông báo hội chợ")])

    assert fake_telegram.sent(CHAT) == []


def _chained(error: NetworkError, cause: BaseException) -> NetworkError:
    """The error as python-telegram-bot raises it: `raise TimedOut from err`."""
    try:
        raise error from cause
    except NetworkError as raised:
        return raised


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (_chained(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")), RetryLater),
        (_chained(TimedOut(), httpx.ConnectTimeout("connect")), RetryLater),
        (_chained(TimedOut("Pool timeout"), httpx.PoolTimeout("pool")), RetryLater),
        (_chained(TimedOut(), httpx.WriteTimeout("write")), RetryLater),
        (NetworkError("Internal Server Error"), RetryLater),  # an answer: the platform failed
        (_chained(TimedOut(), httpx.ReadTimeout("read")), UnknownOutcome),
        (_chained(NetworkError("x"), httpx.RemoteProtocolError("peer closed")), UnknownOutcome),
        (_chained(NetworkError("x"), httpx.ReadError("reset")), UnknownOutcome),
        (TimedOut(), UnknownOutcome),  # no cause to tell: taken as possibly delivered
    ],
)
def test_network_errors_by_whether_the_request_may_have_arrived(
    error: NetworkError, outcome: type[SendError]
) -> None:
    assert type(_network_error(error)) is outcome
