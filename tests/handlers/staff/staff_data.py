"""Staff members of each role, and registrations stored directly, for the staff tool tests."""

from __future__ import annotations

from bot.app import App
from bot.core.clock import utcnow
from storage.audit import AuditEntry
from storage.enterprises import Enterprise, EnterpriseFields, EnterpriseStatus
from storage.roles import Role
from tests.chat import Chat

__all__ = ["add_enterprise", "audit_entries", "english", "member", "owner"]


def owner(app: App) -> Chat:
    """The owner listed in KETNOI_ADMINS (console:admin in the test settings)."""
    return Chat(app.router, external_id="admin", name="Chánh Văn phòng")


async def member(
    app: App,
    role: Role | None,
    external_id: str | None = None,
    locale: str | None = None,
    channel: str = "console",
) -> Chat:
    """A person who has written to the bot and holds `role` (None: not staff)."""
    name = role.value if role else "producer"
    who = external_id or f"staff-{name}"
    chat = Chat(app.router, external_id=who, channel=channel, name=f"Cán bộ {name}")
    svc = app.router.services
    async with svc.db.transaction():
        user, _ = await svc.users.touch(chat.user, chat.name)
        if role is not None:
            await svc.roles.grant(user.account_id, role, None)
        if locale is not None:
            await svc.users.set_locale(user.id, locale)
    return chat


async def english(app: App, chat: Chat) -> Chat:
    """The chat's user reads English from now on."""
    svc = app.router.services
    async with svc.db.transaction():
        user, _ = await svc.users.touch(chat.user, chat.name)
        await svc.users.set_locale(user.id, "en")
    return chat


async def add_enterprise(
    app: App,
    external_id: str,
    name: str,
    *,
    ward_code: str | None = "00577",  # xã Bát Tràng
    sectors: tuple[str, ...] = ("ceramics",),
    phone: str = "+84912345678",
    tax_code: str | None = None,
    status: EnterpriseStatus = EnterpriseStatus.PENDING,
    contact: str = "Nguyễn Thị Lan",
) -> Enterprise:
    """A registration of a new person's account, stored as the registration flow would."""
    svc = app.router.services
    async with svc.db.transaction():
        user, _ = await svc.users.touch(Chat(app.router, external_id).user, contact)
        fields = EnterpriseFields(
            name=name,
            kind="household",
            roles=["producer"],
            sectors=list(sectors),
            ward_code=ward_code,
            province=None if ward_code else "Bắc Ninh",
            address="Thôn 3",
            contact_name=contact,
            phone=phone,
            tax_code=tax_code,
            products="Bát đĩa men lam",
        )
        e = await svc.enterprises.create(user.account_id, fields, consent_at=utcnow())
        if status is not EnterpriseStatus.PENDING:
            changed = await svc.enterprises.set_status(e.id, status, reason="Thiếu giấy tờ")
            assert changed is not None
            e = changed
    return e


async def audit_entries(app: App) -> list[AuditEntry]:
    """Every audit log entry, oldest first."""
    entries, _ = await app.router.services.audit.repo.page(0, 1000)
    return list(reversed(entries))
