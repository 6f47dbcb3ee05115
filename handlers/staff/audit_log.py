"""/nhat_ky (/audit): the latest entries of the audit log, page by page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.core.payloads import Page, Payload
from bot.core.types import Reply
from bot.dialog.router import Turn
from bot.services.staff_terms import ACTION_NAMES, ROLE_NAMES, changes
from storage.audit import AuditEntry
from storage.roles import Role

__all__ = ["AuditPage", "audit_page", "changes", "on_button", "show_latest"]

PAGE: Final = 6


@dataclass(frozen=True, slots=True)
class AuditPage(Payload, prefix="auditlog"):
    """A page of the audit log, the latest first: `auditlog:0`."""

    page: Page


def _entry(turn: Turn, entry: AuditEntry) -> str:
    _ = turn._
    role = _(ROLE_NAMES[Role(entry.role)]) if entry.role in set(Role) else _("not staff")
    action = _(ACTION_NAMES[entry.action]) if entry.action in ACTION_NAMES else entry.action
    head = f"#{entry.id} · {turn.lang.short_datetime(entry.at)} · {entry.actor} ({role})"
    lines = [head, f"{'⛔ ' if entry.outcome == 'refused' else ''}{action}: {entry.target or '—'}"]
    lines += [f"   {c}" for c in changes(entry.before, entry.after)[:6]]
    return "\n".join(lines)


async def audit_page(turn: Turn, page: int) -> list[Reply]:
    """A page of the log, the latest first, with Newer and Older."""
    _ = turn._
    entries, total = await turn.services.audit.repo.page(page * PAGE, PAGE)
    if not entries and page > 0:
        page = 0
        entries, total = await turn.services.audit.repo.page(0, PAGE)
    if not entries:
        return [Reply(text=_("The audit log is empty."))]
    first = page * PAGE + 1
    head = _("Audit log, the latest first ({first}–{last} of {total}):").format(
        first=first, last=first + len(entries) - 1, total=total
    )
    paging = []
    if page > 0:
        paging.append(AuditPage(page - 1).button(_("« Newer")))
    if first + len(entries) - 1 < total:
        paging.append(AuditPage(page + 1).button(_("Older »")))
    text = "\n\n".join([head, *(_entry(turn, e) for e in entries)])
    return [Reply(text=text, buttons=[paging] if paging else [])]


async def show_latest(turn: Turn) -> list[Reply]:
    """The first page of the audit log."""
    return await audit_page(turn, 0)


async def on_button(turn: Turn) -> list[Reply]:
    """`auditlog:PAGE`."""
    return await audit_page(turn, turn.payload.page if isinstance(turn.payload, AuditPage) else 0)
