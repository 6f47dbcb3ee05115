"""/duyet_gian_hang (/approve_booths): staff give allocated applications booth numbers or
reject them with a reason; the applicant is told, with a check-in QR code on approval."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Final, Literal

from bot.core.clock import utcnow
from bot.core.i18n import N_
from bot.core.payloads import Id, Pattern, Payload, PayloadTooLong
from bot.core.types import Button, Reply
from bot.dialog.router import Router, Turn
from bot.dialog.steps import TYPED, Answer, Flow, Outcome, Question, Stay
from bot.domain.fair_input import parse_numbers
from bot.services import booth_decisions as decisions
from bot.services.booth_decisions import REASON_MAX, REASON_MIN
from bot.services.fair_view import STATUS_NAMES, short_title
from handlers.guards import Permission, may
from handlers.start import bad_button
from storage.booths import BoothApplication, BoothNumbersTaken, BoothStatus
from storage.enterprises import EnterpriseStatus
from storage.fairs import Fair

__all__ = [
    "FLOW",
    "ApproveAs",
    "FairQueue",
    "ReviewApplication",
    "Step",
    "WaitingFairs",
    "parse_numbers",
    "register",
]

FLOW: Final = "booth_admin"
LISTED: Final = 15


_REGISTRATION: Final = {
    EnterpriseStatus.PENDING: N_("waiting for review"),
    EnterpriseStatus.APPROVED: N_("approved"),
    EnterpriseStatus.REJECTED: N_("not accepted"),
}


class Step(StrEnum):
    """What the admin is typing."""

    NUMBERS = "numbers"
    REASON = "reason"


@dataclass(frozen=True, slots=True)
class WaitingFairs(Payload, prefix="boothadm:list"):
    """The fairs with applications waiting: `boothadm:list`."""


@dataclass(frozen=True, slots=True)
class FairQueue(Payload, prefix="boothadm:fair"):
    """A fair's applications waiting for booth numbers: `boothadm:fair:7`."""

    fair: Id


@dataclass(frozen=True, slots=True)
class ReviewApplication(Payload, prefix="boothadm"):
    """One application as staff see it, or what to do with it: `boothadm:12:show`."""

    app: Id
    action: Literal["show", "numbers", "reject"]


@dataclass(frozen=True, slots=True)
class ApproveAs(Payload, prefix="boothadm"):
    """Approve with the booth numbers suggested: `boothadm:12:ok:4,5` (checked again when
    pressed, as typed ones are)."""

    app: Id
    action: Literal["ok"]
    numbers: Annotated[str, Pattern(r"[A-Z0-9][A-Z0-9.,-]*")]


async def waiting_fairs(turn: Turn) -> list[Reply]:
    """Lists the fairs with applications waiting for approval."""
    _ = turn._
    svc = turn.services
    counts = await svc.booths.counts(BoothStatus.ALLOCATED)
    buttons = []
    for fair_id, count in counts.items():
        fair = await svc.fairs.get(fair_id)
        if fair is None or fair.cancelled or fair.ends_at <= utcnow():
            continue
        label = f"{short_title(turn.lang, fair, 40)} ({count})"
        buttons.append([FairQueue(fair.id).button(label)])
    if not buttons:
        return [Reply(text=_("No booth application is waiting for approval."))]
    return [Reply(text=_("Fairs with booth applications waiting for approval:"), buttons=buttons)]


async def fair_queue(turn: Turn, fair: Fair, intro: str | None = None) -> list[Reply]:
    """The allocated applications of one fair, in arrival order."""
    _ = turn._
    svc = turn.services
    apps = await svc.booths.for_fair(fair.id, [BoothStatus.ALLOCATED])
    lines = [intro, ""] if intro else []
    if not apps:
        none = _("No application of “{title}” is waiting for approval.")
        lines.append(none.format(title=fair.title(turn.lang.code)))
        other = WaitingFairs().button(_("Other fairs"))
        return [Reply(text="\n".join(lines), buttons=[[other]])]
    waiting = turn.ngettext(
        "“{title}”: {n} application waits for booth numbers.",
        "“{title}”: {n} applications wait for booth numbers.",
        len(apps),
    )
    lines.append(waiting.format(title=fair.title(turn.lang.code), n=len(apps)))
    buttons = []
    for app in apps[:LISTED]:
        name = await _name(turn, app)
        label = f"#{app.id} {name} — " + turn.ngettext("{n} booth", "{n} booths", app.booths)
        buttons.append([ReviewApplication(app.id, "show").button(label.format(n=app.booths))])
    return [Reply(text="\n".join(lines), buttons=buttons)]


