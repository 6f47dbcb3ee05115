"""The fairs as staff see them: the list to manage, and one fair with what can be done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from bot.core.clock import utcnow
from bot.core.payloads import Id, Payload
from bot.core.types import Button, Reply
from bot.dialog.router import Turn
from bot.services.fair_view import fair_summary, short_title
from handlers.staff.booth_queue import FairQueue
from storage.booths import BoothStatus
from storage.fairs import Fair

__all__ = ["PAYLOADS", "FairsToManage", "ManageFair", "NewFair", "fair_card", "fair_list"]

LISTED: Final = 12


@dataclass(frozen=True, slots=True)
class FairsToManage(Payload, prefix="fairadm:list"):
    """The fairs not yet over: `fairadm:list`."""


@dataclass(frozen=True, slots=True)
class NewFair(Payload, prefix="fairadm:new"):
    """Create a fair in the chat: `fairadm:new`."""


@dataclass(frozen=True, slots=True)
class ManageFair(Payload, prefix="fairadm"):
    """A fair's card, or what to do with it (the -ok ones after asking): `fairadm:7:cancel`."""

    fair: Id
    action: Literal["card", "edit", "dates", "cancel", "cancelok", "reinstate", "reinstateok"]


PAYLOADS: Final = (FairsToManage, NewFair, ManageFair)


async def fair_list(turn: Turn, intro: str | None = None) -> list[Reply]:
    """The fairs not yet over, with New fair and a word on importing files."""
    _ = turn._
    upcoming, total = await turn.services.fairs.upcoming(0, LISTED)
    lines = [intro, ""] if intro else []
    lines.append(
        _("Fairs not yet over ({n}):").format(n=total) if upcoming else _("No fair is coming up.")
    )
    buttons = [[NewFair().button(_("➕ New fair"))]]
    for fair in upcoming:
        when = turn.lang.date(fair.starts_at, "dd/MM/yyyy")
        mark = "🚫 " if fair.cancelled else ""
        label = f"{mark}{short_title(turn.lang, fair, 40)} · {when}"
        buttons.append([ManageFair(fair.id, "card").button(label)])
    lines.append(
        _(
            "Many fairs at once: the server staff import a .yaml or .csv file with"
            " `ketnoi fairs import FILE` (the format is in the README)."
        )
    )
    return [Reply(text="\n".join(lines), buttons=buttons)]


async def fair_card(turn: Turn, fair: Fair, intro: str | None = None) -> list[Reply]:
    """One fair with its booth figures, and Edit, Change dates, Cancel."""
    _ = turn._
    svc = turn.services
    taken = (await svc.booths.taken([fair.id]))[fair.id]
    counts = {
        s: (await svc.booths.counts(s)).get(fair.id, 0)
        for s in (BoothStatus.APPROVED, BoothStatus.ALLOCATED, BoothStatus.WAITLISTED)
    }
    lines = [intro, ""] if intro else []
    lines += [
        fair_summary(turn.lang, fair, taken),
        _("Key: {key}").format(key=fair.key),
        _(
            "Applications: {approved} approved, {waiting} to approve, {waitlisted} on the"
            " waiting list"
        ).format(
            approved=counts[BoothStatus.APPROVED],
            waiting=counts[BoothStatus.ALLOCATED],
            waitlisted=counts[BoothStatus.WAITLISTED],
        ),
    ]
    buttons: list[list[Button]] = []
    if not fair.cancelled and fair.ends_at > utcnow():
        buttons += [
            [
                ManageFair(fair.id, "edit").button(_("✏️ Edit")),
                ManageFair(fair.id, "dates").button(_("📅 Change the dates")),
            ],
            [ManageFair(fair.id, "cancel").button(_("🚫 Cancel the fair"))],
        ]
        if counts[BoothStatus.ALLOCATED]:
            label = _("Booth applications to approve")
            buttons.append([FairQueue(fair.id).button(label)])
    if fair.cancelled and fair.ends_at > utcnow():
        label = _("↩️ Reinstate the fair")
        buttons.append([ManageFair(fair.id, "reinstate").button(label)])
    buttons.append([FairsToManage().button(_("All fairs"))])
    return [Reply(text="\n".join(lines), buttons=buttons)]
