"""/ho_so (/profile): the registration and its status, an Edit button per field, and saving an
edit (a key change to an approved registration sends it back to review)."""

from __future__ import annotations

from bot.core.types import Button, Reply
from bot.dialog.router import Turn
from handlers.registration.core import FLOW, EditSentField, StartRegistration, answers
from handlers.registration.render import edit_buttons, status_text, summary_lines
from handlers.staff import decisions as admin
from storage.enterprises import KEY_FIELDS, EnterpriseFields, EnterpriseStatus

__all__ = ["save_edit", "show"]


async def show(turn: Turn, note: str | None = None, resume: str | None = None) -> list[Reply]:
    """Shows the account's registration, or offers to register."""
    _ = turn._
    e = await turn.services.enterprises.for_account(turn.user.account_id)
    head = [note] if note else []
    if e is None:
        conv = turn.conversation
        if conv.flow == FLOW and conv.data.get("mode", "new") != "profile":
            text = _("Your registration is not finished yet; your answers are saved.")
            label = _("Continue registering")
        else:
            text = _("You have not registered your establishment into the network yet.")
            label = _("Register now")
        buttons = [[StartRegistration().button(label)]]
        return [Reply(text="\n\n".join([*head, text]), buttons=buttons)]
    text = "\n\n".join(
        [
            *head,
            _("Your registration {reference}").format(reference=e.reference)
            + "\n"
            + status_text(e, turn.lang),
            summary_lines(e, _, reveal=False),
            _("To change an answer, press its ✏️ button."),
        ]
    )
    buttons = edit_buttons(EditSentField, _)
    if resume:
        buttons.insert(0, [Button(label=_("Continue where I was ▶"), payload=resume)])
    return [Reply(text=text, buttons=buttons)]


async def save_edit(turn: Turn) -> list[Reply]:
    """Stores the edited answer of a registration and shows it again."""
    _ = turn._
    repo = turn.services.enterprises
    enterprise_id = int(turn.conversation.data.get("enterprise_id", 0))
    after = answers(turn)
    renewed = turn.conversation.data.get("consent_version")
    turn.conversation.end()
    e = await repo.for_account(turn.user.account_id)
    if e is None or e.id != enterprise_id:
        return await show(turn)
    if renewed:
        await turn.services.personal_data.give_consent(e.account_id, renewed, turn.user.channel)
    before = EnterpriseFields.model_validate(e.model_dump())
    changed = {f for f in EnterpriseFields.model_fields if getattr(before, f) != getattr(after, f)}
    if not changed:
        return await show(turn, _("Nothing was changed."))
    resubmit = e.status is EnterpriseStatus.REJECTED or (
        e.status is EnterpriseStatus.APPROVED and bool(changed & KEY_FIELDS)
    )
    updated = await repo.update(e.id, after, resubmit=resubmit)
    if updated is None:
        return await show(turn)
    if not resubmit:
        if e.status is not EnterpriseStatus.PENDING:
            return await show(turn, _("Saved."))
        # Still waiting for review (perhaps corrected as staff asked): the reviewers get the
        # new version, so nobody approves what the applicant has since changed.
        admin.request_review(turn, updated, changed=True)
        note = _("Saved. The Department will review your registration with this change.")
        return await show(turn, note)
    admin.request_review(turn, updated, changed=True)
    if e.status is EnterpriseStatus.APPROVED:
        note = _(
            "Saved. Because a key detail changed, the Department will review your registration"
            " again; I will tell you the outcome here."
        )
    else:
        note = _("Saved. Your registration has been sent to the Department for review again.")
    return await show(turn, note)
