"""A phone shared outside any conversation: one's own is noted, someone else's is not."""

from __future__ import annotations

from bot.app import App
from tests.chat import Chat


async def test_ones_own_phone_is_noted(app: App, chat: Chat) -> None:
    await chat.say("/start")
    await chat.share_contact("84912345678")

    assert chat.text.splitlines()[0] == "Cảm ơn bạn: số điện thoại 0912 345 678 đã được ghi nhận."
    user = await app.router.services.users.find(chat.user)
    assert user is not None and user.phone == "+84912345678"


async def test_someone_elses_contact_is_not_kept(app: App, chat: Chat) -> None:
    await chat.say("/start")
    await chat.share_contact("+84987654321", user_id="424242")

    assert chat.text.startswith("Đây là danh bạ của người khác")
    user = await app.router.services.users.find(chat.user)
    assert user is not None and user.phone is None


async def test_in_a_conversation_the_flow_takes_it(chat: Chat) -> None:
    await chat.say("/dang_ky")
    await chat.share_contact("+84912345678")

    assert chat.text.startswith("Bạn vui lòng trả lời câu hỏi ở trên.")  # the flow's answer
    assert chat.text.endswith("Bạn có đồng ý không?")
