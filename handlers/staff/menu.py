"""/admin: the staff's tools, only those the role allows."""

from __future__ import annotations

from typing import Final

from bot.core.types import Button, Reply
from bot.dialog.router import Turn
from handlers.guards import role_of
from handlers.staff import web_login
from handlers.staff.terms import ROLE_DUTIES, ROLE_NAMES
from storage.booths import BoothStatus
from storage.enterprises import EnterpriseStatus
from storage.roles import Role

__all__ = ["BROADCAST_COMMANDS", "admin_menu"]

# The reminders and broadcasts module registers one of these when it lands.
BROADCAST_COMMANDS: Final = ("thong_bao", "broadcast")


async def admin_menu(turn: Turn) -> list[Reply]:
    """Shows the tools of the user's role (the guard lets in viewers and above)."""
    _ = turn._
    svc = turn.services
    role = await role_of(turn) or Role.VIEWER
    lines = [
        _("Staff tools. Your role: {role} ({duties}).").format(
            role=_(ROLE_NAMES[role]), duties=_(ROLE_DUTIES[role])
        )
    ]
    rows: list[list[Button]] = []
    if role.allows(Role.MODERATOR):
        pending = (await svc.enterprises.count_by_status()).get(EnterpriseStatus.PENDING, 0)
        booths = sum((await svc.booths.counts(BoothStatus.ALLOCATED)).values())
        rows.append(
            [
                Button(
                    label=_("Registrations to review ({n})").format(n=pending),
                    payload="review:list:0",
                )
            ]
        )
        rows.append(
            [
                Button(
                    label=_("Booth applications to approve ({n})").format(n=booths),
                    payload="boothadm:list",
                )
            ]
        )
        rows.append([Button(label=_("Search registrations"), payload="review:search")])
        rows.append([Button(label=_("Requests about personal data"), payload="datareq:list")])
    if role.allows(Role.ADMIN):
        rows.append([Button(label=_("Fairs: create, edit, cancel"), payload="fairadm:list")])
        broadcast = next((c for c in BROADCAST_COMMANDS if c in turn.router.commands), None)
        if broadcast is not None:
            rows.append([Button(label=_("Broadcast a message"), payload=f"admin:run:{broadcast}")])
    rows.append(
        [
            Button(label=_("Figures"), payload="stats:show"),
            Button(label=_("Exports"), payload="export:menu"),
        ]
    )
    if role.allows(Role.ADMIN):
        rows.append([Button(label=_("Audit log"), payload="auditlog:0")])
    if role.allows(Role.OWNER):
        rows.append([Button(label=_("Staff and roles"), payload="roles:list")])
    if svc.settings.web_on:
        rows.append([Button(label=_("Sign in to the web pages"), payload="admin:web")])
    return [Reply(text="\n".join(lines), buttons=rows)]


async def on_button(turn: Turn) -> list[Reply]:
    """`admin:menu`, `admin:web`, or `admin:run:COMMAND` for a tool another module provides."""
    parts = turn.payload_parts
    if parts[1:] == ["web"]:
        return await web_login.send_link(turn)
    if len(parts) == 3 and parts[1] == "run" and parts[2] in BROADCAST_COMMANDS:
        return await turn.run_command(parts[2])  # guarded by its own module
    return await admin_menu(turn)
