"""Members of the network for the partner tests: registered through the real repository, then
approved (or not) as staff would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.app import App
from bot.core.types import UserRef
from bot.domain.places import match_ward
from storage.enterprises import Enterprise, EnterpriseFields, EnterpriseStatus
from tests.chat import Chat
from tests.handlers.registration_walk import BAT_TRANG

__all__ = ["BAT_TRANG", "VAN_PHUC", "enterprise_for", "member", "person"]

# "Vạn Phúc" names several wards (the silk village is in Hà Đông): the first one it reads as
VAN_PHUC = match_ward("van phuc")[0].ward.code


async def person(app: App, external_id: str, lang: str = "vi") -> Chat:
    """A user who has written to the bot, in `lang`."""
    chat = Chat(app.router, external_id=external_id)
    await chat.say("/language")
    await chat.press(f"lang:{lang}")
    return chat


async def member(app: App, chat: Chat, name: str, **answers: Any) -> Enterprise:
    """The chat's user registered as `name` (see enterprise_for)."""
    return await enterprise_for(app, chat.user, name, **answers)


async def enterprise_for(
    app: App,
    ref: UserRef,
    name: str,
    *,
    roles: tuple[str, ...] = ("producer",),
    sectors: tuple[str, ...] = ("ceramics",),
    ward: str | None = BAT_TRANG,
    products: str | None = "Bát đĩa men lam, lọ hoa",
    phone: str = "+84912345678",
    findable: bool = True,
    status: EnterpriseStatus = EnterpriseStatus.APPROVED,
) -> Enterprise:
    """The user at `ref` (who has written to the bot) registered as `name`, findable or not,
    approved or not."""
    svc = app.router.services
    user = await svc.users.find(ref)
    assert user is not None
    fields = EnterpriseFields(
        name=name,
        kind="household",
        roles=list(roles),
        sectors=list(sectors),
        ward_code=ward,
        contact_name=f"Chị {name.split()[-1]}",
        phone=phone,
        products=products,
        practices=["none_yet"],
        findable=findable,
        ocop_stars=4,
    )
    e = await svc.enterprises.create(user.account_id, fields, datetime.now(UTC))
    if status is not EnterpriseStatus.PENDING:
        changed = await svc.enterprises.set_status(e.id, status)
        assert changed is not None
        return changed
    return e
