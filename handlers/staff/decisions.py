"""The Department's review: admins get each new or changed registration with Approve and
Reject (which asks for a reason); the applicant is told the outcome in their language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

from bot.core.i18n import Lang
from bot.core.payloads import Id, Payload
from bot.core.types import Button, Kind, Reply
from bot.dialog.router import Router, Turn
from bot.dialog.steps import TYPED, Answer, Flow, Outcome, Question
from bot.domain.textnorm import fold
from bot.domain.understand import Understanding
from bot.services import reviews
from bot.services.permissions import allowed
from bot.services.reviews import REASON_MAX
from handlers.guards import Permission, may, role_of
from handlers.registration.render import status_text, summary_lines
from storage.enterprises import Enterprise, EnterpriseStatus

__all__ = [
    "REJECT_FLOW",
    "CancelRejection",
    "Decide",
    "DecideNamed",
    "approve",
    "decide_buttons",
    "register",
    "reject",
    "request_review",
    "typed_decision",
]

REJECT_FLOW = "registration_reject"


class Step(StrEnum):
    """The one step of a rejection: its reason."""

    REASON = "reason"


@dataclass(frozen=True, slots=True)
class Decide(Payload, prefix="regadm"):
    """Approve or reject (asking why) a registration: `regadm:ok:12`, `regadm:no:12`."""

    action: Literal["ok", "no"]
    enterprise: Id


@dataclass(frozen=True, slots=True)
class DecideNamed(Payload, prefix="regadm:named"):
    """A decision picked from the list of open registrations, asked when a typed one did not
    say which: `regadm:named:ok:12` (never asked about again)."""

    action: Literal["ok", "no"]
    enterprise: Id


@dataclass(frozen=True, slots=True)
class CancelRejection(Payload, prefix="regadm:cancel"):
    """Leave the registration waiting instead of typing why it is rejected."""


def request_review(turn: Turn, e: Enterprise, *, changed: bool) -> None:
    """Send every admin the registration with Approve and Reject, after this turn commits."""
    who = f"{turn.user.display_name or '—'} ({turn.user.channel})"

    def build(lang: Lang) -> list[Reply]:
        _ = lang.gettext
        head = (
            _("Registration {reference} was changed and needs review again:")
            if changed
            else _("New registration {reference} to review:")
        )
        text = "\n\n".join(
            [
                head.format(reference=e.reference),
                summary_lines(e, _),
                _("Sent by: {who}").format(who=who),
            ]
        )
        buttons = decide_buttons(lang, e)
        return [Reply(text=text, buttons=buttons, edit_key=reviews.CARD_KEY.format(id=e.id))]

    turn.notify_admins(build)


def decide_buttons(lang: Lang, e: Enterprise) -> list[list[Button]]:
    """Approve and Reject, each naming the registration: typed on Zalo, where the options of
    several cards read alike, the words say which card they decide."""
    _ = lang.gettext
    return [
        [
            Decide("ok", e.id).button(_("✅ Approve {reference}").format(reference=e.reference)),
            Decide("no", e.id).button(_("❌ Reject {reference}").format(reference=e.reference)),
        ]
    ]


_OPEN_SHOWN = 8  # open registrations listed when a typed decision does not say which


async def _which(turn: Turn, decided: Decide) -> list[Reply] | None:
    """A decision typed without naming its registration ("1" on Zalo, the number of an
    option of the latest card) while several registrations await review: which one, asked,
    never guessed; None when it is unambiguous (a button pressed, a reference typed, one
    open registration)."""
    typed = turn.incoming.text.strip()
    e = await turn.services.enterprises.get(decided.enterprise)
    if not typed or e is None or fold(e.reference or "") in fold(typed):
        return None
    waiting = await turn.services.enterprises.find(
        statuses=[EnterpriseStatus.PENDING], limit=_OPEN_SHOWN + 1
    )
    if len(waiting) < 2:
        return None
    _ = turn._
    label = _("✅ Approve {reference}") if decided.action == "ok" else _("❌ Reject {reference}")
    buttons = [
        [
            DecideNamed(decided.action, w.id).button(
                f"{label.format(reference=w.reference)} ({w.name})"
            )
        ]
        for w in waiting[:_OPEN_SHOWN]
    ]
    text = _(
        "{count} registrations are waiting for review, so “{typed}” could mean any of them."
        " Which one?"
    ).format(count=len(waiting) if len(waiting) <= _OPEN_SHOWN else f"{_OPEN_SHOWN}+", typed=typed)
    return [Reply(text=text, buttons=buttons)]


async def _pending(turn: Turn, enterprise_id: int) -> Enterprise | list[Reply]:
    """The registration a button names if it still awaits review; else what to say."""
    _ = turn._
    e = await turn.services.enterprises.get(enterprise_id)
    if e is None:
        return [Reply(text=_("That registration no longer exists."))]
    if e.status is not EnterpriseStatus.PENDING:
        text = _("{reference} has already been reviewed; nothing was changed.").format(
            reference=e.reference
        )
        return [Reply(text=f"{text}\n{status_text(e, turn.lang)}")]
    return e


async def approve(turn: Turn, e: Enterprise) -> Enterprise | None:
    """Approves a registration waiting for review, tells the applicant and logs it; None if
    it no longer waits."""
    return await reviews.approve(turn.services, turn, e)


async def reject(turn: Turn, e: Enterprise, reason: str) -> Enterprise | None:
    """Rejects a registration waiting for review with the reason, tells the applicant and
    logs it; None if it no longer waits."""
    return await reviews.reject(turn.services, turn, e, reason)


async def on_review_button(turn: Turn) -> list[Reply]:
    """Approve, Reject (then ask for the reason) or cancel a rejection."""
    _ = turn._
    decided = turn.payload
    if isinstance(decided, DecideNamed):  # picked from the list of open registrations
        decided = Decide(decided.action, decided.enterprise)
    elif isinstance(decided, Decide) and (which := await _which(turn, decided)) is not None:
        return which
    if not isinstance(decided, Decide):
        if turn.conversation.flow == REJECT_FLOW:
            turn.conversation.end()
        return [Reply(text=_("Cancelled. The registration is still waiting for review."))]
    found = await _pending(turn, decided.enterprise)
    if isinstance(found, list):
        return found
    if decided.action == "ok":
        if await approve(turn, found) is None:
            return [Reply(text=_("That registration no longer exists."))]
        text = _("Approved {reference} ({name}). The applicant has been told.")
        return [Reply(text=text.format(reference=found.reference, name=found.name))]
    return await REJECTING.start(turn, Step.REASON, {"enterprise_id": found.id})


async def ask_reason(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks why the registration is not approved."""
    _ = turn._
    found = await _pending(turn, int(turn.conversation.data.get("enterprise_id", 0)))
    if isinstance(found, list):
        turn.conversation.end()
        return found
    text = _(
        "Why is {reference} ({name}) not approved? Type the reason in one message; the"
        " applicant will read it as you write it."
    ).format(reference=found.reference, name=found.name)
    return [Reply(text=text, buttons=[[CancelRejection().button(_("Cancel"))]])]


