"""Periodic jobs: run at start and then every few seconds; a clean stop lets a run finish."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import App
from bot.dialog.router import Job
from bot.engine.jobs import Jobs
from storage.coordination import Local


async def test_a_run_in_progress_finishes_at_stop_and_no_new_one_starts() -> None:
    done: list[str] = []

    async def slow() -> None:
        await asyncio.sleep(0.2)
        done.append("slow")

    jobs = Jobs([Job("slow", 0.01, slow)])
    jobs.start()
    await asyncio.sleep(0.05)  # the first run is under way
    await jobs.stop(grace=5)
    assert done == ["slow"] and not jobs.running


async def test_a_run_longer_than_the_grace_is_cancelled(caplog: pytest.LogCaptureFixture) -> None:
    done: list[str] = []

    async def stuck() -> None:
        await asyncio.sleep(60)
        done.append("stuck")

    jobs = Jobs([Job("stuck", 1, stuck)])
    jobs.start()
    await asyncio.sleep(0.01)
    await jobs.stop(grace=0.05)
    assert done == [] and "periodic job stuck still running at shutdown" in caplog.text


async def test_a_name_is_declared_once(app: App) -> None:
    async def job() -> None:
        pass

    with pytest.raises(ValueError, match="twice"):
        app.router.every("reminders_due", 60, job)  # the reminders' own


class _Follower(Local):
    """A process beside one that leads."""

    async def leading(self) -> bool:
        return False


async def test_beside_a_leader_only_what_is_each_process_own_runs() -> None:
    done: list[str] = []

    async def reminders() -> None:
        done.append("reminders")

    async def traffic() -> None:
        done.append("traffic")

    for coordination, expected in ((_Follower(), ["traffic"]), (Local(), ["reminders", "traffic"])):
        done.clear()
        jobs = Jobs(
            [Job("reminders", 60, reminders), Job("traffic", 60, traffic, everywhere=True)],
            coordination,
        )
        jobs.start()
        while len(done) < len(expected):
            await asyncio.sleep(0.01)
        await jobs.stop(grace=5)
        assert sorted(done) == expected
