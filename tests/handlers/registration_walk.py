"""Walking a user through the registration, for the registration tests."""

from __future__ import annotations

from bot.app import App
from bot.domain.places import wards
from storage.enterprises import Enterprise
from storage.outbox import OutboxRow
from tests.chat import Chat

__all__ = [
    "BAT_TRANG",
    "outbox_for",
    "register",
    "stored",
    "to_summary",
    "ward_code",
]


def ward_code(name: str) -> str:
    """The GSO code of the Hanoi ward or commune called `name`."""
    return next(w.code for w in wards() if w.name == name)


BAT_TRANG = ward_code("Bát Tràng")


async def to_summary(
    chat: Chat,
    *,
    name: str = "Cơ sở gốm Minh Hải",
    kind: str = "household",
    phone: str = "0912 345 678",
    tax_code: str | None = "001085012345",
    findable: bool = False,
) -> None:
    """Answers every question with buttons where there are any, up to the summary."""
    await chat.say("/dang_ky")
    await chat.press("reg:consent:yes")
    await chat.say(name)
    await chat.press(f"reg:kind:{kind}")
    await chat.press("reg:roles:producer")
    await chat.press("reg:roles:done")
    await chat.press("reg:sectors:ceramics")
    await chat.press("reg:sectors:done")
    await chat.say("bat trang")
    await chat.press(f"reg:ward_pick:{BAT_TRANG}")
    await chat.say("Thôn 3, đường Giang Cao")
    await chat.say("Nguyễn Thị Lan")
    await chat.say(phone)
    if tax_code is None:
        await chat.press("reg:tax_code:skip")
    else:
        await chat.say(tax_code)
    await chat.say("Bát đĩa men lam, lọ hoa")
    await chat.press("reg:ocop:4")
    await chat.press("reg:practices:energy_saving")
    await chat.press("reg:practices:done")
    await chat.press(f"reg:findable:{'yes' if findable else 'no'}")


async def register(chat: Chat, **answers: str | bool | None) -> None:
    """A whole registration, confirmed."""
    await to_summary(chat, **answers)  # type: ignore[arg-type]
    await chat.press("reg:summary:confirm")


async def stored(app: App, chat: Chat) -> Enterprise | None:
    """The registration of the chat's user, as stored."""
    services = app.router.services
    user = await services.users.find(chat.user)
    assert user is not None
    return await services.enterprises.for_account(user.account_id)


async def outbox_for(app: App, chat: Chat) -> list[OutboxRow]:
    """Every outbox row addressed to the chat's user, oldest first."""
    services = app.router.services
    user = await services.users.find(chat.user)
    assert user is not None
    rows = await services.db.fetchall(
        "SELECT dedupe_key FROM outbox WHERE user_id = ? ORDER BY id", (user.id,)
    )
    found = [await services.outbox.get(r["dedupe_key"]) for r in rows]
    return [row for row in found if row is not None]
