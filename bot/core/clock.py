"""The clock: what time it is, in UTC. Part of the core; imports nothing of ours.

Everything stored is UTC (`utcnow().isoformat()`); what is shown is converted to the user's
time zone by `bot.core.i18n`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

__all__ = ["utcnow"]

_second: tuple[int, datetime] = (0, datetime.fromtimestamp(0, UTC))


def utcnow() -> datetime:
    """The current time, timezone-aware UTC, to the second."""
    global _second
    now = int(time.time())
    if now != _second[0]:  # datetimes are immutable: one a second, shared (several per update)
        _second = (now, datetime.fromtimestamp(now, UTC))
    return _second[1]
