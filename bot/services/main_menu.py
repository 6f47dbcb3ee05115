"""The producers' main menu, shared by /start and /menu and by the notices that end on it
(a registration approved or rejected, whichever way staff decided)."""

from __future__ import annotations

from typing import Final, get_args

from bot.core.i18n import Lang
from bot.core.payloads import MenuChoice, MenuEntry
from bot.core.types import Button, Reply

__all__ = ["main_menu", "menu_buttons"]

# Made once: the menu ends most answers.
_ENTRIES: Final[dict[str, str]] = {e: MenuEntry(e).pack() for e in get_args(MenuChoice)}


def menu_buttons(lang: Lang) -> list[list[Button]]:
    """The six entries of the main menu, two a row."""
    _ = lang.gettext
    return [
        [Button(_("Register into the network"), _ENTRIES["register"])],
        [
            Button(_("Upcoming fairs"), _ENTRIES["fairs"]),
            Button(_("My booths"), _ENTRIES["booths"]),
        ],
        [
            Button(_("Reminders"), _ENTRIES["reminders"]),
            Button(_("Questions & answers"), _ENTRIES["faq"]),
        ],
        [Button(_("Language"), _ENTRIES["language"])],
    ]


def main_menu(lang: Lang, text: str | None = None) -> Reply:
    """The main menu, under `text` or a short prompt."""
    return Reply(
        text=text or lang.gettext("What would you like to do? Choose below or type a question."),
        buttons=menu_buttons(lang),
    )
