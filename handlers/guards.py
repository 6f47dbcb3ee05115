"""Guards that sit on a whole group of handlers: who may use them."""

from __future__ import annotations

import logging

from bot.router import Handler, Turn, user_hash
from bot.types import Reply

__all__ = ["admin_only", "is_admin"]

log = logging.getLogger("ketnoi.guards")


def is_admin(turn: Turn) -> bool:
    """Whether the user is an owner listed in KETNOI_ADMINS."""
    return turn.services.settings.is_owner(turn.user.ref)


def admin_only(handler: Handler) -> Handler:
    """Run `handler` only for admins; anyone else is told no, and the attempt is logged."""

    async def guarded(turn: Turn) -> list[Reply]:
        if not is_admin(turn):
            log.warning(
                "refused admin action: user=%s route=%s payload=%r",
                user_hash(turn.user.ref),
                turn.incoming.command or "button",
                turn.incoming.payload,
            )
            return [Reply(text=turn._("Sorry, you are not allowed to do that."))]
        return await handler(turn)

    guarded.__name__ = getattr(handler, "__name__", "guarded")
    guarded.__doc__ = handler.__doc__
    return guarded
