"""Approving several registrations at once (tick them, confirm), and the `review:` buttons."""

from __future__ import annotations

from bot.core.types import Reply
from bot.dialog.router import Turn
from bot.dialog.steps import Answer, Flow, Outcome, Question, Stay
from bot.dialog.typed import NUMBERED
from handlers.staff import decisions as registration
from handlers.staff import review
from handlers.staff.review import (
    FLOW,
    PAGE,
    AskCorrection,
    ChooseAll,
    ChooseApprove,
    ChooseDone,
    ChoosePage,
    ChooseToggle,
    ReviewList,
    ReviewSearch,
    ReviewShow,
    Step,
)
from storage.enterprises import Enterprise, EnterpriseStatus

__all__ = ["REVIEWING", "on_button", "on_input"]


def _picked(turn: Turn) -> list[int]:
    picked: list[int] = turn.conversation.data.setdefault("picked", [])
    return picked


async def pick_page(turn: Turn, page: int) -> list[Reply]:
    """A page of waiting registrations to tick; the ticks are kept while paging."""
    _ = turn._
    conv = turn.conversation
    if conv.flow != FLOW or conv.step != Step.PICK:
        conv.start(FLOW, Step.PICK, {"picked": []})
    waiting = await turn.services.enterprises.find(statuses=[EnterpriseStatus.PENDING])
    if page * PAGE >= len(waiting):
        page = 0
    shown = waiting[page * PAGE : (page + 1) * PAGE]
    picked = _picked(turn)
    text = (
        _("Type the numbers of the registrations to approve; ☑ marks the chosen ones ({n} chosen).")
        if turn.user.channel in NUMBERED
        else _("Press the registrations to approve; ☑ marks the chosen ones ({n} chosen).")
    ).format(n=len(picked))
    buttons = [
        [
            ChooseToggle(e.id, page).button(
                f"{'☑' if e.id in picked else '☐'} {e.reference} {e.name}"[:60]
            )
        ]
        for e in shown
    ]
    paging = []
    if page > 0:
        paging.append(ChoosePage(page - 1).button(_("« Previous")))
    if (page + 1) * PAGE < len(waiting):
        paging.append(ChoosePage(page + 1).button(_("Next »")))
    buttons += [paging] if paging else []
    page_ids = [e.id for e in shown]
    if any(i not in picked for i in page_ids):
        buttons.append([ChooseAll(page).button(_("Choose this whole page"))])
    if picked:
        label = _("✅ Approve the {n} chosen").format(n=len(picked))
        buttons.append([ChooseDone().button(label)])
    buttons.append([ReviewList(0).button(_("Back to the list"))])
    return [Reply(text=text, buttons=buttons, edit_key="review:pick")]


async def _chosen(turn: Turn) -> list[Enterprise]:
    """The ticked registrations that still exist."""
    found = [await turn.services.enterprises.get(i) for i in _picked(turn)]
    return [e for e in found if e is not None]


async def confirm(turn: Turn) -> list[Reply]:
    """Asks to confirm approving every ticked registration."""
    _ = turn._
    chosen = [e for e in await _chosen(turn) if e.status is EnterpriseStatus.PENDING]
    if not chosen:
        return await pick_page(turn, 0)
    lines = [
        turn.ngettext(
            "Approve {n} registration? The applicant will be told.",
            "Approve these {n} registrations? Each applicant will be told.",
            len(chosen),
        ).format(n=len(chosen))
    ]
    lines += [f"• {review.entry_line(turn, e)}" for e in chosen]
    buttons = [
        [ChooseApprove().button(_("Yes, approve {n}").format(n=len(chosen)))],
        [ChoosePage(0).button(_("Back"))],
    ]
    return [Reply(text="\n".join(lines), buttons=buttons)]


