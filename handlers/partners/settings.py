"""From /ho_so: whether other members may find me, and what they see. A change counts at once:
the next search reads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from bot.core.payloads import Findable, OneOf, Payload
from bot.core.types import Button, Reply
from bot.dialog.router import Turn
from bot.domain.enterprise_terms import FIELD_LABELS
from handlers.partners.cards import card
from storage.enterprises import SHOWN, Enterprise, EnterpriseFields

__all__ = ["Findable", "ShowField", "on_button", "show"]


@dataclass(frozen=True, slots=True)
class ShowField(Payload, prefix="shown:toggle"):
    """Show or hide one field to other members: `shown:toggle:products`."""

    field: Annotated[str, OneOf(SHOWN)]


async def show(turn: Turn, note: str | None = None) -> list[Reply]:
    """The setting and what members see, with a button per field."""
    _ = turn._
    e = await turn.services.enterprises.for_account(turn.user.account_id)
    if e is None:
        return [Reply(text=_("You have not registered your establishment into the network yet."))]
    state = (
        _("Other members can find your establishment.")
        if e.findable
        else _("Other members cannot find your establishment.")
    )
    lines = [
        *([note] if note else []),
        state,
        _("What they see in a search:"),
        card(e, turn.lang),
        _(
            "Your phone and tax code are never shown; the phone is given only to a member whose"
            " request to connect you accept."
        ),
    ]
    if e.findable and e.status.value != "approved":
        lines.append(_("You will appear once the Department approves your registration."))
    buttons: list[list[Button]] = []
    if e.findable:
        buttons.append([Findable("off").button(_("Stop: members may not find me"))])
    else:
        buttons.append([Findable("on").button(_("Let members find me"))])
    toggles = [
        ShowField(f).button(("☑ " if f in e.shown else "☐ ") + _(FIELD_LABELS[f])) for f in SHOWN
    ]
    buttons += [toggles[i : i + 2] for i in range(0, len(toggles), 2)]
    return [Reply(text="\n\n".join(lines), buttons=buttons)]


async def _save(turn: Turn, e: Enterprise, **changes: object) -> None:
    fields = EnterpriseFields.model_validate({**e.model_dump(), **changes})
    await turn.services.enterprises.update(e.id, fields)


async def on_button(turn: Turn) -> list[Reply]:
    """`shown:findable:on|off|show` and `shown:toggle:FIELD`."""
    _ = turn._
    e = await turn.services.enterprises.for_account(turn.user.account_id)
    if e is None:
        return await show(turn)
    match turn.payload:
        case Findable(state="on"):
            await _save(turn, e, findable=True)
            return await show(turn, _("Saved: members may now find you."))
        case Findable(state="off"):
            await _save(turn, e, findable=False)
            return await show(turn, _("Saved: from now on nobody finds you in a search."))
        case Findable(state="show"):
            return await show(turn)
        case ShowField(field=field):
            shown = [f for f in e.shown if f != field] if field in e.shown else [*e.shown, field]
            await _save(turn, e, shown=[f for f in SHOWN if f in shown])
            return await show(turn, _("Saved."))
    return await show(turn)
