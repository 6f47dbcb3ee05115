"""The summary of all answers with an Edit button each, and Confirm: the registration is stored,
pending review, and the Department's admins are asked to review it."""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import utcnow
from bot.core.types import Button, Reply
from bot.dialog.router import Turn
from bot.dialog.typed import NUMBERED
from handlers.menu import main_menu
from handlers.registration import profile
from handlers.registration.core import (
    FIELD_STEPS,
    Answer,
    Done,
    Edit,
    EditField,
    Outcome,
    Step,
    answers,
    command,
    now_note,
    option,
    pick_one,
    question,
)
from handlers.registration.numbers import (
    duplicate_phone,
    duplicate_tax_code,
    tax_code_required,
)
from handlers.registration.render import edit_buttons, summary_lines
from handlers.staff import decisions as admin
from storage.enterprises import EnterpriseFields

__all__ = ["ask_summary", "first_missing", "got_summary", "resume_button"]


def first_missing(turn: Turn, f: EnterpriseFields) -> Edit | None:
    """The first answer still needed before the registration can be sent, if any."""
    _ = turn._
    needed = _("This answer is still needed.")
    if not f.name:
        return Edit(Step.NAME, needed)
    if not f.kind:
        return Edit(Step.KIND, needed)
    if not f.roles:
        return Edit(Step.ROLES, needed)
    if not f.sectors:
        return Edit(Step.SECTORS, needed)
    if not (f.ward_code or f.province):
        return Edit(Step.WARD, needed)
    if not f.contact_name:
        return Edit(Step.CONTACT, needed)
    if not f.phone:
        return Edit(Step.PHONE, needed)
    if tax_code_required(f.kind) and (not f.tax_code or len(f.tax_code) == 12):
        return Edit(Step.TAX_CODE, _("A company or cooperative needs its 10-digit tax code (MST)."))
    if not f.practices:
        return Edit(Step.PRACTICES, needed)
    return None


def resume_button(turn: Turn, payload: str) -> Button:
    """The button that takes the user back to what they were doing before registering."""
    return Button(label=turn._("Continue where I was ▶"), payload=payload)


async def ask_summary(turn: Turn, note: str | None = None) -> list[Reply]:
    """Shows every answer, Confirm, and an Edit button per field."""
    _ = turn._
    text = "\n\n".join(
        [
            _("Please check your registration:"),
            summary_lines(answers(turn), _),
            _(
                "If all is right, type “confirm” (or 1). To change an answer, type the number"
                " of its ✏️."
            )
            if turn.user.channel in NUMBERED
            else _("If all is right, press “Confirm and send”. To change an answer, press its ✏️."),
        ]
    )
    buttons = [
        [option(Step.SUMMARY, "confirm", _("✅ Confirm and send"))],
        *edit_buttons(EditField, _),
    ]
    return [question(turn, Step.SUMMARY, text, buttons, note=note)]


async def got_summary(turn: Turn, answer: Answer) -> Outcome:
    """Opens the field to change, or sends the registration (a typed yes sends it too)."""
    value = answer.choice or ""
    if value == "confirm":
        return await _confirm(turn)
    field = value.removeprefix("edit:")
    if value.startswith("edit:") and field in FIELD_STEPS:
        step = FIELD_STEPS[field]
        return Edit(step, now_note(turn, step))
    return pick_one(turn)


async def _confirm(turn: Turn) -> Outcome:
    """Stores the registration as pending, tells the admins, and gives the reference number."""
    _ = turn._
    svc = turn.services
    fields = answers(turn)
    account = turn.user.account_id
    missing = first_missing(turn, fields)
    if missing is not None:
        return missing
    # Checked again: someone else may have registered the number since it was typed.
    phone_taken, tax_code_taken, registered = await svc.enterprises.conflicts(
        account, fields.phone, fields.tax_code
    )
    if phone_taken:
        return Edit(Step.PHONE, duplicate_phone(turn))
    if tax_code_taken:
        return Edit(Step.TAX_CODE, duplicate_tax_code(turn))
    data = turn.conversation.data
    resume = data.get("resume")
    if registered:
        turn.conversation.end()
        return Done(await profile.show(turn, resume=resume))
    consent = data.get("consent_at")
    consent_at = datetime.fromisoformat(consent) if consent else utcnow()
    version = data.get("consent_version")
    enterprise = await svc.enterprises.create(account, fields, consent_at, version)
    if version:
        await svc.personal_data.give_consent(account, version, turn.user.channel)
    if turn.user.locale is None:
        # The review's outcome comes later, outside any turn: in the language of this one.
        svc.users.set_locale_at_commit(turn.user.id, turn.lang.code)
    admin.request_review(turn, enterprise, changed=False)
    text = _(
        "Thank you! Your registration has been sent to the Hanoi Department of Industry and"
        " Trade.\nReference number: {reference}\n\nIt is waiting for review; I will tell you"
        " here as soon as it is decided. You can see or change it at any time with {profile}."
    ).format(reference=enterprise.reference, profile=command(turn, "ho_so", "profile"))
    reply = main_menu(turn.lang, text)
    if resume:
        reply.buttons = [[resume_button(turn, resume)], *reply.buttons]
    return Done([reply])
