"""Whether other members may find the establishment (issue 20): asked once in the registration,
changed from /ho_so. Only approved registrations are ever found; the phone and tax code are
never shown before a request to connect is accepted."""

from __future__ import annotations

from bot.core.types import Reply
from bot.dialog.router import Turn
from handlers.registration.core import (
    Answer,
    Next,
    Outcome,
    Stay,
    Step,
    command,
    option,
    question,
    store,
)

__all__ = ["ask_findable", "got_findable"]


async def ask_findable(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks whether other members may find the establishment, and says what they would see."""
    _ = turn._
    text = _(
        "May other members of the network (suppliers, producers, shops, buyers) find your"
        " establishment when they search, once the Department has approved it?\n\nThey would"
        " see its name, kind, role, crafts, ward or province, products and OCOP stars, never"
        " your phone or tax code: those are given only to a member whose request to connect"
        " you accept. You can change this at any time in {profile}."
    ).format(profile=command(turn, "ho_so", "profile"))
    buttons = [
        [option(Step.FINDABLE, "yes", _("Yes, members may find me"))],
        [option(Step.FINDABLE, "no", _("No, not now"))],
    ]
    return [question(turn, Step.FINDABLE, text, buttons, note=note)]


async def got_findable(turn: Turn, answer: Answer) -> Outcome:
    """Keeps the choice (a typed "có" or "không" too)."""
    if answer.choice in ("yes", "no"):
        store(turn, findable=answer.choice == "yes")
        return Next(Step.SUMMARY)
    return Stay(turn._("Please answer “có” (yes) or “không” (no)."))
