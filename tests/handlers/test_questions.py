"""Free text answered through the real router: with a fair's data, three options, or the menu."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.app import App
from tests.chat import Chat
from tests.fair_data import HANOI, make_fair, tap

pytestmark = pytest.mark.today


async def two_fairs(app: App) -> None:
    """A ceramics fair at Bát Tràng on 7 December, and a silk fair at Vạn Phúc in March."""
    await make_fair(app, "gom-2026", title_vi="Hội chợ gốm Bát Tràng", title_en="Ceramics fair")
    await make_fair(
        app,
        "lua-2027",
        title_vi="Ngày hội lụa Vạn Phúc",
        title_en="Vạn Phúc silk fair",
        sectors=["textile_silk", "embroidery"],
        starts_at=datetime(2027, 3, 5, 8, 0, tzinfo=HANOI),
        ends_at=datetime(2027, 3, 8, 21, 0, tzinfo=HANOI),
        apply_by=date(2027, 2, 22),
        venue_name="Làng lụa Vạn Phúc",
        venue_address="phố Vạn Phúc, phường Hà Đông, Hà Nội",
        venue_latitude=20.9805,
        venue_longitude=105.7760,
        booths=40,
    )


async def unanswered(app: App) -> list[tuple[str, int]]:
    return [(g.example, g.count) for g in await app.router.services.questions.unanswered()]


async def test_when_is_the_ceramics_fair_answers_with_its_dates_venue_and_booths(
    app: App, chat: Chat
) -> None:
    await two_fairs(app)

    await chat.say("hội chợ gốm khi nào")

    text = chat.text
    assert text.startswith("Hội chợ gốm Bát Tràng")
    assert "08:00, Thứ Hai, 7 tháng 12, 2026" in text
    assert "Bảo tàng Gốm sứ Kim Lan, xã Bát Tràng" in text
    assert "còn trống 3/3" in text
    assert "lụa" not in text  # the question was about ceramics, not the whole calendar
    assert [b.payload for b in chat.options] == ["fair:gom-2026:card", "fair:gom-2026:apply"]


async def test_without_diacritics_and_with_shorthand(app: App, chat: Chat) -> None:
    await two_fairs(app)

    await chat.say("hc lua o dau vay ad")

    assert chat.text.startswith("Ngày hội lụa Vạn Phúc\n📍 Làng lụa Vạn Phúc")
    assert chat.last.venue is not None and chat.last.venue.title == "Làng lụa Vạn Phúc"


async def test_any_booths_left_shows_what_is_free(app: App, chat: Chat) -> None:
    await two_fairs(app)

    await chat.say("con gian hang ko")

    assert "Gian hàng: còn trống 3/3" in chat.text
    assert "Gian hàng: còn trống 40/40" in chat.text


async def test_a_fair_by_place_and_a_fair_by_month(app: App, chat: Chat) -> None:
    await two_fairs(app)

    await chat.say("có hội chợ nào ở Bát Tràng không")
    assert "Hội chợ gốm Bát Tràng" in chat.text and "lụa" not in chat.text

    await chat.say("thang 3 co hoi cho ko")
    assert "Ngày hội lụa Vạn Phúc" in chat.text and "gốm" not in chat.text


async def test_no_fair_for_what_was_asked_says_so_and_shows_the_calendar(
    app: App, chat: Chat
) -> None:
    await two_fairs(app)

    await chat.say("hội chợ sơn mài")

    assert chat.text.startswith("Không tìm thấy hội chợ nào cho: sơn mài.")
    assert "Hội chợ gốm Bát Tràng" in chat.text  # the calendar follows


async def test_english_question_from_an_english_user(app: App) -> None:
    await two_fairs(app)
    chat = Chat(app.router, language="en")

    await chat.say("when is the ceramics fair?")

    assert "Opens 8:00\u202fAM, Monday, December 7, 2026" in chat.text  # Babel's narrow space
    assert "Booths: 3 of 3 free" in chat.text


async def test_someone_who_never_chose_a_language_is_answered_in_theirs(
    app: App, chat: Chat
) -> None:
    await two_fairs(app)

    await chat.say("where is the silk fair")
    assert chat.text.startswith("Vạn Phúc silk fair")

    await chat.say("hội chợ lụa ở đâu")
    assert chat.text.startswith("Ngày hội lụa Vạn Phúc")


async def test_how_to_register_starts_the_registration(chat: Chat) -> None:
    await chat.say("dk the nao")

    assert any(b.payload.startswith("reg:") for b in chat.options)


async def test_a_faq_question_gets_its_answer(chat: Chat) -> None:
    await chat.say("ocop la gi vay")

    assert chat.text.startswith("OCOP (Mỗi xã một sản phẩm)")
    assert [b.payload for b in chat.options] == ["faq:p:0", "faq:menu"]


async def test_unsure_offers_three_choices_and_the_choice_is_answered(app: App, chat: Chat) -> None:
    await chat.say("gian hang")

    assert chat.text == "Tôi chưa chắc đã hiểu đúng. Có phải bạn muốn hỏi:"
    assert len(chat.options) == 4 and chat.options[-1].label == "Không phải các ý trên"
    assert await unanswered(app) == [("gian hang", 1)]

    assert [b.label for b in chat.options[:3]] == [
        "Đăng ký gian hàng thế nào?",
        "Mỗi cơ sở được mấy gian?",
        "Gian hàng của tôi",
    ]

    await chat.press(1)

    assert chat.text.startswith("Cơ sở cần đăng ký vào mạng lưới trước.")
    assert await unanswered(app) == []  # the choice answered it


async def test_a_number_picks_an_option_on_channels_without_buttons(chat: Chat) -> None:
    await chat.say("gian hang")

    await chat.say("2")

    assert chat.text.startswith("Mỗi cơ sở được tối đa 2 gian cho một hội chợ")


async def test_nonsense_says_so_shows_the_menu_and_is_logged(app: App, chat: Chat) -> None:
    await chat.say("asdfgh qwerty")
    await chat.say("ASDFGH  qwerty!")

    assert chat.text.startswith("Xin lỗi, tôi chưa hiểu câu này.")
    assert "menu:register" in [b.payload for b in chat.options]
    assert await unanswered(app) == [("ASDFGH  qwerty!", 2)]


async def test_someone_elses_option_is_refused(app: App, chat: Chat) -> None:
    await chat.say("gian hang")
    other = Chat(app.router, external_id="u2")

    await tap(other, chat.options[0].payload)

    assert other.text.startswith("Lựa chọn này không còn hiệu lực.")
    assert await unanswered(app) == [("gian hang", 1)]
    entries, _total = await app.router.services.audit.repo.page(0, 10)
    assert [(e.outcome, e.target, e.after["reason"]) for e in entries] == [
        ("refused", chat.options[0].payload, "someone else's question")
    ]
    assert entries[0].actor.startswith("console:u2")


async def test_the_deadline_question_carries_each_fairs_deadline(app: App, chat: Chat) -> None:
    await two_fairs(app)

    await chat.say("han chot dang ky gian hang la khi nao")

    assert chat.text.startswith("Mỗi hội chợ có hạn đăng ký riêng")
    assert "• Hội chợ gốm Bát Tràng: hạn đăng ký Thứ Ba, 1 tháng 12, 2026" in chat.text
    assert "• Ngày hội lụa Vạn Phúc: hạn đăng ký Thứ Hai, 22 tháng 2, 2027" in chat.text
