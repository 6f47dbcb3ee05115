"""/ngon_ngu (/language): choose Vietnamese or English."""

from __future__ import annotations

from bot.core.i18n import N_
from bot.core.types import Button, Reply
from bot.dialog.router import Router, Turn
from handlers.menu import main_menu

__all__ = ["register"]

# Each language is named in itself, the same in every catalog.
_NAMES = {"vi": "Tiếng Việt", "en": "English"}


async def ask_language(turn: Turn) -> list[Reply]:
    """Offers the languages."""
    buttons = [[Button(label=_NAMES[code], payload=f"lang:{code}")] for code in _NAMES]
    return [Reply(text=turn._("Choose your language:"), buttons=buttons)]


async def got_language(turn: Turn) -> list[Reply]:
    """Stores the chosen language and shows the menu in it."""
    parts = turn.payload_parts
    code = parts[1] if len(parts) > 1 else ""
    if code not in _NAMES or code not in turn.services.i18n.codes:
        return await ask_language(turn)
    await turn.services.users.set_locale(turn.user.id, code)
    turn.user.locale = code
    turn.lang = turn.services.i18n.get(code)
    return [main_menu(turn.lang, turn._("Language set to English."))]


def register(router: Router) -> None:
    """Wires /ngon_ngu and its buttons."""
    router.command(("ngon_ngu", "language"), ask_language, description=N_("Change the language"))
    router.button("lang", got_language)
