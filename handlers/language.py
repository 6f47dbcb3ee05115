"""/ngon_ngu (/language): choose Vietnamese or English."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from bot.core.i18n import N_
from bot.core.payloads import Pattern, Payload
from bot.core.types import Reply
from bot.dialog.router import Router, Turn
from handlers.menu import main_menu

__all__ = ["Language", "register"]

# Each language is named in itself, the same in every catalog.
_NAMES = {"vi": "Tiếng Việt", "en": "English"}


@dataclass(frozen=True, slots=True)
class Language(Payload, prefix="lang"):
    """Speak to me in this language: `lang:vi`. The code is checked against the catalogs
    loaded (a code we dropped asks again)."""

    code: Annotated[str, Pattern(r"[a-z]{2,8}")]


async def ask_language(turn: Turn) -> list[Reply]:
    """Offers the languages."""
    buttons = [[Language(code).button(_NAMES[code])] for code in _NAMES]
    return [Reply(text=turn._("Choose your language:"), buttons=buttons)]


async def got_language(turn: Turn) -> list[Reply]:
    """Stores the chosen language and shows the menu in it."""
    code = turn.payload.code if isinstance(turn.payload, Language) else ""
    if code not in _NAMES or code not in turn.services.i18n.codes:
        return await ask_language(turn)
    await turn.services.users.set_locale(turn.user.id, code)
    turn.user.locale = code
    turn.lang = turn.services.i18n.get(code)
    return [main_menu(turn.lang, turn._("Language set to English."))]


def register(router: Router) -> None:
    """Wires /ngon_ngu and its buttons."""
    router.command(("ngon_ngu", "language"), ask_language, description=N_("Change the language"))
    router.button(Language, got_language)
