"""What the router handled, summed up in one log line a minute instead of one line an update.

At INFO the log says how busy the bot is and how fast it answers: "updates: 4,211 in 60 s
(flow 3,905, command 211, button 95), 0 failed; p50 2.1 ms, p99 8.3 ms, max 41.0 ms".
Each update's own line (its route and time, the user as a pseudonym) is logged at DEBUG
(KETNOI_LOG_LEVEL=debug). A failed update is always logged, at ERROR, with its traceback.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

__all__ = ["EVERY", "Traffic"]

EVERY = 60.0  # seconds between summaries
_BUCKETS_PER_MS = 10  # latencies are counted in tenths of a millisecond…
_LAST_BUCKET = 60_000  # … up to 6 s; slower ones count as 6 s in the percentiles

log = logging.getLogger("ketnoi.traffic")


class Traffic:
    """Counts of updates by kind of route, failures, and a histogram of handling times."""

    def __init__(self) -> None:
        self._start()

    def _start(self) -> None:
        self._since = time.monotonic()
        self._routes: Counter[str] = Counter()
        self._times: Counter[int] = Counter()  # tenths of a millisecond -> updates
        self._failed = 0
        self._dropped = 0
        self._slowest = 0.0

    def record(self, route: str, ms: float, *, failed: bool = False) -> None:
        """Count one update handled in `ms` milliseconds through `route`."""
        self._routes[route] += 1
        self._times[min(int(ms * _BUCKETS_PER_MS), _LAST_BUCKET)] += 1
        if ms > self._slowest:
            self._slowest = ms
        if failed:
            self._failed += 1

    def drop(self) -> None:
        """Count an update not handled: its sender had too many waiting (bot/engine/dispatch.py)."""
        self._dropped += 1

    @property
    def failed(self) -> int:
        """The updates that failed (their handler raised) since the last summary."""
        return self._failed

    def handled(self, route: str) -> int:
        """The updates handled through `route` since the last summary."""
        return self._routes[route]

    def summary(self) -> str | None:
        """The line for the updates since the last summary (None if there were none), and a
        fresh count from now."""
        seconds = time.monotonic() - self._since
        routes, times, failed, slowest = self._routes, self._times, self._failed, self._slowest
        dropped = self._dropped
        self._start()
        total = sum(routes.values())
        if not total and not dropped:
            return None
        kinds: Counter[str] = Counter()
        for route, n in routes.items():
            kinds[route.split(":", 1)[0]] += n
        by_kind = ", ".join(f"{kind} {n:,}" for kind, n in kinds.most_common())
        line = f"updates: {total:,} in {seconds:.0f} s ({by_kind}), {failed:,} failed"
        if total:
            p50, p99 = _percentile(times, total, 0.50), _percentile(times, total, 0.99)
            line += f"; p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {slowest:.1f} ms"
        if dropped:
            line += f"; {dropped:,} dropped (their senders wrote too fast)"
        return line

    async def log_summary(self) -> None:
        """Log the summary line, if anything was handled (a periodic job, and at shutdown)."""
        line = self.summary()
        if line is not None:
            log.info("%s", line)


def _percentile(times: Counter[int], total: int, q: float) -> float:
    """The time (ms) under which a share `q` of the updates were handled."""
    rank = q * total
    seen = 0
    for bucket in sorted(times):
        seen += times[bucket]
        if seen >= rank:
            return (bucket + 1) / _BUCKETS_PER_MS  # the bucket's upper edge
    return _LAST_BUCKET / _BUCKETS_PER_MS
