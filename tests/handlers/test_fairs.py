"""/hoi_cho: the calendar page by page, past fairs, a fair's card, its .ics file, deep links."""

from __future__ import annotations

from datetime import datetime

import pytest
from icalendar import Calendar

from bot.app import App
from tests.chat import Chat
from tests.fair_data import HANOI, load_samples, make_fair, tap

pytestmark = pytest.mark.today


async def test_upcoming_fairs_soonest_first_five_a_page(app: App, chat: Chat) -> None:
    await load_samples(app)
    await make_fair(app, "cuoi-nam-2026", title_vi="Hội chợ cuối năm")  # 7 December, the soonest
    await make_fair(
        app,
        "he-2027",
        title_vi="Hội chợ mùa hè",
        starts_at=datetime(2027, 7, 1, 8, 0, tzinfo=HANOI),
        ends_at=datetime(2027, 7, 3, 20, 0, tzinfo=HANOI),
        apply_by=datetime(2027, 6, 20).date(),
    )

    await chat.say("/hoi_cho")

    text = chat.text
    assert "(1–5 / 7)" in text
    assert text.index("Hội chợ cuối năm") < text.index("ngành gốm sứ 2026 (mẫu)")
    assert "Thứ Năm, 10 tháng 12, 2026 – Thứ Hai, 14 tháng 12, 2026" in text
    assert "Gian hàng: còn trống 80/80" in text
    assert "Thứ Ba, 1 tháng 12, 2026" in text  # apply by
    assert "2021" not in text  # past fairs are not mixed in
    assert "Hội chợ mùa hè" not in text
    assert [b.payload for b in chat.options][:2] == [
        "fair:cuoi-nam-2026:card",
        "fair:gom-su-kim-lan-2026:card",
    ]

    await chat.press("fairs:up:1")
    assert "Hội chợ mùa hè" in chat.text and "Sơn mài Hạ Thái" in chat.text
    assert "fairs:up:0" in [b.payload for b in chat.options]  # Previous
    assert "fairs:up:2" not in [b.payload for b in chat.options]  # no Next on the last page


async def test_the_menu_entry_shows_the_same_calendar(app: App, chat: Chat) -> None:
    await load_samples(app)
    await chat.say("/menu")
    await chat.press("menu:fairs")
    assert "Phiên chợ Tết" in chat.text


async def test_past_fairs_on_request_latest_first(app: App, chat: Chat) -> None:
    await load_samples(app)
    await chat.say("/hoi_cho")
    await chat.press("fairs:past:0")

    text = chat.text
    assert text.index("gốm sứ 2024") < text.index("phía Bắc") < text.index("2021")
    assert "270" in text

    await chat.press("fair:cnnt-tieu-bieu-phia-bac-2024:card")
    assert "fair:cnnt-tieu-bieu-phia-bac-2024:apply" not in [b.payload for b in chat.options]
    assert chat.last.venue is not None


async def test_no_upcoming_fair(app: App, chat: Chat) -> None:
    await chat.say("/hoi_cho")
    assert [b.payload for b in chat.options] == ["fairs:past:0"]


async def test_the_card_shows_what_when_where_and_booths(app: App, chat: Chat) -> None:
    await load_samples(app)
    await chat.say("/hoi_cho")
    await chat.press("fair:tet-ocop-2027:card")

    card = chat.last
    assert "Phiên chợ Tết sản phẩm OCOP" in card.text
    assert "ưu tiên sản phẩm OCOP 3–5 sao" in card.text  # the description
    assert "08:00, Thứ Tư, 20 tháng 1, 2027" in card.text
    assert "120" in card.text
    assert "https://t.me/ketnoi_hanoi_bot?start=fair_tet-ocop-2027" in card.text
    assert card.venue is not None
    assert (card.venue.title, card.venue.latitude, card.venue.longitude) == (
        "Cung Văn hóa Hữu nghị Việt Xô",
        21.0235,
        105.845,
    )
    assert [b.payload for b in card.options] == [
        "fair:tet-ocop-2027:apply",
        "fair:tet-ocop-2027:ics",
        "fair:tet-ocop-2027:follow",
        "fairs:up:0",
    ]


