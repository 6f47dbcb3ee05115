"""The main menu, shared by /start, /menu and every "back to the menu" answer."""

from __future__ import annotations

from typing import Final

from bot.core.i18n import Lang
from bot.core.payloads import MenuChoice, MenuEntry
from bot.core.types import Button, Reply

__all__ = ["MENU_COMMANDS", "main_menu", "menu_buttons"]

# menu entry -> the command it stands for (Vietnamese name); see handlers/start.py
MENU_COMMANDS: Final[dict[MenuChoice, str]] = {
    "register": "dang_ky",
    "fairs": "hoi_cho",
    "booths": "gian_hang",
    "reminders": "nhac_lich",
    "faq": "hoi_dap",
    "language": "ngon_ngu",
}


# Made once: the menu ends most answers.
_ENTRIES: Final = {entry: MenuEntry(entry).pack() for entry in MENU_COMMANDS}


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
