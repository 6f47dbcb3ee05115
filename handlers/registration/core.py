"""What every step of the registration shares: the steps, the saved answers, and how a
question is put (with Back, in one message, replacing itself when toggled)."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from bot.core.payloads import OneOf, OpenProfile, Pattern, Payload
from bot.core.types import Button, Reply
from bot.dialog.router import Turn
from bot.dialog.steps import BACK, Answer, Back, Done, Edit, Goto, Next, Outcome, Stay
from bot.dialog.typed import NUMBERED
from handlers.registration.render import field_value
from storage.enterprises import EnterpriseFields

__all__ = [
    "FIELD_STEPS",
    "FLOW",
    "Answer",
    "Back",
    "Done",
    "Edit",
    "EditField",
    "EditSentField",
    "Goto",
    "Next",
    "OpenProfile",
    "Outcome",
    "RegOption",
    "StartRegistration",
    "Stay",
    "Step",
    "answer",
    "answers",
    "back_button",
    "command",
    "now_note",
    "option",
    "pick_one",
    "question",
    "store",
]

FLOW = "registration"


class Step(StrEnum):
    """The questions of the registration, in the order they are first asked."""

    CONSENT = "consent"
    NAME = "name"
    KIND = "kind"
    ROLES = "roles"
    SECTORS = "sectors"
    WARD = "ward"
    WARD_PICK = "ward_pick"
    PROVINCE = "province"
    PROVINCE_PICK = "province_pick"
    ADDRESS = "address"
    CONTACT = "contact"
    PHONE = "phone"
    PHONE_OLD = "phone_old"
    TAX_CODE = "tax_code"
    PRODUCTS = "products"
    OCOP = "ocop"
    PRACTICES = "practices"
    FINDABLE = "findable"
    SUMMARY = "summary"
    RESTART = "restart"  # asked only when she types that she wants to start over


# The fields a person can change from the summary or the profile, and the step that asks each.
FIELD_STEPS: dict[str, Step] = {
    "name": Step.NAME,
    "kind": Step.KIND,
    "roles": Step.ROLES,
    "sectors": Step.SECTORS,
    "place": Step.WARD,
    "address": Step.ADDRESS,
    "contact_name": Step.CONTACT,
    "phone": Step.PHONE,
    "tax_code": Step.TAX_CODE,
    "products": Step.PRODUCTS,
    "ocop_stars": Step.OCOP,
    "practices": Step.PRACTICES,
    "findable": Step.FINDABLE,
}


_STEP_FIELDS = {step: field for field, step in FIELD_STEPS.items()}
Field = Annotated[str, OneOf(FIELD_STEPS)]


@dataclass(frozen=True, slots=True)
class StartRegistration(Payload, prefix="reg:start"):
    """Start the registration, or go on where it was: `reg:start`."""


@dataclass(frozen=True, slots=True)
class EditField(Payload, prefix="reg:summary:edit"):
    """Change one answer from the summary: `reg:summary:edit:phone`."""

    field: Field


@dataclass(frozen=True, slots=True)
class EditSentField(Payload, prefix="reg:profile:edit"):
    """Change one field of the registration sent: `reg:profile:edit:phone`."""

    field: Field


@dataclass(frozen=True, slots=True)
class RegOption(Payload, prefix="reg"):
    """An option of a question, or its Back: `reg:kind:household`, `reg:ward:back`; the step
    machine hands the value to the step's reader."""

    step: Step
    value: Annotated[str, Pattern(r"[^:\x00-\x1f\x7f]{1,48}")]  # a province's name at most


def option(step: Step, value: str, label: str) -> Button:
    """An option of the question `step`: the button that answers it with `value`."""
    return Button(label, _packed(step, value))


@functools.cache  # values are ours (keys, codes, names of places): a few hundred at most
def _packed(step: Step, value: str) -> str:
    # Made once per option: the registration shows the same options to everyone, and making
    # them anew for every question cost about 4% of a step (python -m bench.registration).
    return RegOption(step, value).pack()


def answers(turn: Turn) -> EnterpriseFields:
    """The answers given so far in this flow."""
    return EnterpriseFields.model_validate(turn.conversation.data.get("answers", {}))


def answer(turn: Turn, field: str) -> Any:
    """One saved answer as stored (None if not given): cheaper than all of them validated."""
    return turn.conversation.data.get("answers", {}).get(field)


def store(turn: Turn, **changes: Any) -> None:
    """Save the answers with `changes` applied (values as EnterpriseFields holds them)."""
    turn.conversation.data.setdefault("answers", {}).update(changes)


def pick_one(turn: Turn) -> Stay:
    """The question again, saying how to choose one of its options on this app: typing its
    number where options are numbered (Zalo, the console), pressing a button on Telegram."""
    if turn.user.channel in NUMBERED:
        return Stay(turn._("Please type the number of one of the options."))
    return Stay(turn._("Please press one of the buttons."))


def command(turn: Turn, vi: str, en: str) -> str:
    """A command as the user should type it in their language: `/ho_so` or `/profile`."""
    return "/" + (en if turn.lang.code == "en" else vi)


def now_note(turn: Turn, step: Step) -> str | None:
    """The current answer of the field a step asks, as a reminder above the question."""
    field = _STEP_FIELDS.get(step)
    if field is None:
        return None
    value = field_value(field, answers(turn), turn._)
    return turn._("Now: {value}").format(value=value)


def back_button(turn: Turn, step: Step) -> Button:
    """The Back button of a step."""
    return option(step, BACK, turn._("◀ Back"))


def _edit_key(turn: Turn) -> str:
    """Unique to one showing of a question: a later flow must never edit this message."""
    data = turn.conversation.data
    nonce = data.get("nonce") or data.setdefault("nonce", secrets.token_hex(4))
    return f"reg:{nonce}:{data.get('shown', 0)}"


def question(
    turn: Turn,
    step: Step,
    text: str,
    buttons: list[list[Button]] | None = None,
    *,
    note: str | None = None,
    back: bool = True,
    toggles: bool = False,
    redraw: bool = False,
    request_contact: str | None = None,
) -> Reply:
    """A question with its options and a Back button; a note (an error, a welcome back) goes
    above it in the same message. A question of `toggles` can be redrawn in place (`redraw`)
    where the platform edits messages, so ticking options does not fill the chat."""
    data = turn.conversation.data
    if not redraw:
        data["shown"] = int(data.get("shown", 0)) + 1
    rows = list(buttons or [])
    if back:
        rows.append([back_button(turn, step)])
    return Reply(
        text=f"{note}\n\n{text}" if note else text,
        buttons=rows,
        request_contact=request_contact,
        edit_key=_edit_key(turn) if toggles else None,
    )
