"""The main menu, shared by /start, /menu and every "back to the menu" answer (built in
bot/services/main_menu.py, where the notices that end on it find it too)."""

from __future__ import annotations

from typing import Final

from bot.core.payloads import MenuChoice
from bot.services.main_menu import main_menu, menu_buttons

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
