"""Reviewing registrations: approve, reject with a reason, ask for a correction. One
implementation for the chat's review and the web pages, so that producers get the same
notices and the audit log the same entries whichever way staff decide."""

from __future__ import annotations

from typing import Final, Protocol

from bot.core.i18n import Lang
from bot.core.payloads import OpenProfile
from bot.core.types import Notice, Reply, UserRef
from bot.domain.enterprise_terms import FIELD_LABELS, field_value
from bot.services.base import Build, Services
from bot.services.main_menu import main_menu
from storage.enterprises import Enterprise, EnterpriseFields, EnterpriseStatus
from storage.users import User

__all__ = [
    "CARD_KEY",
    "EDITABLE",
    "NOTE_MAX",
    "NOTE_MIN",
    "REASON_MAX",
    "Acting",
    "approve",
    "ask_correction",
    "edit",
    "reject",
]

REASON_MAX: Final = 500
CARD_KEY: Final = "regcard:{id}"  # a registration's card sent to reviewers: edited once decided
NOTE_MIN, NOTE_MAX = 5, 1000
# The answers staff may correct from the web desk (the rest only the producer changes);
# "place" stands for ward_code and province together.
EDITABLE: Final = (
    "name", "kind", "roles", "sectors", "place", "address", "contact_name", "phone", "tax_code",
    "ocop_stars", "products", "practices",
)  # fmt: skip


class Acting(Protocol):
    """Who decides (a chat turn, or a web page's staff action): the user, and messages to
    others sent once the decision is committed."""

    @property
    def user(self) -> User: ...

    def notify(self, user: int | UserRef, build: Build) -> None: ...


def _outcome(e: Enterprise) -> Build:
    """The applicant's message: approved, or not with the reason; it ends on the main menu."""

    def build(lang: Lang) -> list[Reply]:
        _ = lang.gettext
        if e.status is EnterpriseStatus.APPROVED:
            text = _(
                "Good news! Your registration {reference} ({name}) has been approved by the"
                " Hanoi Department of Industry and Trade. Welcome to the network! You can now"
                " apply for booths at the upcoming fairs."
            ).format(reference=e.reference, name=e.name)
        else:
            text = _(
                "Your registration {reference} ({name}) was not approved by the Department.\n"
                "Reason: {reason}\n\nYou can correct it with {profile}; it will then be"
                " reviewed again. For questions, please contact the Department."
            ).format(
                reference=e.reference,
                name=e.name,
                reason=e.reject_reason or "—",
                profile="/profile" if lang.code == "en" else "/ho_so",
            )
        reply = main_menu(lang, text)
        # what a channel that must use a template (the Zalo OA, outside its window) fills in
        values = {"reference": e.reference or "", "enterprise": e.name, "name": e.contact_name}
        if e.status is EnterpriseStatus.APPROVED:
            reply.notice = Notice("registration_approved", values)
        else:
            reply.notice = Notice(
                "registration_rejected", values | {"reason": e.reject_reason or "—"}
            )
        return [reply]

    return build


async def _tell_applicant(svc: Services, act: Acting, build: Build, e: Enterprise) -> bool:
    """Tell the owner of `e`, on the identity they used most recently; False if none."""
    identities = await svc.users.identities(e.account_id)
    if identities:
        act.notify(identities[0].id, build)
    return bool(identities)


async def _close_cards(svc: Services, act: Acting, e: Enterprise) -> None:
    """Every reviewer's card of `e` loses its Approve and Reject and says who decided: edited
    in place where the platform edits messages (Telegram), a short line elsewhere (Zalo), so
    that no one decides it twice."""
    who = act.user.display_name or str(act.user.ref)

    def build(lang: Lang) -> list[Reply]:
        _ = lang.gettext
        if e.status is EnterpriseStatus.APPROVED:
            text = _("{reference} ({name}): approved by {who}.")
        else:
            text = _("{reference} ({name}): not approved by {who}. Reason: {reason}")
        text = text.format(
            reference=e.reference, name=e.name, who=who, reason=e.reject_reason or "—"
        )
        return [Reply(text=text, edit_key=CARD_KEY.format(id=e.id))]

    for reviewer in await svc.roles.reviewers():
        act.notify(reviewer, build)


