"""Guards that sit on a whole group of handlers: who may use them."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.core.types import Kind, Reply
from bot.dialog.router import Handler, Turn, user_hash
from bot.services.permissions import Permission, needed
from storage.roles import Role

__all__ = [
    "Permission",
    "Role",
    "admin_only",
    "is_admin",
    "may",
    "record_refusal",
    "require",
    "role_of",
]

log = logging.getLogger("ketnoi.guards")


def is_admin(turn: Turn) -> bool:
    """Whether the user is an owner listed in KETNOI_ADMINS."""
    return turn.services.settings.is_owner(turn.user.ref)


async def role_of(turn: Turn) -> Role | None:
    """The user's staff role, read afresh (a role taken away counts at once)."""
    return await turn.services.roles.role_of(turn.user)


def require(needed: Role) -> Callable[[Handler], Handler]:
    """Run the handler only for staff whose role allows `needed`; anyone else is told no,
    nothing changes, and the attempt goes to the audit log and the app log."""

    def wrap(handler: Handler) -> Handler:
        async def guarded(turn: Turn) -> list[Reply]:
            have = await role_of(turn)
            if have is not None and have.allows(needed):
                return await handler(turn)
            log.warning(
                "refused: user=%s role=%s needed=%s route=%s payload=%r",
                user_hash(turn.user.ref),
                have,
                needed,
                turn.incoming.command or turn.incoming.kind.value,
                turn.incoming.payload,
            )
            await turn.services.audit.refused(turn, needed, have)
            if turn.incoming.kind not in (Kind.COMMAND, Kind.BUTTON):
                turn.conversation.end()  # a flow they may no longer be in
            return [Reply(text=turn._("Sorry, you are not allowed to do that."))]

        guarded.__name__ = getattr(handler, "__name__", "guarded")
        guarded.__doc__ = handler.__doc__
        return guarded

    return wrap


def may(permission: Permission) -> Callable[[Handler], Handler]:
    """`require` the role that the permission table (bot/services/permissions.py) gives
    `permission`: the web pages read the same table."""
    return require(needed(permission))


async def record_refusal(turn: Turn, reason: str) -> None:
    """Log an attempt that no role could allow, such as a button naming someone else's record
    (a forged or passed-on one): to the audit log and the app log, as the role guards'
    refusals are. The caller answers the user."""
    log.warning(
        "refused: user=%s reason=%s payload=%r",
        user_hash(turn.user.ref),
        reason,
        turn.incoming.payload,
    )
    await turn.services.audit.refused_attempt(turn, reason)


# Fairs and broadcasts; reviews of registrations and booths use may(Permission.REVIEW).
admin_only = may(Permission.FAIRS)
