"""The producers' main menu, shared by /start and /menu and by the notices that end on it
(a registration approved or rejected, whichever way staff decided)."""

from __future__ import annotations

from bot.core.i18n import Lang
from bot.core.types import Button, Reply

__all__ = ["main_menu", "menu_buttons"]


def menu_buttons(lang: Lang) -> list[list[Button]]:
    """The six entries of the main menu, two a row."""
    _ = lang.gettext
    return [
        [Button(label=_("Register into the network"), payload="menu:register")],
        [
            Button(label=_("Upcoming fairs"), payload="menu:fairs"),
            Button(label=_("My booths"), payload="menu:booths"),
        ],
        [
            Button(label=_("Reminders"), payload="menu:reminders"),
            Button(label=_("Questions & answers"), payload="menu:faq"),
        ],
        [Button(label=_("Language"), payload="menu:language")],
    ]


def main_menu(lang: Lang, text: str | None = None) -> Reply:
    """The main menu, under `text` or a short prompt."""
    return Reply(
        text=text or lang.gettext("What would you like to do? Choose below or type a question."),
        buttons=menu_buttons(lang),
    )
