"""/nhat_ky (/audit): the latest entries of the audit log, page by page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.core.payloads import Page, Payload
from bot.core.types import Reply
from bot.dialog.router import Turn
from bot.services.audit import REFUSED
from bot.services.staff_terms import ACTION_NAMES, ROLE_NAMES, changes, readable_changes
from storage.audit import AuditEntry
from storage.roles import Role

__all__ = ["AuditPage", "audit_page", "changes", "on_button", "show_latest"]

PAGE: Final = 6


@dataclass(frozen=True, slots=True)
class AuditPage(Payload, prefix="auditlog"):
    """A page of the audit log, the latest first: `auditlog:0`."""

    page: Page


def _actor(entry: AuditEntry) -> str:
    """The person's name first, then their address: `Lan (telegram:123)` (the log writes
    `telegram:123 (Lan)`, see bot.services.audit.actor_label)."""
    ref, _, name = entry.actor.partition(" (")
    return f"{name[:-1]} ({ref})" if name.endswith(")") else entry.actor


async def _target(turn: Turn, entry: AuditEntry) -> str:
    """What was acted on, by its name: a registration's establishment, a fair's title, a booth
    application's establishment and fair; a refused attempt's payload as it came."""
    _ = turn._
    kind, _sep, number = (entry.target or "").partition(":")
    if entry.action == REFUSED or not number.isdecimal():
        return entry.target or "—"
    svc = turn.services
    if kind == "enterprise" and (e := await svc.enterprises.get(int(number))):
        return _("the registration of “{name}”").format(name=e.name)
    if kind == "fair" and (fair := await svc.fairs.get(int(number))):
        return _("the fair “{title}”").format(title=fair.title(turn.lang.code))
    if kind == "booth" and (a := await svc.booths.get(int(number))):
        e, fair = await svc.enterprises.get(a.enterprise_id), await svc.fairs.get(a.fair_id)
        if e is not None and fair is not None:
            return _("the booth application of “{name}” at “{title}”").format(
                name=e.name, title=fair.title(turn.lang.code)
            )
    return entry.target or "—"


async def _entry(turn: Turn, entry: AuditEntry) -> str:
    _ = turn._
    role = _(ROLE_NAMES[Role(entry.role)]) if entry.role in set(Role) else _("not staff")
    action = _(ACTION_NAMES[entry.action]) if entry.action in ACTION_NAMES else entry.action
    head = f"#{entry.id} · {turn.lang.short_datetime(entry.at)} · {_actor(entry)}, {role}"
    target = await _target(turn, entry)
    lines = [head, f"{'⛔ ' if entry.outcome == 'refused' else ''}{action}: {target}"]
    lines += [f"   {c}" for c in readable_changes(entry.before, entry.after, turn.lang)[:6]]
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
    text = "\n\n".join([head, *[await _entry(turn, e) for e in entries]])
    return [Reply(text=text, buttons=[paging] if paging else [])]


async def show_latest(turn: Turn) -> list[Reply]:
    """The first page of the audit log."""
    return await audit_page(turn, 0)


async def on_button(turn: Turn) -> list[Reply]:
    """`auditlog:PAGE`."""
    return await audit_page(turn, turn.payload.page if isinstance(turn.payload, AuditPage) else 0)
