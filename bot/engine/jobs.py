"""Runs the periodic jobs: what a feature does every few minutes while the bot serves (reminders
due, unfinished registrations nudged, booth offers lapsing, a broadcast's progress). Each feature
declares its own in its `register(router)` with `router.every(...)`; the App runs them here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from bot.dialog.router import Job

__all__ = ["Jobs"]

log = logging.getLogger("ketnoi.jobs")


class Jobs:
    """The loops of some jobs: each runs at start() and then every `job.every` seconds; a
    failure is logged and the next run comes."""

    def __init__(self, jobs: Sequence[Job]) -> None:
        self._jobs = list(jobs)
        self._tasks: dict[asyncio.Task[None], str] = {}  # while running: each loop, its job
        self._stopping: asyncio.Event | None = None

    @property
    def running(self) -> bool:
        """Whether start() was called and stop() not yet."""
        return bool(self._tasks)

    def start(self) -> None:
        """Start every job's loop."""
        if self._tasks:
            raise RuntimeError("jobs already running")
        stopping = self._stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        self._tasks = {
            loop.create_task(self._repeat(job, stopping)): job.name for job in self._jobs
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
