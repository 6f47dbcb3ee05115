"""/admin: the staff's tools, only those the role allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Final

from bot.core.payloads import OneOf, Payload
from bot.core.types import Button, Reply
from bot.dialog.router import Turn
from handlers.guards import role_of
from handlers.staff import web_login
from handlers.staff.audit_log import AuditPage
from handlers.staff.booth_queue import WaitingFairs
from handlers.staff.data_requests import RequestList
from handlers.staff.exports import ExportMenu
from handlers.staff.fair_card import FairsToManage
from handlers.staff.review import ReviewList, ReviewSearch
from handlers.staff.roles import StaffList
from handlers.staff.stats import ShowStats
from handlers.staff.terms import ROLE_DUTIES, ROLE_NAMES
from storage.booths import BoothStatus
from storage.enterprises import EnterpriseStatus
from storage.roles import Role

__all__ = ["BROADCAST_COMMANDS", "PAYLOADS", "RunTool", "StaffMenu", "WebLink", "admin_menu"]

# The reminders and broadcasts module registers one of these when it lands.
BROADCAST_COMMANDS: Final = ("thong_bao", "broadcast")


@dataclass(frozen=True, slots=True)
class StaffMenu(Payload, prefix="admin:menu"):
    """The staff's tools: `admin:menu`."""


@dataclass(frozen=True, slots=True)
class RunTool(Payload, prefix="admin:run"):
    """A tool another module provides, by its command: `admin:run:thong_bao`."""

    command: Annotated[str, OneOf(BROADCAST_COMMANDS)]


@dataclass(frozen=True, slots=True)
class WebLink(Payload, prefix="admin:web"):
    """A one-time link to the staff web pages: `admin:web`."""


PAYLOADS: Final = (StaffMenu, RunTool, WebLink)


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
        rows.append([ReviewList(0).button(_("Registrations to review ({n})").format(n=pending))])
        rows.append(
            [WaitingFairs().button(_("Booth applications to approve ({n})").format(n=booths))]
        )
        rows.append([ReviewSearch().button(_("Search registrations"))])
        rows.append([RequestList().button(_("Requests about personal data"))])
    if role.allows(Role.ADMIN):
        rows.append([FairsToManage().button(_("Fairs: create, edit, cancel"))])
        broadcast = next((c for c in BROADCAST_COMMANDS if c in turn.router.commands), None)
        if broadcast is not None:
            rows.append([RunTool(broadcast).button(_("Broadcast a message"))])
    rows.append(
        [
            ShowStats().button(_("Figures")),
            ExportMenu().button(_("Exports")),
        ]
    )
    if role.allows(Role.ADMIN):
        rows.append([AuditPage(0).button(_("Audit log"))])
    if role.allows(Role.OWNER):
        rows.append([StaffList().button(_("Staff and roles"))])
    if svc.settings.web_on:
        rows.append([WebLink().button(_("Sign in to the web pages"))])
    return [Reply(text="\n".join(lines), buttons=rows)]


async def on_button(turn: Turn) -> list[Reply]:
    """`admin:menu`, `admin:web`, or `admin:run:COMMAND` for a tool another module provides."""
    if isinstance(turn.payload, WebLink):
        return await web_login.send_link(turn)
    if isinstance(turn.payload, RunTool):
        return await turn.run_command(turn.payload.command)  # guarded by its own module
    return await admin_menu(turn)
