"""The registrations waiting for review: the list, one registration with Approve, Reject and
Ask for a correction, and search. Approving and rejecting are the registration module's
(`regadm:` buttons, handlers/staff/decisions.py); approving several is in review_bulk.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from bot.core.payloads import Id, Page, Payload
from bot.core.types import Button, Reply
from bot.dialog.router import Turn
from bot.dialog.steps import Answer, Done, Outcome, Stay
from bot.domain.enterprise_terms import KIND_NAMES, place_label, term
from bot.domain.places import match_ward
from bot.services import reviews
from bot.services.reviews import NOTE_MAX, NOTE_MIN
from handlers.registration.render import status_text, summary_lines
from handlers.staff.decisions import Decide
from storage.enterprises import Enterprise, EnterpriseStatus

__all__ = [
    "FLOW",
    "PAGE",
    "PAYLOADS",
    "AskCorrection",
    "ChooseAll",
    "ChooseApprove",
    "ChooseDone",
    "ChoosePage",
    "ChooseToggle",
    "ReviewList",
    "ReviewSearch",
    "ReviewShow",
    "Step",
    "ask_correction",
    "ask_search",
    "correction_prompt",
    "entry_line",
    "got_correction",
    "pending_page",
    "search",
    "search_prompt",
    "show",
]

FLOW: Final = "staff_review"
PAGE: Final = 8
_REFERENCE: Final = re.compile(r"^\s*HN-\d{4}-\d+\s*$", re.IGNORECASE)


class Step(StrEnum):
    """What the member of staff is doing in this flow."""

    SEARCH = "search"
    FIX = "fix"
    PICK = "pick"


@dataclass(frozen=True, slots=True)
class ReviewList(Payload, prefix="review:list"):
    """A page of the registrations waiting: `review:list:0`."""

    page: Page


@dataclass(frozen=True, slots=True)
class ReviewShow(Payload, prefix="review:show"):
    """One registration in full: `review:show:12`."""

    enterprise: Id


@dataclass(frozen=True, slots=True)
class AskCorrection(Payload, prefix="review:fix"):
    """Ask the applicant to correct a registration: `review:fix:12`."""

    enterprise: Id


@dataclass(frozen=True, slots=True)
class ReviewSearch(Payload, prefix="review:search"):
    """Search the registrations: `review:search`."""


@dataclass(frozen=True, slots=True)
class ChoosePage(Payload, prefix="review:pick"):
    """A page of waiting registrations to tick for approval: `review:pick:0`."""

    page: Page


@dataclass(frozen=True, slots=True)
class ChooseToggle(Payload, prefix="review:tog"):
    """Tick or untick one, on that page: `review:tog:12:0`."""

    enterprise: Id
    page: Page


@dataclass(frozen=True, slots=True)
class ChooseAll(Payload, prefix="review:all"):
    """Tick the whole page: `review:all:0`."""

    page: Page


@dataclass(frozen=True, slots=True)
class ChooseDone(Payload, prefix="review:bulk"):
    """Approve the ticked ones (asks first): `review:bulk`."""


@dataclass(frozen=True, slots=True)
class ChooseApprove(Payload, prefix="review:bulkok"):
    """Yes, approve them: `review:bulkok`."""


PAYLOADS: Final = (
    ReviewList,
    ReviewShow,
    AskCorrection,
    ReviewSearch,
    ChoosePage,
    ChooseToggle,
    ChooseAll,
    ChooseDone,
    ChooseApprove,
)


def entry_line(turn: Turn, e: Enterprise) -> str:
    """One registration in a list: reference, name, kind, place, when it was sent."""
    _ = turn._
    place = place_label(e.ward_code, e.province, _) or "—"
    sent = turn.lang.date(e.submitted_at, "dd/MM/yyyy")
    return f"{e.reference} · {e.name} · {term(KIND_NAMES, e.kind, _)} · {place} · {sent}"


async def pending_page(turn: Turn, page: int, intro: str | None = None) -> list[Reply]:
    """A page of the registrations waiting for review, the oldest first."""
    _ = turn._
    waiting = await turn.services.enterprises.find(statuses=[EnterpriseStatus.PENDING])
    if page * PAGE >= len(waiting):
        page = 0
    lines = [intro, ""] if intro else []
    search = ReviewSearch().button(_("🔍 Search"))
    if not waiting:
        lines.append(_("No registration is waiting for review."))
        return [Reply(text="\n".join(lines), buttons=[[search]])]
    shown = waiting[page * PAGE : (page + 1) * PAGE]
    first = page * PAGE + 1
    lines.append(
        _("Registrations waiting for review, the oldest first ({first}–{last} of {total}):").format(
            first=first, last=first + len(shown) - 1, total=len(waiting)
        )
    )
    lines += [f"{n}. {entry_line(turn, e)}" for n, e in enumerate(shown, start=first)]
    buttons = [[ReviewShow(e.id).button(f"{e.reference} {e.name}"[:60])] for e in shown]
    paging = []
    if page > 0:
        paging.append(ReviewList(page - 1).button(_("« Previous")))
    if first + len(shown) - 1 < len(waiting):
        paging.append(ReviewList(page + 1).button(_("Next »")))
    buttons += [paging] if paging else []
    buttons.append([search, ChoosePage(page).button(_("Approve several…"))])
    return [Reply(text="\n".join(lines), buttons=buttons)]


async def show(turn: Turn, e: Enterprise) -> list[Reply]:
    """One registration in full, with what staff can do about it."""
    _ = turn._
    people = await turn.services.users.identities(e.account_id)
    sender = ", ".join(f"{u.display_name or '—'} ({u.ref})" for u in people) or "—"
    text = "\n\n".join(
        [
            f"{e.reference}\n{status_text(e, turn.lang)}",
            summary_lines(e, _),
            _("Sent for review: {moment}").format(moment=turn.lang.short_datetime(e.submitted_at))
            + "\n"
            + _("Account: {who}").format(who=sender),
        ]
    )
    buttons: list[list[Button]] = []
    if e.status is EnterpriseStatus.PENDING:
        buttons.append(
            [
                Decide("ok", e.id).button(_("✅ Approve")),
                Decide("no", e.id).button(_("❌ Reject")),
            ]
        )
    buttons.append([AskCorrection(e.id).button(_("✏️ Ask for a correction"))])
    buttons.append([ReviewList(0).button(_("Back to the list"))])
    return [Reply(text=text, buttons=buttons)]


def ask_search(turn: Turn, note: str | None = None) -> list[Reply]:
    """Starts a search: asks what to look for."""
    turn.conversation.start(FLOW, Step.SEARCH)
    return _search_prompt(turn, note)


async def search_prompt(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks what to look for (again)."""
    return _search_prompt(turn, note)


