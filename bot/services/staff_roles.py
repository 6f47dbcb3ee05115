"""Owners give and take staff roles (chat /quan_tri and the web pages): the change, the audit
log entry, and a message to the person in their language."""

from __future__ import annotations

from bot.core.i18n import Lang
from bot.core.types import Reply
from bot.services.base import Build, Services
from bot.services.reviews import Acting
from bot.services.staff_terms import ROLE_DUTIES, ROLE_NAMES
from storage.roles import Role

__all__ = ["set_role", "told"]


def told(role: Role | None) -> Build:
    """The message to the person whose role changed, in their language."""

    def build(lang: Lang) -> list[Reply]:
        _ = lang.gettext
        if role is None:
            return [Reply(text=_("Your staff role in ketnoi has been removed."))]
        text = _(
            "The Department has made you {role} in ketnoi: {duties}. Type /admin to see your tools."
        ).format(role=_(ROLE_NAMES[role]), duties=_(ROLE_DUTIES[role]))
        return [Reply(text=text)]

    return build


async def set_role(svc: Services, act: Acting, account_id: int, role: Role | None) -> bool:
    """Give the account `role` (None: take the role away), log it and tell the person; False
    when nothing changed (the same role, an owner, an unknown account). In a transaction."""
    if not await svc.users.identities(account_id) or await svc.roles.is_owner_account(account_id):
        return False
    before = await svc.roles.granted(account_id)
    if before == role:
        return False
    if role is None:
        await svc.roles.revoke(account_id)
    else:
        await svc.roles.grant(account_id, role, act.user.id)
    await svc.audit.record(
        act,
        "role.revoke" if role is None else "role.grant",
        {"role": before.value if before else None},
        {"role": role.value if role else None},
        target=f"account:{account_id}",
    )
    act.notify(account_id, told(role))  # an account id is the id of its first identity
    return True