async def _name(turn: Turn, app: BoothApplication) -> str:
    enterprise = await turn.services.enterprises.get(app.enterprise_id)
    return enterprise.name if enterprise else "?"


async def show(turn: Turn, app: BoothApplication, fair: Fair) -> list[Reply]:
    """One application as staff see it, with Approve and Reject."""
    _ = turn._
    enterprise = await turn.services.enterprises.get(app.enterprise_id)
    lines = [f"#{app.id} · {fair.title(turn.lang.code)}"]
    if enterprise is not None:
        lines += [
            f"{enterprise.name} ({enterprise.reference})",
            _("Registration: {status}").format(status=_(_REGISTRATION[enterprise.status])),
            f"{enterprise.contact_name} · {enterprise.phone}",
        ]
    count = turn.ngettext("{n} booth", "{n} booths", app.booths).format(n=app.booths)
    lines += [
        f"{count} · {_(STATUS_NAMES[app.status])}",
        _("Products: {products}").format(products=app.products),
        _("Special needs: {needs}").format(needs=app.needs or _("none")),
        _("Applied: {moment}").format(moment=turn.lang.date_time(app.created_at)),
    ]
    buttons: list[list[Button]] = []
    if app.status is BoothStatus.ALLOCATED:
        numbers = await decisions.suggest(turn.services, fair, app.booths)
        if len(numbers) == app.booths:
            label = _("Approve: booths {numbers}").format(numbers=", ".join(numbers))
            with contextlib.suppress(PayloadTooLong):  # too many for a button: typed instead
                buttons.append([ApproveAs(app.id, "ok", ",".join(numbers)).button(label)])
        numbers_typed = ReviewApplication(app.id, "numbers")
        buttons.append([numbers_typed.button(_("Approve with other numbers"))])
        buttons.append([ReviewApplication(app.id, "reject").button(_("Reject"))])
    buttons.append([FairQueue(fair.id).button(_("Back to the list"))])
    return [Reply(text="\n".join(lines), buttons=buttons)]


async def approve(turn: Turn, app: BoothApplication, fair: Fair, numbers: list[str]) -> list[Reply]:
    """Gives the booth numbers and sends the applicant their check-in QR code."""
    _ = turn._
    svc = turn.services
    if len(numbers) != app.booths or len(set(numbers)) != len(numbers):
        return _ask_numbers(
            turn,
            app,
            _("Please give {n} different booth numbers.").format(n=app.booths),
        )
    try:
        done = await decisions.approve(svc, turn, app, fair, numbers)
    except BoothNumbersTaken as exc:
        problem = _("Booth {numbers} is already given to another establishment.").format(
            numbers=", ".join(exc.numbers)
        )
        return _ask_numbers(turn, app, problem)
    turn.conversation.end()
    if done is None:
        return await fair_queue(turn, fair, _("This application no longer waits for approval."))
    intro = _("Approved #{id} with booths {numbers}; the applicant has been told.").format(
        id=done.id, numbers=", ".join(numbers)
    )
    return await fair_queue(turn, fair, intro)


def _ask_numbers(turn: Turn, app: BoothApplication, problem: str | None = None) -> list[Reply]:
    """Starts (or starts again) asking for the booth numbers of `app`."""
    turn.conversation.start(FLOW, Step.NUMBERS, {"app": app.id})
    return _numbers_prompt(turn, app, problem)


def _numbers_prompt(turn: Turn, app: BoothApplication, problem: str | None) -> list[Reply]:
    text = turn.ngettext(
        "Type the booth number for application #{id}, for example: A12.",
        "Type the {n} booth numbers for application #{id}, separated by commas, for example:"
        " A12, A13.",
        app.booths,
    ).format(id=app.id, n=app.booths)
    return [Reply(text="\n".join(filter(None, [problem, text])))]


def _ask_reason(turn: Turn, app: BoothApplication, problem: str | None = None) -> list[Reply]:
    """Starts (or starts again) asking why `app` is rejected."""
    turn.conversation.start(FLOW, Step.REASON, {"app": app.id})
    return _reason_prompt(turn, app, problem)


def _reason_prompt(turn: Turn, app: BoothApplication, problem: str | None) -> list[Reply]:
    text = turn._("Why is application #{id} rejected? The applicant will read this.").format(
        id=app.id
    )
    return [Reply(text="\n".join(filter(None, [problem, text])))]


