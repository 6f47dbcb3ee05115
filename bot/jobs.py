"""Periodic jobs: what a feature does every few minutes while the bot serves (reminders due,
unfinished registrations nudged, booth offers lapsing, a broadcast's progress). Each feature
declares its own in its `register(router)` with `router.every(...)`; the App runs them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

__all__ = ["Job", "Jobs"]

log = logging.getLogger("ketnoi.jobs")


@dataclass(frozen=True, slots=True)
class Job:
    """`run()` now and then every `every` seconds; a failure is logged and the next run comes."""

    name: str
    every: float
    run: Callable[[], Awaitable[object]]


class Jobs:
    """The jobs declared, and their loops while they run."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._tasks: dict[asyncio.Task[None], str] = {}  # while running: each loop, its job
        self._stopping: asyncio.Event | None = None

    def every(self, name: str, seconds: float, run: Callable[[], Awaitable[object]]) -> None:
        """Declare a job; its name appears in the log when it fails."""
        if name in self._jobs:
            raise ValueError(f"job {name!r} declared twice")
        if seconds <= 0:
            raise ValueError(f"job {name!r}: every must be positive")
        self._jobs[name] = Job(name, seconds, run)

    def __iter__(self) -> Iterator[Job]:
        return iter(self._jobs.values())

    @property
    def running(self) -> bool:
        """Whether start() was called and stop() not yet."""
        return bool(self._tasks)

    def start(self) -> None:
        """Start every job's loop."""
        if self._tasks:
            raise RuntimeError("jobs already running")
        self._stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        self._tasks = {
            loop.create_task(self._repeat(job, self._stopping)): job.name for job in self
        }

    async def stop(self, grace: float) -> None:
        """Start no new run; let a run in progress finish within `grace` seconds, then cancel it."""
        if self._stopping is not None:
            self._stopping.set()
        tasks, self._tasks = self._tasks, {}
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=grace)
        for task in late:
            log.warning("periodic job %s still running at shutdown: cancelled", tasks[task])
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def _repeat(self, job: Job, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                await job.run()
            except Exception:
                log.exception("periodic job %s failed", job.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), job.every)