async def test_english_speakers_read_english(app: App) -> None:
    await load_samples(app)
    chat = Chat(app.router, language="en")
    await chat.say("/fairs")
    assert "Network connection fair: ceramics 2026 (sample)" in chat.text
    assert "Thursday, December 10, 2026 – Monday, December 14, 2026" in chat.text


async def test_the_calendar_file(app: App, chat: Chat) -> None:
    await load_samples(app)
    await chat.say("/start fair_gom-su-kim-lan-2026")
    await chat.press("fair:gom-su-kim-lan-2026:ics")

    document = chat.last.document
    assert document is not None
    assert (document.filename, document.mime_type) == ("gom-su-kim-lan-2026.ics", "text/calendar")
    calendar = Calendar.from_ical(document.content)
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == "gom-su-kim-lan-2026@ketnoi"
    assert event.decoded("DTSTART") == datetime(2026, 12, 10, 8, 0, tzinfo=HANOI)
    assert event.decoded("DTSTART").tzinfo.key == "Asia/Ho_Chi_Minh"
    assert event.decoded("DTEND") == datetime(2026, 12, 14, 21, 0, tzinfo=HANOI)
    assert str(event["LOCATION"]) == "Bảo tàng Gốm sứ Kim Lan, xã Bát Tràng, Hà Nội"
    assert (event["GEO"].latitude, event["GEO"].longitude) == (20.9665, 105.9205)
    assert "Bát Tràng, Kim Lan, Giang Cao" in str(event["DESCRIPTION"])
    assert calendar.subcomponents[0].name == "VTIMEZONE"
    await chat.say("1")  # typed on a channel without buttons: back to the fair's card
    assert chat.last.venue is not None and "gian hàng" in chat.text.lower()


async def test_deep_links_known_unknown_and_past(app: App, chat: Chat) -> None:
    await load_samples(app)

    await chat.say("/start fair_lua-van-phuc-2027")
    assert chat.last.venue is not None and "lụa Vạn Phúc" in chat.text

    await chat.say("/start fair_khong-co-2099")
    assert chat.last.venue is None
    assert "fair:gom-su-kim-lan-2026:card" in [b.payload for b in chat.options]

    await chat.say("/start fair_gom-su-kim-lan-2024")
    assert "gốm sứ 2024" in chat.text
    assert not any(b.payload.endswith(":apply") for b in chat.options)


async def test_remind_me_is_remembered_for_the_reminders(app: App, chat: Chat) -> None:
    fair = await make_fair(app)
    await chat.say("/start fair_test-fair")
    await chat.press("fair:test-fair:follow")

    assert "Bot sẽ nhắc bạn về “Hội chợ thử nghiệm” trước khi khai mạc." in chat.replies[-2].text
    assert "fair:test-fair:unfollow" in [b.payload for b in chat.options]
    user = await app.router.services.users.find(chat.user)
    assert user is not None
    assert await app.router.services.fairs.followers(fair.id) == [user.account_id]


async def test_stop_reminding(app: App, chat: Chat) -> None:
    fair = await make_fair(app)
    await chat.say("/start fair_test-fair")
    await chat.press("fair:test-fair:follow")
    await chat.press("fair:test-fair:unfollow")
    assert "fair:test-fair:follow" in [b.payload for b in chat.options]
    assert await app.router.services.fairs.followers(fair.id) == []


async def test_a_stale_fair_button(app: App, chat: Chat) -> None:
    await load_samples(app)
    await chat.say("/hoi_cho")
    await tap(chat, "fair:removed-key:card")
    assert "fair:gom-su-kim-lan-2026:card" in [b.payload for b in chat.options]
