"""Applying for a booth from a fair's card: the questions, the checks, the edge cases."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from bot.app import App
from bot.services.fair_import import import_fairs
from storage.booths import BoothStatus
from storage.enterprises import EnterpriseStatus
from storage.fairs import FairStatus
from tests.chat import Chat
from tests.fair_data import (
    HANOI,
    TODAY,
    fair_fields,
    make_fair,
    outbox_rows,
    register_enterprise,
    tap,
)
from tests.handlers.registration_walk import to_summary


@pytest.fixture(autouse=True)
def _today(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(TODAY, tick=True)


async def _apply(chat: Chat, booths: str = "2", key: str = "test-fair") -> None:
    await chat.say(f"/start fair_{key}")
    await chat.press(f"fair:{key}:apply")
    await chat.say(booths)
    await chat.say("Bát đĩa men lam, lọ hoa")
    await chat.press("apply:needs:power")


async def _flow(app: App, chat: Chat) -> str | None:
    user = await app.router.services.users.find(chat.user)
    assert user is not None
    return (await app.router.services.conversations.get(user.id)).flow


async def _applications(app: App) -> list[tuple[str, BoothStatus, int]]:
    rows = await app.db.fetchall(
        "SELECT e.name, a.status, a.booths FROM booth_applications a"
        " JOIN enterprises e ON e.id = a.enterprise_id ORDER BY a.id"
    )
    return [(r[0], BoothStatus(r[1]), r[2]) for r in rows]


async def test_an_invisible_answer_gets_the_question_again(app: App, chat: Chat) -> None:
    await make_fair(app, booths=3)
    await register_enterprise(app, chat)
    await chat.say("/start fair_test-fair")
    await chat.press("fair:test-fair:apply")
    await chat.say("2")
    await chat.say("\u2066\u2069\u200b")
    assert chat.text.startswith("Tôi không đọc được tin nhắn này")
    assert "Bạn sẽ trưng bày sản phẩm gì?" in chat.text  # the question, once more
    await chat.say("Bát đĩa men lam, lọ hoa")
    await chat.press("apply:needs:power")
    assert "2 gian" in chat.text and "Bát đĩa men lam, lọ hoa" in chat.text  # nothing lost


async def test_a_registered_producer_applies(app: App, chat: Chat) -> None:
    await make_fair(app, booths=3)
    await register_enterprise(app, chat)
    await _apply(chat)

    summary = chat.text
    assert "Hội chợ thử nghiệm" in summary
    assert "Cơ sở gốm Minh Hải" in summary
    assert "2 gian" in summary
    assert "Bát đĩa men lam, lọ hoa" in summary
    assert "Nhu cầu đặc biệt: Điện" in summary
    assert await _applications(app) == []  # nothing stored before Confirm

    await chat.press("apply:confirm")

    assert "gian hàng đã được giữ cho bạn" in chat.text
    assert await _applications(app) == [("Cơ sở gốm Minh Hải", BoothStatus.ALLOCATED, 2)]
    await chat.say("/hoi_cho")
    assert "Gian hàng: còn trống 1/3" in chat.text
    # the owners (KETNOI_ADMINS=console:admin) get a Review button
    admin = Chat(app.router, external_id="admin")
    [notice] = await outbox_rows(app, admin)
    assert "Cơ sở gốm Minh Hải" in notice.replies[0].text
    assert notice.replies[0].options[0].payload.startswith("boothadm:")


async def test_numbers_typed_as_people_type_them(app: App, chat: Chat) -> None:
    await make_fair(app, booths=3)
    await register_enterprise(app, chat)
    await chat.say("/start fair_test-fair")
    await chat.press("fair:test-fair:apply")
    assert [b.label for b in chat.options] == ["1", "2"]

    await chat.say("hai gian")
    assert "Bạn sẽ trưng bày sản phẩm gì?" in chat.text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("nhiều", "Vui lòng trả lời bằng một con số, ví dụ 1."),
        ("3", "Không thể đăng ký 3 gian: hãy chọn từ 1 đến 2 gian."),
        ("0", "Không thể đăng ký 0 gian"),
        ("1.5", "Vui lòng trả lời bằng một con số"),
    ],
)
async def test_bad_booth_counts_are_asked_again(
    app: App, chat: Chat, typed: str, expected: str
) -> None:
    await make_fair(app, booths=3)
    await register_enterprise(app, chat)
    await chat.say("/start fair_test-fair")
    await chat.press("fair:test-fair:apply")

    await chat.say(typed)

    assert expected in chat.text
    assert "Bạn cần bao nhiêu gian hàng" in chat.text
    await chat.say("1")
    assert "Bạn sẽ trưng bày sản phẩm gì?" in chat.text


async def test_a_forged_booth_count_button_is_refused(app: App, chat: Chat) -> None:
    await make_fair(app, booths=3)
    await register_enterprise(app, chat)
    await chat.say("/start fair_test-fair")
    await chat.press("fair:test-fair:apply")
    await tap(chat, "apply:booths:9")
    assert "Không thể đăng ký 9 gian" in chat.text


async def test_products_and_needs_can_be_typed(app: App, chat: Chat) -> None:
    await make_fair(app, booths=3)
    await register_enterprise(app, chat)
    await chat.say("/start fair_test-fair")
    await chat.press("fair:test-fair:apply")
    await chat.say("1")
    await chat.say("ab")
    assert "trong khoảng 3 đến 500 ký tự" in chat.text
    await chat.press("apply:products:same")  # "as in my registration"
    await chat.say("Ổ cắm 2 kW và một vòi nước")
    assert "Sản phẩm: Bát đĩa men lam" in chat.text
    assert "Nhu cầu đặc biệt: Ổ cắm 2 kW và một vòi nước" in chat.text


async def test_not_registered_registers_first_then_comes_back(app: App, chat: Chat) -> None:
    await make_fair(app, booths=3)
    await chat.say("/start fair_test-fair")
    await chat.press("fair:test-fair:apply")
    assert "cần đăng ký tham gia mạng lưới trước" in chat.text

    await chat.press("fair:test-fair:register")
    await to_summary(chat)
    await chat.press("reg:summary:confirm")
    assert "fair:test-fair:apply" in [b.payload for b in chat.options]

    await chat.press("fair:test-fair:apply")
    assert "Bạn cần bao nhiêu gian hàng tại “Hội chợ thử nghiệm”?" in chat.text
    await chat.press("apply:booths:1")
    await chat.say("Bát đĩa")
    await chat.press("apply:needs:none")
    await chat.press("apply:confirm")
    assert await _applications(app) == [("Cơ sở gốm Minh Hải", BoothStatus.ALLOCATED, 1)]


async def test_a_rejected_registration_cannot_apply(app: App, chat: Chat) -> None:
    await make_fair(app)
    await register_enterprise(app, chat, status=EnterpriseStatus.REJECTED)
    await chat.say("/start fair_test-fair")
    await chat.press("fair:test-fair:apply")
    assert "chưa được chấp nhận" in chat.text
    assert await _flow(app, chat) is None


async def test_applying_twice_shows_the_existing_application(app: App, chat: Chat) -> None:
    await make_fair(app, booths=3)
    await register_enterprise(app, chat)
    await _apply(chat, "1")
    await chat.press("apply:confirm")

    await chat.say("/start fair_test-fair")
    assert "fair:test-fair:apply" not in [b.payload for b in chat.options]
    await tap(chat, "fair:test-fair:apply")  # the old button, still on the screen

    assert "Bạn đã đăng ký hội chợ này rồi" in chat.text
    assert "1 gian · đã giữ gian, chờ Sở Công Thương duyệt" in chat.text
    assert len(await _applications(app)) == 1


async def test_applications_close_after_apply_by(
    app: App, chat: Chat, time_machine: time_machine.TimeMachineFixture
) -> None:
    await make_fair(app)  # apply by 1 December, opens 7 December
    await register_enterprise(app, chat)
    time_machine.move_to(datetime(2026, 12, 1, 23, 59, tzinfo=HANOI), tick=True)
    await chat.say("/start fair_test-fair")
    assert "fair:test-fair:apply" in [b.payload for b in chat.options]

    time_machine.move_to(datetime(2026, 12, 2, 0, 1, tzinfo=HANOI), tick=True)
    await chat.say("/start fair_test-fair")
    assert "Đã hết hạn đăng ký từ Thứ Ba, 1 tháng 12, 2026." in chat.text
    assert "fair:test-fair:apply" not in [b.payload for b in chat.options]
    await tap(chat, "fair:test-fair:apply")
    assert "đã hết hạn đăng ký gian hàng từ Thứ Ba, 1 tháng 12, 2026" in chat.text


async def test_applications_close_when_the_fair_starts(
    app: App, chat: Chat, time_machine: time_machine.TimeMachineFixture
) -> None:
    # apply_by on the opening day: the opening hour closes applications
    await make_fair(app, apply_by=datetime(2026, 12, 7).date())
    await register_enterprise(app, chat)
    await chat.say("/start fair_test-fair")
    await chat.press("fair:test-fair:apply")
    await chat.say("1")
    await chat.say("Bát đĩa")
    await chat.press("apply:needs:none")

    time_machine.move_to(datetime(2026, 12, 7, 8, 1, tzinfo=HANOI), tick=True)
    await chat.press("apply:confirm")

    assert "đã hết hạn đăng ký gian hàng" in chat.text
    assert await _applications(app) == []


async def test_a_fair_cancelled_in_the_middle_of_an_application(app: App, chat: Chat) -> None:
    await make_fair(app)
    await register_enterprise(app, chat)
    await _apply(chat, "1")

    await import_fairs(app.router.services, [fair_fields(status=FairStatus.CANCELLED)])
    await chat.press("apply:confirm")

    assert "Sở Công Thương đã hủy hội chợ này." in chat.text
    assert await _applications(app) == []
    assert await _flow(app, chat) is None


async def test_dates_changed_in_the_middle_ask_for_confirmation_again(app: App, chat: Chat) -> None:
    fair = await make_fair(app)
    await register_enterprise(app, chat)
    await _apply(chat, "1")
    later = fair.starts_at + timedelta(days=1)
    await import_fairs(
        app.router.services, [fair_fields(starts_at=later, ends_at=later + timedelta(days=2))]
    )

    await chat.press("apply:confirm")
    assert "Hội chợ vừa đổi thời gian trong lúc bạn đăng ký" in chat.text
    assert "Thứ Ba, 8 tháng 12, 2026" in chat.text
    assert await _applications(app) == []

    await chat.press("apply:confirm")
    assert await _applications(app) == [("Cơ sở gốm Minh Hải", BoothStatus.ALLOCATED, 1)]


async def test_the_last_booths_put_the_next_applicant_on_the_waiting_list(app: App) -> None:
    await make_fair(app, booths=2)
    first, second = Chat(app.router, "a"), Chat(app.router, "b")
    await register_enterprise(app, first, name="Cơ sở A")
    await register_enterprise(app, second, name="Cơ sở B")
    await _apply(first, "2")
    await first.press("apply:confirm")

    await _apply(second, "1")
    assert "Hiện chỉ còn 0 gian trống" in second.text
    await second.press("apply:confirm")

    assert "danh sách chờ, số thứ tự 1" in second.text
    assert await _applications(app) == [
        ("Cơ sở A", BoothStatus.ALLOCATED, 2),
        ("Cơ sở B", BoothStatus.WAITLISTED, 1),
    ]


async def test_cancel_leaves_the_application(app: App, chat: Chat) -> None:
    await make_fair(app)
    await register_enterprise(app, chat)
    await chat.say("/start fair_test-fair")
    await chat.press("fair:test-fair:apply")
    await chat.say("/huy")
    await chat.say("2")  # no longer an answer to "how many booths"
    assert await _applications(app) == []
    await tap(chat, "apply:confirm")
    assert await _applications(app) == []
