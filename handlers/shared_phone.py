"""A phone shared outside any conversation (Telegram's contact button, the Zalo OA's
request-for-information card): one's own number is remembered; someone else's is not taken."""

from __future__ import annotations

from bot.core.types import Reply
from bot.dialog.router import Router, Turn
from bot.domain.phones import Phone, format_phone, parse_phone
from handlers.menu import main_menu

__all__ = ["phone_shared", "register"]


async def phone_shared(turn: Turn) -> list[Reply]:
    """Remembers the sender's own number and says so; anything else changes nothing."""
    _ = turn._
    inc = turn.incoming
    if not inc.own_contact or not inc.phone:
        text = _(
            "That is someone else's contact, so I keep nothing of it. To give the Department"
            " your own number, share your own contact."
        )
        return [main_menu(turn.lang, text)]
    digits = "".join(ch for ch in inc.phone if ch.isdecimal())
    result = parse_phone("+" + digits)
    if not isinstance(result, Phone):
        return [main_menu(turn.lang, _("I could not read that phone number."))]
    await turn.services.users.set_phone(turn.user.id, result.e164)
    text = _("Thank you: your phone number {phone} is noted.").format(
        phone=format_phone(result.e164)
    )
    return [main_menu(turn.lang, text)]


def register(router: Router) -> None:
    """Wires the shared phone outside conversations."""
    router.contact(phone_shared)
