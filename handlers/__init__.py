"""Every conversation and feature, wired in one place."""

from __future__ import annotations

from bot.dialog.router import Router
from handlers import (
    booth_apply,
    booths,
    fairs,
    faq,
    invitations,
    language,
    link,
    meetings,
    my_data,
    partners,
    questions,
    registration,
    reminders,
    shared_phone,
    staff,
    start,
)

__all__ = ["register_all"]


def register_all(router: Router) -> None:
    """Registers every handler module. start comes first: it installs the fallbacks."""
    start.register(router)
    questions.register(router)  # after start: replaces its free-text fallback
    faq.register(router)
    language.register(router)
    link.register(router)
    registration.register(router)
    fairs.register(router)
    booth_apply.register(router)
    booths.register(router)
    staff.register(router)
    # "duyet HN-2026-000123" typed by a reviewer: an instruction, read before any question
    questions.hand_over(staff.decisions.typed_decision, command=True)
    reminders.register(router)
    shared_phone.register(router)
    invitations.register(router)
    my_data.register(router)
    partners.register(router)  # after questions: hands its searches to it
    meetings.register(router)