def _search_prompt(turn: Turn, note: str | None = None) -> list[Reply]:
    _ = turn._
    text = _(
        "Type what to look for: part of a name, a phone number, a tax code, a reference like"
        " HN-2026-000123, or a ward or commune."
    )
    back = [[ReviewList(0).button(_("Back to the list"))]]
    return [Reply(text="\n".join(filter(None, [note, text])), buttons=back)]


async def search(turn: Turn, answer: Answer) -> Outcome:
    """The registrations matching what was typed, waiting ones first."""
    _ = turn._
    svc = turn.services
    query = answer.text
    if len(query) < 2:
        return Stay(_("Please type at least two letters or digits."))
    if _REFERENCE.match(query):
        found = await svc.enterprises.by_reference(query)
        results = [found] if found else []
    else:
        digits = re.sub(r"\D", "", query)
        numeric = len(digits) >= 4 and not re.search(r"[^\d\s.+()-]", query)
        if numeric and digits.startswith("84") and len(digits) >= 11:
            digits = "0" + digits[2:]
        wards = [] if numeric else [m.ward.code for m in match_ward(query) if m.score >= 90]
        ids = await svc.reports.search_enterprises(
            words="" if numeric else query, digits=digits if numeric else "", ward_codes=wards
        )
        results = [e for e in [await svc.enterprises.get(i) for i in ids] if e is not None]
    again = [ReviewSearch().button(_("🔍 New search"))]
    if not results:
        text = _("Nothing found for “{query}”.").format(query=query)
        return Done([Reply(text=text, buttons=[again])])
    lines = [_("Found for “{query}”:").format(query=query)]
    lines += [f"• {entry_line(turn, e)} — {status_text(e, turn.lang)}" for e in results]
    buttons = [[ReviewShow(e.id).button(f"{e.reference} {e.name}"[:60])] for e in results]
    return Done([Reply(text="\n".join(lines), buttons=[*buttons, again])])


def ask_correction(turn: Turn, e: Enterprise, note: str | None = None) -> list[Reply]:
    """Starts a correction request: asks what the applicant should correct."""
    turn.conversation.start(FLOW, Step.FIX, {"enterprise_id": e.id})
    return _correction_prompt(turn, e, note)


async def correction_prompt(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks (again) what the applicant should correct."""
    e = await _corrected(turn)
    if e is None:
        return await _gone(turn)
    return _correction_prompt(turn, e, note)


async def _corrected(turn: Turn) -> Enterprise | None:
    """The registration a correction is being written for, if it still exists."""
    return await turn.services.enterprises.get(int(turn.conversation.data.get("enterprise_id", 0)))


async def _gone(turn: Turn) -> list[Reply]:
    turn.conversation.end()
    return await pending_page(turn, 0, turn._("That registration no longer exists."))


def _correction_prompt(turn: Turn, e: Enterprise, note: str | None) -> list[Reply]:
    _ = turn._
    text = _(
        "What should {reference} ({name}) correct? Type it in one message; the applicant will"
        " read it as you write it, with a button to edit the registration."
    ).format(reference=e.reference, name=e.name)
    back = [[ReviewShow(e.id).button(_("Cancel"))]]
    return [Reply(text="\n".join(filter(None, [note, text])), buttons=back)]


async def got_correction(turn: Turn, answer: Answer) -> Outcome:
    """Sends the applicant the correction asked for, and logs it."""
    _ = turn._
    svc = turn.services
    e = await _corrected(turn)
    if e is None:
        return await _gone(turn)
    note = " ".join(answer.text.split())
    if not NOTE_MIN <= len(note) <= NOTE_MAX:
        problem = _("Please write {low} to {high} characters.").format(low=NOTE_MIN, high=NOTE_MAX)
        return Stay(problem)
    turn.conversation.end()
    await reviews.ask_correction(svc, turn, e, note)
    intro = _("Sent to the applicant of {reference}. It stays as it is until they change it.")
    return await pending_page(turn, 0, intro.format(reference=e.reference))
