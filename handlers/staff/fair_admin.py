"""The `fairadm:` buttons: the fair list, a fair's card, new, edit, change dates, cancel, and
reinstate a cancelled fair that has not ended."""

from __future__ import annotations

from typing import Literal

from bot.core.clock import utcnow
from bot.core.types import Reply
from bot.dialog.router import Turn
from bot.services.fair_import import ImportReport, import_fairs
from handlers.staff import fair_flow
from handlers.staff.fair_card import ManageFair, NewFair, fair_card, fair_list
from storage.booths import LIVE
from storage.fairs import Fair, FairFields, FairStatus

__all__ = ["cancel_fair", "on_button", "reinstate_fair"]


async def _audience(turn: Turn, fair: Fair) -> int:
    """How many accounts hear of a change: live applicants and followers."""
    svc = turn.services
    accounts = {a.account_id for a in await svc.booths.for_fair(fair.id, LIVE)}
    return len(accounts | set(await svc.fairs.followers(fair.id)))


async def confirm_cancel(turn: Turn, fair: Fair) -> list[Reply]:
    """Asks before calling a fair off."""
    _ = turn._
    n = await _audience(turn, fair)
    text = turn.ngettext(
        "Cancel “{title}”? {n} applicant or follower will be told that it no longer takes"
        " place, and booth applications for it no longer stand.",
        "Cancel “{title}”? {n} applicants and followers will be told that it no longer takes"
        " place, and booth applications for it no longer stand.",
        n,
    ).format(title=fair.title(turn.lang.code), n=n)
    return _asking(fair, text, _("Yes, cancel the fair"), "cancelok", _("No, keep it"))


async def confirm_reinstate(turn: Turn, fair: Fair) -> list[Reply]:
    """Asks before bringing a cancelled fair back."""
    _ = turn._
    n = await _audience(turn, fair)
    text = turn.ngettext(
        "Reinstate “{title}”? {n} applicant or follower will be told that it takes place after"
        " all, and booth applications for it stand again as they were.",
        "Reinstate “{title}”? {n} applicants and followers will be told that it takes place after"
        " all, and booth applications for it stand again as they were.",
        n,
    ).format(title=fair.title(turn.lang.code), n=n)
    yes, no = _("Yes, reinstate the fair"), _("No, leave it cancelled")
    return _asking(fair, text, yes, "reinstateok", no)


def _asking(
    fair: Fair, text: str, yes: str, action: Literal["cancelok", "reinstateok"], no: str
) -> list[Reply]:
    """A question about the fair: Yes does `action`, No goes back to the fair's card."""
    buttons = [
        [ManageFair(fair.id, action).button(yes)],
        [ManageFair(fair.id, "card").button(no)],
    ]
    return [Reply(text=text, buttons=buttons)]


async def reinstate_fair(turn: Turn, fair: Fair) -> list[Reply]:
    """Brings a cancelled fair back through the import (which tells everyone), queues its
    reminders again, and logs it."""
    if not fair.cancelled or fair.ends_at <= utcnow():
        return await fair_card(turn, fair)
    after, report = await _set_status(turn, fair, FairStatus.SCHEDULED)
    await turn.services.audit.record(turn, "fair.reinstate", fair, after, target=f"fair:{fair.id}")
    intro = turn.ngettext(
        "Reinstated. {n} person is being told.",
        "Reinstated. {n} people are being told.",
        report.messages,
    ).format(n=report.messages)
    return await fair_card(turn, after, intro)


async def _set_status(turn: Turn, fair: Fair, status: FairStatus) -> tuple[Fair, ImportReport]:
    """The fair with another status, through the import; the reminders follow."""
    fields = FairFields.model_validate(
        {**fair.model_dump(include=set(FairFields.model_fields)), "status": status}
    )
    report = await import_fairs(turn.services, [fields])
    after = await turn.services.fairs.get(fair.id)
    assert after is not None
    await fair_flow.reschedule_reminders(turn)
    return after, report


async def cancel_fair(turn: Turn, fair: Fair) -> list[Reply]:
    """Cancels the fair through the import (which tells everyone), withdraws its reminders,
    and logs it."""
    _ = turn._
    svc = turn.services
    if fair.cancelled:
        return await fair_card(turn, fair)
    after, report = await _set_status(turn, fair, FairStatus.CANCELLED)
    await svc.audit.record(turn, "fair.cancel", fair, after, target=f"fair:{fair.id}")
    intro = turn.ngettext(
        "Cancelled. {n} person is being told.",
        "Cancelled. {n} people are being told.",
        report.messages,
    ).format(n=report.messages)
    return await fair_card(turn, after, intro)


async def on_button(turn: Turn) -> list[Reply]:
    """`fairadm:list`, `fairadm:new`,
    `fairadm:ID:card|edit|dates|cancel|cancelok|reinstate|reinstateok`."""
    pressed = turn.payload
    if isinstance(pressed, NewFair):
        return await fair_flow.start_new(turn)
    fair = await turn.services.fairs.get(pressed.fair) if isinstance(pressed, ManageFair) else None
    if fair is None or not isinstance(pressed, ManageFair):
        return await fair_list(turn)
    if turn.conversation.flow == fair_flow.FLOW:
        turn.conversation.end()
    action = pressed.action
    open_ = not fair.cancelled
    if action == "edit" and open_:
        return await fair_flow.start_edit(turn, fair)
    if action == "dates" and open_:
        return await fair_flow.start_dates(turn, fair)
    if action == "cancel" and open_:
        return await confirm_cancel(turn, fair)
    if action == "cancelok":
        return await cancel_fair(turn, fair)
    if action == "reinstate" and fair.cancelled and fair.ends_at > utcnow():
        return await confirm_reinstate(turn, fair)
    if action == "reinstateok":
        return await reinstate_fair(turn, fair)
    return await fair_card(turn, fair)