async def approve(
    svc: Services, act: Acting, e: Enterprise, *, close_cards: bool = True
) -> Enterprise | None:
    """Approve a registration waiting for review, tell the applicant, log it, and (with
    `close_cards`) close every reviewer's card of it; None if it no longer waits. Call inside
    a transaction."""
    done = await svc.enterprises.set_status(e.id, EnterpriseStatus.APPROVED, by=act.user.id)
    if done is not None:
        await _tell_applicant(svc, act, _outcome(done), done)
        await svc.audit.record(act, "registration.approve", e, done, target=f"enterprise:{e.id}")
        if close_cards:
            await _close_cards(svc, act, done)
    return done


async def reject(
    svc: Services, act: Acting, e: Enterprise, reason: str, *, close_cards: bool = True
) -> Enterprise | None:
    """Reject a registration waiting for review with the reason, tell the applicant, log it,
    and (with `close_cards`) close every reviewer's card of it; None if it no longer waits.
    Call inside a transaction."""
    done = await svc.enterprises.set_status(
        e.id, EnterpriseStatus.REJECTED, reason=reason, by=act.user.id
    )
    if done is not None:
        await _tell_applicant(svc, act, _outcome(done), done)
        await svc.audit.record(act, "registration.reject", e, done, target=f"enterprise:{e.id}")
        if close_cards:
            await _close_cards(svc, act, done)
    return done


def _correction(e: Enterprise, note: str) -> Build:
    """The request to the applicant, with a button into their registration."""

    def build(lang: Lang) -> list[Reply]:
        _ = lang.gettext
        text = _(
            "The Department of Industry and Trade asks you to correct your registration"
            " {reference} ({name}):\n\n{note}\n\nChoose “✏️ Edit my registration” below to open"
            " your registration and change it."
        ).format(reference=e.reference, name=e.name, note=note)
        edit = OpenProfile().button(_("✏️ Edit my registration"))
        return [Reply(text=text, buttons=[[edit]])]

    return build


async def ask_correction(svc: Services, act: Acting, e: Enterprise, note: str) -> None:
    """Send the applicant what to correct (the registration stays as it is), and log it."""
    await _tell_applicant(svc, act, _correction(e, note), e)
    await svc.audit.record(
        act, "registration.correction", None, {"message": note}, target=f"enterprise:{e.id}"
    )


def _columns(name: str) -> tuple[str, ...]:
    return ("ward_code", "province") if name == "place" else (name,)


def _edited(e: Enterprise, fields: list[str]) -> Build:
    """The owner's message: which answers the Department corrected, as they now read."""

    def build(lang: Lang) -> list[Reply]:
        _ = lang.gettext
        lines = "\n".join(f"• {_(FIELD_LABELS[f])}: {field_value(f, e, _)}" for f in fields)
        text = _(
            "The Department of Industry and Trade has corrected your registration {reference}"
            " ({name}):\n{lines}\n\nIf something is not right, choose “✏️ Edit my registration”"
            " below to open your registration and change it."
        ).format(reference=e.reference, name=e.name, lines=lines)
        edit = OpenProfile().button(_("✏️ Edit my registration"))
        return [Reply(text=text, buttons=[[edit]])]

    return build


async def edit(
    svc: Services, act: Acting, e: Enterprise, fields: EnterpriseFields
) -> tuple[Enterprise, list[str]]:
    """Staff correct the EDITABLE answers of a registration (its review stays as it was): the
    owner is told what now reads differently, the audit log keeps before and after. Returns
    the registration and the answers that changed. Call inside a transaction."""
    wanted = e.model_copy(update={c: getattr(fields, c) for f in EDITABLE for c in _columns(f)})
    changed = [f for f in EDITABLE if any(getattr(e, c) != getattr(wanted, c) for c in _columns(f))]
    if not changed:
        return e, []
    done = await svc.enterprises.update(e.id, EnterpriseFields.model_validate(wanted.model_dump()))
    if done is None:
        return e, []
    columns = [c for f in changed for c in _columns(f)]
    await svc.audit.record(
        act,
        "registration.edit",
        {c: getattr(e, c) for c in columns},
        {c: getattr(done, c) for c in columns},
        target=f"enterprise:{e.id}",
    )
    await _tell_applicant(svc, act, _edited(done, changed), done)
    return done, changed
