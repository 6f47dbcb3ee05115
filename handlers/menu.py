"""The main menu, shared by /start, /menu and every "back to the menu" answer."""

from __future__ import annotations

from bot.core.i18n import Lang
from bot.core.types import Button, Reply

__all__ = ["MENU_COMMANDS", "main_menu", "menu_buttons"]

# menu payload -> the command it stands for (Vietnamese name); see handlers/start.py
MENU_COMMANDS = {
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
