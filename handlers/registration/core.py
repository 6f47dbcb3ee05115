"""What every step of the registration shares: the steps, the saved answers, and how a
question is put (with Back, in one message, replacing itself when toggled)."""

from __future__ import annotations

import secrets
from enum import StrEnum
from typing import Any

from bot.core.types import Button, Reply
from bot.dialog.router import Turn
from bot.dialog.steps import Answer, Back, Done, Edit, Goto, Next, Outcome, Stay
from handlers.registration.render import field_value
from storage.enterprises import EnterpriseFields

__all__ = [
    "FIELD_STEPS",
    "FLOW",
    "Answer",
    "Back",
    "Done",
    "Edit",
    "Goto",
    "Next",
    "Outcome",
    "Stay",
    "Step",
    "answer",
    "answers",
    "back_button",
    "command",
    "now_note",
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
    SUMMARY = "summary"


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
}


_STEP_FIELDS = {step: field for field, step in FIELD_STEPS.items()}


def answers(turn: Turn) -> EnterpriseFields:
    """The answers given so far in this flow."""
    return EnterpriseFields.model_validate(turn.conversation.data.get("answers", {}))


def answer(turn: Turn, field: str) -> Any:
    """One saved answer as stored (None if not given): cheaper than all of them validated."""
    return turn.conversation.data.get("answers", {}).get(field)


def store(turn: Turn, **changes: Any) -> None:
    """Save the answers with `changes` applied (values as EnterpriseFields holds them)."""
    turn.conversation.data.setdefault("answers", {}).update(changes)


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
    return Button(label=turn._("◀ Back"), payload=f"reg:{step}:back")


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
