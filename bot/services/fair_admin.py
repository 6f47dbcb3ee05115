"""The Department's changes to the calendar: publish a new fair, edit one (moving its dates),
cancel or reinstate it. Each goes through the fair import, which tells applicants and
followers; the reminder scheduler then follows the new dates; the audit log keeps it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

from bot.domain.fair_input import make_key
from bot.services.audit import Actor
from bot.services.base import Services
from bot.services.fair_import import ImportReport, import_fairs
from bot.services.scheduler import Scheduler
from storage.fairs import Fair, FairFields, FairStatus

__all__ = ["next_year", "publish", "set_status"]

_FIELDS: Final = set(FairFields.model_fields)


async def publish(
    svc: Services, act: Actor, fields: FairFields, before: Fair | None
) -> tuple[Fair, ImportReport]:
    """Create the fair (`before` None: a new key is made from its title and year) or save
    the changes to `before`; returns the fair as stored and what the import did."""
    if before is None:
        taken = {f.key for f in await svc.fairs.all()}
        key = make_key(fields.title_vi, fields.starts_at.astimezone(svc.settings.tz).year, taken)
        fields = fields.model_copy(update={"key": key, "status": FairStatus.SCHEDULED})
    else:
        fields = fields.model_copy(update={"key": before.key, "status": before.status})
    report = await import_fairs(svc, [fields])
    fair = await svc.fairs.by_key(fields.key)
    assert fair is not None
    if report.unchanged:
        return fair, report
    moved = before is not None and (before.starts_at, before.ends_at) != (
        fair.starts_at,
        fair.ends_at,
    )
    if moved:
        await Scheduler(svc).run()  # withdraws what waits for the old dates
    only_dates = moved and before is not None and _same_but_dates(before, fair)
    action = "fair.create" if before is None else ("fair.dates" if only_dates else "fair.edit")
    await svc.audit.record(act, action, before, fair, target=f"fair:{fair.id}")
    return fair, report


async def set_status(
    svc: Services, act: Actor, fair: Fair, status: FairStatus
) -> tuple[Fair, ImportReport]:
    """Cancel (or reinstate) the fair: everyone concerned is told, reminders follow."""
    fields = FairFields.model_validate({**fair.model_dump(include=_FIELDS), "status": status})
    report = await import_fairs(svc, [fields])
    after = await svc.fairs.get(fair.id)
    assert after is not None
    await Scheduler(svc).run()
    action = "fair.cancel" if status is FairStatus.CANCELLED else "fair.reinstate"
    await svc.audit.record(act, action, fair, after, target=f"fair:{fair.id}")
    return after, report


def _same_but_dates(before: Fair, after: Fair) -> bool:
    keep = _FIELDS - {"starts_at", "ends_at"}
    return before.model_dump(include=keep) == after.model_dump(include=keep)


def _a_year_on(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 1, day=28)


def _a_year_on_day(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def next_year(fair: Fair, tz_name: str) -> FairFields:
    """Last year's fair as a draft for this year: the same place, crafts and booths, the
    dates a year on, and the year in its titles moved on too."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(tz_name)
    year = fair.starts_at.astimezone(tz).year

    def on(text: str) -> str:
        return text.replace(str(year), str(year + 1))

    return FairFields.model_validate(
        {
            **fair.model_dump(include=_FIELDS),
            "key": "",
            "title_vi": on(fair.title_vi),
            "title_en": on(fair.title_en),
            "description_vi": on(fair.description_vi),
            "description_en": on(fair.description_en),
            "starts_at": _a_year_on(fair.starts_at.astimezone(tz)),
            "ends_at": _a_year_on(fair.ends_at.astimezone(tz)),
            "apply_by": _a_year_on_day(fair.apply_by),
            "status": FairStatus.SCHEDULED,
        }
    )
