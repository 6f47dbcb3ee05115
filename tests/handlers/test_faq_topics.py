"""/hoi_dap (/faq): the topics page by page, and the answer to the topic chosen."""

from __future__ import annotations

from bot.app import App
from storage.faq import load_faq_file
from tests.chat import Chat


async def test_the_menu_entry_lists_the_topics_page_by_page(chat: Chat) -> None:
    entries = load_faq_file()
    await chat.say("/menu")

    await chat.press("Hỏi đáp")

    assert chat.text.startswith("Hỏi đáp (trang 1/5).")
    assert [b.label for b in chat.options[:8]] == [e.questions.vi[0] for e in entries[:8]]
    assert [b.payload for b in chat.options[8:]] == ["faq:p:1", "faq:menu"]

    await chat.press("faq:p:1")
    assert chat.text.startswith("Hỏi đáp (trang 2/5).")
    assert chat.options[0].label == entries[8].questions.vi[0]
    assert [b.payload for b in chat.options[8:]] == ["faq:p:0", "faq:p:2", "faq:menu"]


async def test_a_topic_is_answered_and_leads_back(chat: Chat) -> None:
    await chat.say("/hoi_dap")

    await chat.press("Tham gia có mất phí không?")

    assert chat.text.startswith("Đăng ký vào mạng lưới không mất phí.")
    await chat.press("faq:menu")
    assert "menu:register" in [b.payload for b in chat.options]


async def test_in_english(app: App) -> None:
    chat = Chat(app.router, language="en")

    await chat.say("/faq")
    assert chat.options[3].label == "Is there a fee?"
    await chat.say("4")  # a number, as on Zalo

    assert chat.text.startswith("Joining the network is free.")


async def test_an_imported_change_shows_at_once(app: App, chat: Chat) -> None:
    entries = list(load_faq_file())
    fee = next(e for e in entries if e.key == "fee")
    changed = fee.model_copy(update={"answer": fee.answer.model_copy(update={"vi": "Miễn phí."})})
    await app.router.services.faq.upsert([changed])

    await chat.say("dang ky co mat phi khong")

    assert chat.text == "Miễn phí."
