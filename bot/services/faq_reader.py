"""The reader of free-text questions: the matcher for the FAQ as the database has it, built once
at start-up off the event loop, and again only when the FAQ changes (an entry added on the web
desk, a file imported with `ketnoi faq import` by another process)."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from bot.domain.understand import Matcher
from storage.faq import FaqEntry, FaqRepo

__all__ = ["FaqReader", "matcher_for"]


@lru_cache(maxsize=4)
def matcher_for(entries: tuple[FaqEntry, ...]) -> Matcher:
    """The matcher for this FAQ (about a second to build; kept for the same entries)."""
    return Matcher({e.key: {"vi": e.questions.vi, "en": e.questions.en} for e in entries})


class FaqReader:
    """The current FAQ's matcher and entries, rebuilt when the FAQ's version changes."""

    def __init__(self, faq: FaqRepo) -> None:
        self.faq = faq
        self._version: tuple[int, int, str | None, int] | None = None
        self._matcher: Matcher | None = None
        self._entries: dict[str, FaqEntry] = {}
        self._lock = asyncio.Lock()

    async def warm(self) -> None:
        """Build the matcher now (at start-up), so that the first question waits for nothing."""
        await self.current()

    async def current(self) -> tuple[Matcher, dict[str, FaqEntry]]:
        """The matcher and the entries by key, as the FAQ is now (one small read to know)."""
        version = await self.faq.version()
        if version == self._version and self._matcher is not None:
            return self._matcher, self._entries
        async with self._lock:  # one build at a time; the others wait for it, then use it
            if version != self._version or self._matcher is None:
                entries = tuple(await self.faq.all())
                # In a thread: the chats of everyone else go on while it is built.
                self._matcher = await asyncio.to_thread(matcher_for, entries)
                self._entries = {e.key: e for e in entries}
                self._version = version
            return self._matcher, self._entries
