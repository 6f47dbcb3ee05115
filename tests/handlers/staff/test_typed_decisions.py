"""A decision typed with the registration's reference ("duyet HN-2026-000123"), as staff on
Zalo type it when the card's numbered options are no longer the latest: for reviewers only,
never logged as a question."""

from __future__ import annotations

from bot.app import App
from storage.enterprises import Enterprise, EnterpriseStatus
from tests.chat import Chat
from tests.handlers.registration_walk import register, stored


async def _registered(
    app: App, who: str, phone: str, tax_code: str | None
) -> tuple[Chat, Enterprise]:
    chat = Chat(app.router, external_id=who, channel="zalo")
    await register(chat, phone=phone, tax_code=tax_code)
    e = await stored(app, chat)
    assert e is not None and e.status is EnterpriseStatus.PENDING
    return chat, e


async def _status(app: App, chat: Chat) -> EnterpriseStatus:
    e = await stored(app, chat)
    assert e is not None
    return e.status


async def test_a_reviewer_approves_and_rejects_by_typing_the_reference(app: App) -> None:
    lan, first = await _registered(app, "lan", "0912345678", None)
    hai, second = await _registered(app, "hai", "0987654321", None)
    admin = Chat(app.router, external_id="admin")  # the owner in KETNOI_ADMINS
    await admin.say("/menu")  # the cards' options are no longer the latest
    number = int(first.reference.rsplit("-", 1)[1])  # typed without its leading zeros
    await admin.say(f"Duyệt hn-{first.reference[3:7]}-{number}")
    assert f"Đã duyệt {first.reference}" in admin.text
    assert await _status(app, lan) is EnterpriseStatus.APPROVED
    assert await _status(app, hai) is EnterpriseStatus.PENDING  # only the one named
    await admin.say(f"tu choi {second.reference}")
    assert "Vì sao" in admin.text and second.reference in admin.text
    await admin.say("Thiếu giấy phép kinh doanh")
    assert f"Đã từ chối {second.reference}" in admin.text
    assert await _status(app, hai) is EnterpriseStatus.REJECTED
    await admin.say(f"duyet {first.reference}")  # decided already: nothing changes
    assert "đã được xét duyệt rồi; không có gì thay đổi" in admin.text
    unanswered = await app.router.services.questions.unanswered()
    assert not any("hn" in q.folded for q in unanswered)  # instructions, not questions


async def test_an_unknown_reference_is_said_plainly(app: App) -> None:
    admin = Chat(app.router, external_id="admin")
    await admin.say("duyet HN-2026-999999")
    assert "Không có hồ sơ nào mang mã HN-2026-999999" in admin.text


async def test_a_producer_typing_it_approves_nothing(app: App) -> None:
    lan, first = await _registered(app, "lan", "0912345678", None)
    await lan.say(f"duyet {first.reference}")
    assert "không có quyền" not in lan.text  # read as her words, not refused as an attempt
    assert await _status(app, lan) is EnterpriseStatus.PENDING
