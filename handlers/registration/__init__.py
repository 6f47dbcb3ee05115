"""Registration into the network: /dang_ky (/register), /ho_so (/profile) and reminders of
unfinished registrations; the staff's review is handlers/staff/decisions.py. Other flows call
`begin` to send a user here first."""

from __future__ import annotations

from bot.core.i18n import N_
from bot.core.types import Reply
from bot.dialog.router import Router, Turn
from handlers.registration import profile
from handlers.registration.core import (
    FLOW,
    EditField,
    EditSentField,
    OpenProfile,
    RegOption,
    StartRegistration,
    Step,
)
from handlers.registration.flow import ask_again, begin, on_button, on_input
from handlers.registration.nudge import EVERY as NUDGE_EVERY
from handlers.registration.nudge import nudge_and_drop

__all__ = ["FLOW", "Step", "begin", "nudge_and_drop", "register"]


async def on_register(turn: Turn) -> list[Reply]:
    """Starts or resumes the registration, or shows the one already sent."""
    return await begin(turn)


async def on_profile(turn: Turn) -> list[Reply]:
    """Shows the account's registration and its status."""
    return await profile.show(turn)


def register(router: Router) -> None:
    """Wires the registration commands, its buttons (`reg:`) and the nudge of unfinished
    registrations."""
    router.command(
        ("dang_ky", "register"),
        on_register,
        description=N_("Register your establishment into the network"),
    )
    router.command(
        ("ho_so", "profile"), on_profile, description=N_("See or change your registration")
    )
    router.button((StartRegistration, OpenProfile, EditField, EditSentField, RegOption), on_button)
    router.flow(FLOW, on_input, ask_again=ask_again)
    router.every("registration_nudges", NUDGE_EVERY, lambda: nudge_and_drop(router))
