"""Putting a checked fair file into the calendar, and telling applicants what changed."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import BaseModel, Field

from bot.services import booth_notices as notices
from bot.services.base import Build, Services
from bot.services.fair_files import read_fair_file
from bot.services.fair_jobs import Notice, offer_freed, queue
from storage.booths import LIVE
from storage.fairs import Fair, FairFields

__all__ = ["SAMPLE_FAIRS", "ImportReport", "import_fairs", "import_file", "load_samples_if_empty"]

SAMPLE_FAIRS = Path(__file__).resolve().parents[2] / "data" / "sample_fairs.yaml"


class ImportReport(BaseModel):
    """What an import did."""

    created: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    cancelled: list[str] = Field(default_factory=list)
    reinstated: list[str] = Field(default_factory=list)  # cancelled before, taking place again
    moved: list[str] = Field(default_factory=list)
    messages: int = 0  # notices queued for applicants
    warnings: list[str] = Field(default_factory=list)


async def import_file(svc: Services, path: Path) -> ImportReport:
    """Check the whole file (FairFileError if any row is wrong), then import it."""
    fairs = read_fair_file(path, svc.settings.tz)
    return await import_fairs(svc, fairs)


async def import_fairs(svc: Services, fairs: list[FairFields]) -> ImportReport:
    """Create or update (by key) every fair in one transaction; queue the notices it causes."""
    report = ImportReport()
    async with svc.db.transaction():
        found: list[Notice] = []
        for spec in fairs:
            fair, before = await svc.fairs.upsert(spec)
            if before is None:
                report.created.append(fair.key)
            elif _same(before, fair):
                report.unchanged.append(fair.key)
                continue
            else:
                report.updated.append(fair.key)
            found += await _consequences(svc, fair, before, report)
        report.messages = await queue(svc, found, lane="bulk")
    return report


async def load_samples_if_empty(svc: Services) -> str | None:
    """Load data/sample_fairs.yaml into an empty calendar (the console demo); the notice to
    show, or None when the calendar already had fairs."""
    if await svc.fairs.count():
        return None
    report = await import_file(svc, SAMPLE_FAIRS)
    return (
        f"The fair calendar was empty: loaded {len(report.created)} sample fairs from"
        f" {SAMPLE_FAIRS.relative_to(SAMPLE_FAIRS.parent.parent)} (the upcoming ones are"
        " examples, not real announcements)."
    )


def _same(before: Fair, after: Fair) -> bool:
    fields = set(FairFields.model_fields)
    return before.model_dump(include=fields) == after.model_dump(include=fields)


async def _consequences(
    svc: Services, fair: Fair, before: Fair | None, report: ImportReport
) -> list[Notice]:
    """Who must hear of the change, and booths that freed up for the waiting list."""
    if before is None:
        return []
    # A fair can be called off and reinstated more than once: each time is news (the same file
    # imported twice is no news: the fair's status did not change).
    when = secrets.token_hex(4)
    if fair.cancelled and not before.cancelled:
        report.cancelled.append(fair.key)
        return await _tell_everyone(svc, fair, notices.fair_cancelled(fair), f"cancelled:{when}")
    found: list[Notice] = []
    if before.cancelled and not fair.cancelled:
        report.reinstated.append(fair.key)
        what = f"reinstated:{when}"
        found += await _tell_everyone(svc, fair, notices.fair_reinstated(fair), what)
        before = fair  # told of the fair as it is now: not of a date change as well
    if not fair.cancelled and (fair.starts_at, fair.ends_at) != (before.starts_at, before.ends_at):
        report.moved.append(fair.key)
        what = f"dates:{fair.starts_at.isoformat()}:{fair.ends_at.isoformat()}"
        found += await _tell_everyone(svc, fair, notices.fair_dates_changed(fair, before), what)
    held = (await svc.booths.taken([fair.id]))[fair.id]
    if held > fair.booths:
        report.warnings.append(
            f"{fair.key}: {held} booths are already held but the fair now has {fair.booths}"
        )
    found += await offer_freed(svc, fair)
    return found


async def _tell_everyone(svc: Services, fair: Fair, build: Build, what: str) -> list[Notice]:
    """Every live applicant and everyone who asked to be reminded, once per account."""
    accounts = [a.account_id for a in await svc.booths.for_fair(fair.id, LIVE)]
    accounts += await svc.fairs.followers(fair.id)
    found: list[Notice] = []
    for account_id in dict.fromkeys(accounts):
        user_id = await notices.recipient(svc.users, account_id)
        if user_id is not None:
            found.append((user_id, build, f"fair:{fair.id}:{what}:account:{account_id}"))
    return found
