"""What the fakes share: reading what the bot sent, and waiting for it, with a cursor per chat."""

from __future__ import annotations

import asyncio
import copy
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["Reader"]

Json = dict[str, Any]
Predicate = Callable[[Json], bool]


class Reader:
    """Read cursors over a fake's recorded messages (by chat) and calls (by method).

    The fake sets `_lock` (the state's Condition), `_state` (with `by_chat` and `calls`),
    `_read` and `_calls_read`. A wait target is a chat id, or ("call", method).
    """

    _lock: threading.Condition
    _state: Any
    _read: dict[Any, int]
    _calls_read: dict[str, int]

    def wait_for_message(
        self, chat_id: Hashable, predicate: Predicate | None = None, timeout: float = 10.0
    ) -> Json:
        """Block until an unread bot message in chat_id matches; reading moves past it."""
        return self._wait(lambda: self._next_message(chat_id, predicate), timeout, chat_id)

    async def await_message(
        self, chat_id: Hashable, predicate: Predicate | None = None, timeout: float = 10.0
    ) -> Json:
        """wait_for_message for a bot running on the caller's event loop."""
        return await self._await(lambda: self._next_message(chat_id, predicate), timeout, chat_id)

    def wait_for_call(
        self, method: str, predicate: Predicate | None = None, timeout: float = 10.0
    ) -> Json:
        """Block until an unread call of method (e.g. editMessageText) matches; return it."""
        return self._wait(lambda: self._next_call(method, predicate), timeout, ("call", method))

    async def await_call(
        self, method: str, predicate: Predicate | None = None, timeout: float = 10.0
    ) -> Json:
        """wait_for_call for a bot running on the caller's event loop."""
        where = ("call", method)
        return await self._await(lambda: self._next_call(method, predicate), timeout, where)

    def _next_message(self, chat_id: Hashable, predicate: Predicate | None) -> Json | None:
        """The first unread matching bot message in chat_id, marked read (call under the lock)."""
        messages = self._state.by_chat.get(chat_id, [])
        for index in range(self._read.get(chat_id, 0), len(messages)):
            if predicate is None or predicate(messages[index]):
                self._read[chat_id] = index + 1
                return copy.deepcopy(messages[index])
        return None

    def _next_call(self, method: str, predicate: Predicate | None) -> Json | None:
        """The first unread matching call of method, marked read (call under the lock)."""
        key = method.lower()
        calls = self._state.calls
        for index in range(self._calls_read.get(key, 0), len(calls)):
            if calls[index]["method"].lower() == key and (
                predicate is None or predicate(calls[index])
            ):
                self._calls_read[key] = index + 1
                return copy.deepcopy(calls[index])
        return None

    def _wait(self, take: Callable[[], Json | None], timeout: float, where: object) -> Json:
        """Block on the state's condition until take() finds something."""
        with self._lock:
            found = self._lock.wait_for(take, timeout)
        if found is None:
            raise TimeoutError(self._nothing(where, timeout))
        return found

    async def _await(self, take: Callable[[], Json | None], timeout: float, where: object) -> Json:
        """Poll take() every 10 ms without blocking the caller's event loop."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = take()
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(self._nothing(where, timeout))
            await asyncio.sleep(0.01)

    def _nothing(self, where: object, timeout: float) -> str:
        """A timeout message showing what the bot did send there."""
        with self._lock:
            if isinstance(where, tuple):
                seen = [c["method"] for c in self._state.calls[-20:]]
                return f"no new matching {where[1]} call after {timeout} s; last calls: {seen}"
            sent = self._state.by_chat.get(where, [])
            seen = [r["text"] or r["method"] for r in sent]
            return f"no new matching bot message in chat {where} after {timeout} s; {seen=}"
