"""Where the bot's messages leave: each attached channel's sender and sending budget, filled
by the dispatcher as channels attach and read by the outbox."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

from bot.core.types import Reply, UserRef
from bot.engine.ratelimit import Lane, Limiter

__all__ = ["Outlets", "Sender"]


class Sender(Protocol):
    """A channel's way to send replies to one person (SendError kinds on failure)."""

    def __call__(
        self, user: UserRef, replies: list[Reply], lane: Lane = ..., /
    ) -> Awaitable[None]: ...


class Outlets:
    """Each channel's sender and, where the platform limits sending, its budget."""

    def __init__(self) -> None:
        self.senders: dict[str, Sender] = {}
        self.limiters: dict[str, Limiter] = {}
