"""The main menu, shared by /start, /menu and every "back to the menu" answer."""

from __future__ import annotations

from typing import Final

from bot.i18n import Lang
from bot.payloads import MenuChoice, MenuEntry
from bot.types import Button, Reply

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


def menu_buttons(lang: Lang) -> list[list[Button]]:
    """The six entries of the main menu, two a row."""
    _ = lang.gettext
    return [
        [MenuEntry("register").button(_("Register into the network"))],
        [
            MenuEntry("fairs").button(_("Upcoming fairs")),
            MenuEntry("booths").button(_("My booths")),
        ],
        [
            MenuEntry("reminders").button(_("Reminders")),
            MenuEntry("faq").button(_("Questions & answers")),
        ],
        [MenuEntry("language").button(_("Language"))],
    ]


def main_menu(lang: Lang, text: str | None = None) -> Reply:
    """The main menu, under `text` or a short prompt."""
    return Reply(
        text=text or lang.gettext("What would you like to do? Choose below or type a question."),
        buttons=menu_buttons(lang),
    )