async def got_reason(turn: Turn, answer: Answer) -> Outcome:
    """Rejects the registration with the reason typed, and tells the applicant."""
    _ = turn._
    reason = answer.text if answer.kind is Kind.TEXT else ""
    cancel = [[CancelRejection().button(_("Cancel"))]]
    if not reason or len(reason) > REASON_MAX:
        text = _("Please type the reason in one message of at most {limit} characters.")
        return [Reply(text=text.format(limit=REASON_MAX), buttons=cancel)]
    enterprise_id = int(turn.conversation.data.get("enterprise_id", 0))
    turn.conversation.end()
    found = await _pending(turn, enterprise_id)
    if isinstance(found, list):
        return found
    if await reject(turn, found, reason) is None:
        return [Reply(text=_("That registration no longer exists."))]
    text = _("Rejected {reference} ({name}). The applicant has been told the reason.")
    return [Reply(text=text.format(reference=found.reference, name=found.name))]


REJECTING: Flow[Turn, Step] = Flow(
    REJECT_FLOW, {Step.REASON: Question(ask_reason, got_reason, takes=TYPED)}, asides=False
)


# "duyet HN-2026-000123", "Từ chối hn-2026-123": a decision typed with its reference, which
# works wherever the card is in the chat (on Zalo a typed number means the latest options only)
_TYPED: Final = re.compile(
    r"(?P<verb>duyet|phe duyet|approve|tu choi|khong duyet|reject)"
    r" (?:ho so |dang ky |registration )?hn (?P<year>\d{4}) (?P<number>\d{1,6})"
)
_VERBS: Final = {"duyet": "ok", "phe duyet": "ok", "approve": "ok"}  # the others reject


async def typed_decision(turn: Turn, reading: Understanding) -> list[Reply] | None:
    """A decision typed with the registration's reference, by staff who review; None for
    anyone else (a producer asking about her own registration is the question reader's)."""
    typed = _TYPED.fullmatch(fold(turn.incoming.text))
    if typed is None:
        return None
    role = await role_of(turn)
    if not allowed(role, Permission.REVIEW):
        return None
    reference = f"HN-{typed['year']}-{int(typed['number']):06d}"
    e = await turn.services.enterprises.by_reference(reference)
    if e is None:
        text = turn._("No registration has the reference {reference}.")
        return [Reply(text=text.format(reference=reference))]
    turn.payload = DecideNamed("ok" if typed["verb"] in _VERBS else "no", e.id)  # it said which
    return await on_review_button(turn)


def register(router: Router) -> None:
    """Wires the review buttons and the reason question, for moderators and above (decisions
    typed with a reference: `typed_decision`, handed to the question reader by handlers/)."""
    router.button((Decide, DecideNamed, CancelRejection), may(Permission.REVIEW)(on_review_button))
    router.flow(REJECT_FLOW, may(Permission.REVIEW)(REJECTING.on_input))
