"""Runs the periodic jobs: what a feature does every few minutes while the bot serves (reminders
due, unfinished registrations nudged, booth offers lapsing, a broadcast's progress). Each feature
declares its own in its `register(router)` with `router.every(...)`; the App runs them here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from bot.dialog.router import Job
from storage.coordination import Coordination, Local

__all__ = ["Jobs"]

log = logging.getLogger("ketnoi.jobs")


class Jobs:
    """The loops of some jobs: each runs at start() and then every `job.every` seconds; a
    failure is logged and the next run comes.

    Where several processes share the database, each tick of a job runs only in the process
    that leads (`coordination.leading()`, a lock that passes to another process when its
    holder dies): reminders, nudges and offers go out once, not once per process. A job
    marked `everywhere` runs in every process."""

    def __init__(self, jobs: Sequence[Job], coordination: Coordination | None = None) -> None:
        self._jobs = list(jobs)
        self._coordination: Coordination = coordination or Local()
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
                if job.everywhere or await self._coordination.leading():
                    await job.run()
            except Exception:
                log.exception("periodic job %s failed", job.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), job.every)