async def approve_chosen(turn: Turn) -> list[Reply]:
    """Approves every ticked registration still waiting, as one approval each."""
    _ = turn._
    if turn.conversation.flow != FLOW or turn.conversation.step != Step.PICK:
        return await review.pending_page(turn, 0)
    done, skipped = [], 0
    for e in await _chosen(turn):
        approved = None
        if e.status is EnterpriseStatus.PENDING:
            approved = await registration.approve(turn, e)
        if approved is None:
            skipped += 1
        else:
            done.append(approved.reference)
    turn.conversation.end()
    intro = turn.ngettext(
        "Approved {n} registration: {list}. The applicant has been told.",
        "Approved {n} registrations: {list}. Each applicant has been told.",
        len(done),
    ).format(n=len(done), list=", ".join(done) or "—")
    if skipped:
        intro += "\n" + _("{n} had already been reviewed and were left as they were.").format(
            n=skipped
        )
    return await review.pending_page(turn, 0, intro)


def _toggle(turn: Turn, ids: list[int], on: bool | None = None) -> None:
    picked = _picked(turn)
    for i in ids:
        if i in picked and on is not True:
            picked.remove(i)
        elif i not in picked and on is not False:
            picked.append(i)


async def on_button(turn: Turn) -> list[Reply]:
    """`review:list|pick|all:PAGE`, `review:show|fix:ID`, `review:tog:ID:PAGE`, `review:search`,
    `review:bulk`, `review:bulkok`."""
    pressed = turn.payload
    picking = turn.conversation.flow == FLOW and turn.conversation.step == Step.PICK
    match pressed:
        case ReviewSearch():
            return review.ask_search(turn)
        case ChoosePage(page=page):
            return await pick_page(turn, page)
        case ChooseToggle(enterprise=enterprise_id, page=page) if picking:
            _toggle(turn, [enterprise_id])
            return await pick_page(turn, page)
        case ChooseAll(page=page) if picking:
            waiting = await turn.services.enterprises.find(statuses=[EnterpriseStatus.PENDING])
            _toggle(turn, [e.id for e in waiting[page * PAGE : (page + 1) * PAGE]], on=True)
            return await pick_page(turn, page)
        case ChooseDone() if picking:
            return await confirm(turn)
        case ChooseApprove():
            return await approve_chosen(turn)
    if turn.conversation.flow == FLOW:
        turn.conversation.end()
    if isinstance(pressed, ReviewShow | AskCorrection):
        e = await turn.services.enterprises.get(pressed.enterprise)
        if e is None:
            return await review.pending_page(turn, 0, _gone(turn))
        if isinstance(pressed, ReviewShow):
            return await review.show(turn, e)
        return review.ask_correction(turn, e)
    return await review.pending_page(turn, pressed.page if isinstance(pressed, ReviewList) else 0)


def _gone(turn: Turn) -> str:
    return turn._("That registration no longer exists.")


async def _ask_pick(turn: Turn, note: str | None = None) -> list[Reply]:
    return await pick_page(turn, 0)


async def got_pick(turn: Turn, answer: Answer) -> Outcome:
    """Text while choosing: how to choose, and the first page again."""
    return Stay(before=[_how_to_choose(turn)])


def _how_to_choose(turn: Turn) -> Reply:
    stop = "/cancel" if turn.lang.code == "en" else "/huy"
    text = (
        turn._("Type the numbers of the registrations to choose them, or type {cancel} to stop.")
        if turn.user.channel in NUMBERED
        else turn._("Press the registrations to choose them, or type {cancel} to stop.")
    )
    return Reply(text=text.format(cancel=stop))


async def _as_text(turn: Turn) -> list[Reply]:
    return [Reply(text=turn._("Please type your answer as text."))]


async def _lost(turn: Turn) -> list[Reply]:
    return [_how_to_choose(turn), *await pick_page(turn, 0)]


REVIEWING: Flow[Turn, Step] = Flow(
    FLOW,
    {
        Step.SEARCH: Question(review.search_prompt, review.search),
        Step.FIX: Question(review.correction_prompt, review.got_correction),
        Step.PICK: Question(_ask_pick, got_pick),
    },
    lost=_lost,
    other_input=_as_text,
    asides=False,
)
on_input = REVIEWING.on_input
