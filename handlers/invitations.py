"""Invitations: a producer the Department imported from its lists opens their link
(`/start moi_CODE` on Telegram, `/moi CODE` on Zalo), sees what the Department holds about
them, and by agreeing joins the network with it as their own registration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Final, Literal

from bot.core.clock import utcnow
from bot.core.i18n import N_
from bot.core.payloads import Pattern, Payload
from bot.core.types import Reply
from bot.dialog.router import Router, Turn
from bot.domain.enterprise_terms import FIELD_LABELS, field_value
from bot.services.main_menu import main_menu
from storage.enterprises import EnterpriseStatus
from storage.invitations import Invitation

__all__ = ["KEPT", "InvitationAnswer", "register"]

KEPT: Final = timedelta(days=90)  # an invitation not accepted by then is deleted


@dataclass(frozen=True, slots=True)
class InvitationAnswer(Payload, prefix="inv"):
    """Agree to an invitation, or say it is not you: `inv:K7M2QX9P:yes`."""

    code: Annotated[str, Pattern(r"[A-Z2-9]{8}")]
    answer: Literal["yes", "no"]


def _code(text: str) -> str:
    return text.strip().removeprefix("moi_").strip().upper()


async def _usable(turn: Turn, code: str) -> Invitation | list[Reply]:
    """The invitation if it can still be claimed by this account; else what to say."""
    _ = turn._
    svc = turn.services
    invitation = await svc.invitations.get(code) if code else None
    if invitation is None:
        text = _("That invitation code is not known. Please check it, or ask the Department.")
        return [main_menu(turn.lang, text)]
    if invitation.used_at is not None:
        return [main_menu(turn.lang, _("That invitation has already been used."))]
    mine = await svc.enterprises.for_account(turn.user.account_id)
    if mine is not None:
        text = _("You are already registered in the network ({reference}); see /ho_so.")
        return [main_menu(turn.lang, text.format(reference=mine.reference))]
    return invitation


async def show(turn: Turn, code: str) -> list[Reply]:
    """What the Department holds about the invited producer, to agree to or decline."""
    _ = turn._
    found = await _usable(turn, code)
    if isinstance(found, list):
        return found
    lines = [
        _(
            "The Hanoi Department of Industry and Trade invites you into the network of craft"
            " villages with these details:"
        ),
        "",
        *(f"• {_(label)}: {field_value(f, found.fields, _)}" for f, label in FIELD_LABELS.items()),
        "",
        _(
            "Do you agree to join, and for the Department to keep these details to contact you"
            " about the network and its fairs? You can change them later with /ho_so."
        ),
    ]
    buttons = [
        [InvitationAnswer(found.code, "yes").button(_("I agree, join the network"))],
        [InvitationAnswer(found.code, "no").button(_("This is not me"))],
    ]
    return [Reply(text="\n".join(lines), buttons=buttons)]


async def accept(turn: Turn, code: str) -> list[Reply]:
    """Registers the producer with the invitation's details, approved by the Department."""
    _ = turn._
    svc = turn.services
    found = await _usable(turn, code)
    if isinstance(found, list):
        return found
    fields = found.fields
    phone, tax, _mine = await svc.enterprises.conflicts(
        turn.user.account_id, fields.phone, fields.tax_code
    )
    if phone or tax:
        text = _(
            "These details are already registered by someone else; please call the Department."
        )
        return [main_menu(turn.lang, text)]
    e = await svc.enterprises.create(turn.user.account_id, fields, consent_at=utcnow())
    approved = await svc.enterprises.set_status(
        e.id, EnterpriseStatus.APPROVED, by=found.created_by
    )
    await svc.invitations.claim(found.code, turn.user.id, e.id)
    e = approved or e
    text = _(
        "Welcome to the network! {name} is registered ({reference}). You can now apply for"
        " booths at the fairs; /ho_so shows or changes your details."
    ).format(name=e.name, reference=e.reference)
    return [main_menu(turn.lang, text)]


async def on_link(turn: Turn) -> list[Reply]:
    """`/start moi_CODE`."""
    return await show(turn, _code(turn.incoming.args))


async def on_command(turn: Turn) -> list[Reply]:
    """`/moi CODE`."""
    if not turn.incoming.args.strip():
        return [
            Reply(text=turn._("Type the code of your invitation after /moi, like: /moi K7M2QX9P"))
        ]
    return await show(turn, _code(turn.incoming.args))


async def on_button(turn: Turn) -> list[Reply]:
    """`inv:CODE:yes|no`."""
    pressed = turn.payload
    if isinstance(pressed, InvitationAnswer) and pressed.answer == "yes":
        return await accept(turn, pressed.code)
    text = turn._("Understood; nothing was registered. If this is a mistake, tell the Department.")
    return [main_menu(turn.lang, text)]


async def purge_unclaimed(router: Router) -> None:
    """Invitations not accepted within 90 days are deleted with what they held."""
    await router.services.invitations.purge(KEPT)


def register(router: Router) -> None:
    """Wires the invitation link, /moi and its buttons, and the purge of old invitations."""
    router.every("invitations_purge", 3600, lambda: purge_unclaimed(router))
    router.deep_link("moi", on_link)
    router.command(("moi", "invite"), on_command, description=N_("Join with an invitation code"))
    router.button(InvitationAnswer, on_button)