async def reject(turn: Turn, app: BoothApplication, fair: Fair, reason: str) -> list[Reply]:
    """Turns the application down, tells the applicant, offers the freed booths."""
    _ = turn._
    svc = turn.services
    reason = " ".join(reason.split())
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        problem = _("Please give a reason of {low} to {high} characters.").format(
            low=REASON_MIN, high=REASON_MAX
        )
        return _ask_reason(turn, app, problem)
    done = await decisions.reject(svc, turn, app, fair, reason)
    turn.conversation.end()
    if done is None:
        return await fair_queue(turn, fair, _("This application can no longer be rejected."))
    intro = _("Rejected #{id}; the applicant has been told.").format(id=done.id)
    return await fair_queue(turn, fair, intro)


async def on_button(turn: Turn) -> list[Reply]:
    """`boothadm:list`, `boothadm:fair:ID`, `boothadm:ID:show|ok:NUMBERS|numbers|reject`."""
    svc = turn.services
    if turn.conversation.flow == FLOW:
        turn.conversation.end()  # another button: the numbers or reason being asked are dropped
    pressed = turn.payload
    if isinstance(pressed, FairQueue):
        fair = await svc.fairs.get(pressed.fair)
        return await fair_queue(turn, fair) if fair else await bad_button(turn)
    if not isinstance(pressed, ReviewApplication | ApproveAs):
        return await waiting_fairs(turn)
    app = await svc.booths.get(pressed.app)
    fair = await svc.fairs.get(app.fair_id) if app else None
    if app is None or fair is None:
        return await bad_button(turn)
    allocated = app.status is BoothStatus.ALLOCATED
    match pressed:
        case ApproveAs(numbers=numbers):
            return await approve(turn, app, fair, parse_numbers(numbers) or [])
        case ReviewApplication(action="numbers") if allocated:
            return _ask_numbers(turn, app)
        case ReviewApplication(action="reject") if allocated:
            return _ask_reason(turn, app)
    return await show(turn, app, fair)


async def _typed_for(turn: Turn) -> tuple[BoothApplication, Fair] | None:
    """The application whose numbers or reason are being typed, and its fair."""
    app_id = turn.conversation.data.get("app")
    app = await turn.services.booths.get(int(app_id)) if app_id is not None else None
    fair = await turn.services.fairs.get(app.fair_id) if app else None
    return (app, fair) if app is not None and fair is not None else None


async def _the_app(turn: Turn) -> tuple[BoothApplication, Fair]:
    found = await _typed_for(turn)
    if found is None:  # on_text checked it
        raise LookupError("the application being approved is gone")
    return found


async def ask_numbers(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks (again) for the booth numbers."""
    app, _fair = await _the_app(turn)
    return _numbers_prompt(turn, app, note)


async def got_numbers(turn: Turn, answer: Answer) -> Outcome:
    """Approves with the booth numbers typed."""
    app, fair = await _the_app(turn)
    numbers = parse_numbers(answer.text)
    if numbers is None:
        return Stay(turn._("Booth numbers are letters and digits, like 12 or A12."))
    return await approve(turn, app, fair, numbers)


async def ask_reason(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks (again) why the application is rejected."""
    app, _fair = await _the_app(turn)
    return _reason_prompt(turn, app, note)


async def got_reason(turn: Turn, answer: Answer) -> Outcome:
    """Rejects with the reason typed."""
    app, fair = await _the_app(turn)
    return await reject(turn, app, fair, answer.text)


APPROVING: Flow[Turn, Step] = Flow(
    FLOW,
    {
        Step.NUMBERS: Question(ask_numbers, got_numbers, takes=TYPED),
        Step.REASON: Question(ask_reason, got_reason, takes=TYPED),
    },
    asides=False,
)


async def on_text(turn: Turn) -> list[Reply]:
    """The booth numbers or the reason being typed."""
    if await _typed_for(turn) is None:
        turn.conversation.end()
        return await bad_button(turn)
    return await APPROVING.on_input(turn)


def register(router: Router) -> None:
    """Wires the staff's booth approval; every entry is for moderators and above."""
    staff = may(Permission.BOOTHS)
    router.command(
        ("duyet_gian_hang", "approve_booths"),
        staff(waiting_fairs),
        description=None,  # staff only: kept out of everyone's command list
    )
    router.button((WaitingFairs, FairQueue, ReviewApplication, ApproveAs), staff(on_button))
    router.flow(FLOW, staff(on_text))
