"""Registration through the real router: buttons or typed numbers, Back, editing from the
summary, resuming after a restart, and a registration already sent."""

from __future__ import annotations

import re

from bot.app import App
from bot.core.config import Settings
from bot.core.types import Incoming, Kind, Reply
from bot.dialog.router import Turn
from handlers.registration import begin
from storage.enterprises import EnterpriseStatus
from tests.chat import Chat
from tests.handlers.registration_walk import (
    BAT_TRANG,
    outbox_for,
    register,
    stored,
    to_summary,
)

REFERENCE = re.compile(r"HN-\d{4}-\d{6}")


async def en(app: App, external_id: str = "u1") -> Chat:
    """A user who chose English."""
    chat = Chat(app.router, external_id=external_id)
    await chat.say("/language")
    await chat.press("lang:en")
    return chat


async def test_a_producer_registers_with_buttons_and_gets_a_reference(app: App) -> None:
    chat = await en(app)
    await to_summary(chat)
    summary = chat.text
    for shown in (
        "Cơ sở gốm Minh Hải",
        "Household business",
        "Producer",
        "Ceramics",
        "Bát Tràng commune, Hanoi",
        "Nguyễn Thị Lan",
        "0912 345 678",
        "001085012345",
        "4 stars",
        "Energy saving",
    ):
        assert shown in summary
    await chat.press("reg:summary:confirm")
    assert REFERENCE.search(chat.text)
    e = await stored(app, chat)
    assert e is not None
    assert e.reference in chat.text
    assert e.status is EnterpriseStatus.PENDING
    assert (e.kind, e.roles, e.sectors, e.ward_code) == (
        "household",
        ["producer"],
        ["ceramics"],
        BAT_TRANG,
    )
    assert (e.phone, e.tax_code, e.ocop_stars) == ("+84912345678", "001085012345", 4)
    assert e.practices == ["energy_saving"]
    assert e.address == "Thôn 3, đường Giang Cao"
    admin = Chat(app.router, external_id="admin")
    [notice] = await outbox_for(app, admin)
    assert e.reference in notice.replies[0].text
    assert {b.payload for b in notice.replies[0].options} == {
        f"regadm:ok:{e.id}",
        f"regadm:no:{e.id}",
    }


async def test_a_zalo_user_answers_everything_by_typing(app: App) -> None:
    chat = await en(app)
    answers = [
        "/dang_ky",
        "1",  # I agree
        "Hợp tác xã mây tre đan Phú Vinh",
        "2",  # cooperative
        "1 2",  # supplier and producer
        "4, 15",  # bamboo and rattan, other
        "phu vinh",
        "1",
        "1",  # skip the address
        "Trần Văn Hùng",
        "024 3825 1234",
        "0100109106",
        "Giỏ mây, khay tre",
    ]
    for line in answers:
        await chat.say(line)
    assert "OCOP" in chat.text
    await chat.say("5")
    await chat.say("3 5")
    assert "May other members of the network" in chat.text
    await chat.say("khong")  # not findable, typed
    assert "Please check your registration" in chat.text
    await chat.say("1")  # Confirm and send
    e = await stored(app, chat)
    assert e is not None
    assert e.kind == "cooperative"
    assert e.roles == ["supplier", "producer"]
    assert e.sectors == ["bamboo_rattan", "other"]
    assert e.address is None
    assert (e.phone, e.tax_code, e.ocop_stars) == ("+842438251234", "0100109106", 5)
    assert e.practices == ["recycled_materials", "less_plastic"]


async def test_ticking_marks_an_option_and_done_needs_one(app: App) -> None:
    chat = await en(app)
    await chat.say("/dang_ky")
    await chat.press("reg:consent:yes")
    await chat.say("Cơ sở gốm Minh Hải")
    await chat.press("reg:kind:household")
    first = chat.last
    await chat.press("reg:roles:producer")
    assert chat.find("reg:roles:producer").label == "✓ Producer"
    assert chat.last.edit_key == first.edit_key  # Telegram edits the message in place
    await chat.press("reg:roles:producer")
    assert chat.find("reg:roles:producer").label == "Producer"
    await chat.press("reg:roles:done")
    assert "at least one role" in chat.text
    await chat.press("reg:roles:consumer")
    await chat.press("reg:roles:distributor")
    await chat.press("reg:roles:done")
    assert "Which crafts" in chat.text
    await chat.press("reg:sectors:food")
    await chat.press("reg:sectors:done")
    await chat.say("Hà Đông")
    await chat.press(1)
    for _ in range(10):  # back to the roles: the ticks are still there
        if "role in the chain" in chat.text:
            break
        await chat.press("Back")
    assert chat.find("reg:roles:distributor").label == "✓ Distributor or retailer"
    assert chat.find("reg:roles:consumer").label == "✓ Consumer or buyer"


async def test_none_yet_cannot_go_with_a_practice(app: App) -> None:
    chat = await en(app)
    await to_summary(chat)
    await chat.press("reg:summary:edit:practices")
    await chat.press("reg:practices:none_yet")
    assert chat.find("reg:practices:energy_saving").label == "Energy saving"
    await chat.press("reg:practices:eco_label")
    assert chat.find("reg:practices:none_yet").label == "None yet"
    await chat.press("reg:practices:done")
    assert "Sustainable practices: Eco-label" in chat.text


async def test_back_goes_to_the_previous_question_and_keeps_the_answers(app: App) -> None:
    chat = await en(app)
    await chat.say("/dang_ky")
    await chat.press("reg:consent:yes")
    await chat.say("Cơ sở gốm Minh Hải")
    await chat.press("Back")
    assert "name of your establishment" in chat.text
    await chat.press("Back")
    assert "Do you agree?" in chat.text
    await chat.press("reg:consent:yes")
    await chat.say("Cơ sở sơn mài Hạ Thái")
    await chat.press("reg:kind:company")
    await chat.say("2 5")  # producer, Done
    await chat.say("2 16")  # lacquer, Done
    await chat.say("van phuc")
    await chat.press("None of these")
    assert "ward or commune" in chat.text
    await chat.say("Hạ Thái")
    await chat.press(1)
    await chat.press("Skip")
    await chat.press("Back")  # the address again, not the list of wards
    assert "street address" in chat.text
    await chat.press("Back")
    assert "ward or commune" in chat.text


async def test_editing_from_the_summary_comes_back_to_it(app: App) -> None:
    chat = await en(app)
    await to_summary(chat)
    await chat.press("reg:summary:edit:name")
    assert "Now: Cơ sở gốm Minh Hải" in chat.text
    await chat.say("Xưởng gốm Minh Hải")
    assert "Please check your registration" in chat.text
    assert "Establishment name: Xưởng gốm Minh Hải" in chat.text
    await chat.press("reg:summary:edit:place")
    await chat.press("Outside Hanoi")
    await chat.say("bac ninh")
    await chat.press("Bắc Ninh")
    assert "Place: Bắc Ninh" in chat.text
    await chat.press("reg:summary:edit:phone")
    await chat.press("Back")
    assert "Phone: 0912 345 678" in chat.text
    await chat.press("reg:summary:edit:kind")
    await chat.press("reg:kind:company")  # a company needs a tax code, not a personal id
    assert "10-digit tax code" in chat.text
    await chat.say("0100109106")
    assert "Kind: Company" in chat.text
    assert "Tax code: 0100109106" in chat.text
    await chat.press("reg:summary:back")
    assert "May other members of the network" in chat.text  # the question before the summary
    await chat.press("reg:findable:no")
    await chat.press("reg:summary:confirm")
    e = await stored(app, chat)
    assert e is not None
    assert (e.name, e.province, e.ward_code) == ("Xưởng gốm Minh Hải", "Bắc Ninh", None)


async def test_a_restart_loses_nothing(settings: Settings) -> None:
    first = App(settings)
    await first.open()
    chat = await en(first)
    await chat.say("/dang_ky")
    await chat.press("reg:consent:yes")
    await chat.say("Cơ sở gốm Minh Hải")
    await chat.press("reg:kind:household")
    await chat.say("2 5")  # producer, Done
    await first.close()

    second = App(settings)
    await second.open()
    try:
        chat = await en(second)
        await chat.say("/dang_ky")
        assert "Welcome back" in chat.text
        assert "Which crafts" in chat.text
        await chat.say("1 16")  # ceramics, Done
        assert "ward or commune" in chat.text
        await second.close()
        third = App(settings)
        await third.open()
        second = third
        chat = await en(third)
        await chat.say("bat trang")  # no command needed: the flow goes on
        await chat.press(f"reg:ward_pick:{BAT_TRANG}")
        await chat.press("Skip")
        await chat.say("Nguyễn Thị Lan")
        await chat.say("0912345678")
        await chat.press("Skip")
        await chat.press("Skip")
        await chat.press("No OCOP")
        await chat.say("6")
        await chat.say("co")  # findable, typed
        assert "Found by other members: yes" in chat.text
        assert "Establishment name: Cơ sở gốm Minh Hải" in chat.text
        assert "Role in the chain: Producer" in chat.text
        await chat.press("reg:summary:confirm")
        assert REFERENCE.search(chat.text)
    finally:
        await second.close()


async def test_registering_again_shows_the_registration(app: App) -> None:
    chat = await en(app)
    await register(chat)
    await chat.say("/register")
    assert "Your registration HN-" in chat.text
    assert "Status: waiting for review" in chat.text
    await chat.say("/menu")
    await chat.press("menu:register")
    assert "Your registration HN-" in chat.text


async def test_a_booth_application_continues_after_registering(app: App) -> None:
    async def apply(turn: Turn) -> list[Reply]:
        return await begin(turn, resume="fair:gom-su-2026:apply")

    app.router.command(("thu_nop_don",), apply)
    chat = await en(app)
    await chat.say("/thu_nop_don")
    assert "Do you agree?" in chat.text
    await register(chat)
    assert REFERENCE.search(chat.text)
    assert chat.find("fair:gom-su-2026:apply")
    await chat.say("/thu_nop_don")  # registered: the registration, and the way on
    assert "Your registration HN-" in chat.text
    assert chat.find("fair:gom-su-2026:apply")


async def test_declining_keeps_nothing_and_cancelling_pauses(app: App) -> None:
    chat = await en(app)
    await chat.say("/dang_ky")
    await chat.press("No, thanks")
    assert "nothing was saved" in chat.text
    await chat.say("/dang_ky")
    await chat.press("reg:consent:yes")
    await chat.say("Cơ sở gốm Minh Hải")
    await chat.say("/huy")
    assert chat.text.startswith("Paused.")  # as the consent text and the FAQ say: kept
    await chat.say("/dang_ky")
    assert "Welcome back" in chat.text
    assert "What kind of establishment" in chat.text
    assert await stored(app, chat) is None


async def test_an_old_button_is_answered_with_the_current_question(app: App) -> None:
    chat = await en(app)
    await chat.say("/dang_ky")
    await chat.press("reg:consent:yes")
    await chat.say("Cơ sở gốm Minh Hải")
    # pressed again, on the first message
    await chat.send(Incoming(user=chat.user, kind=Kind.BUTTON, payload="reg:consent:yes"))
    assert "earlier question" in chat.text
    assert "What kind of establishment" in chat.text


async def test_registration_is_spoken_in_vietnamese_by_default(app: App, chat: Chat) -> None:
    await chat.say("/dang_ky")
    assert "Bạn có đồng ý" in chat.text
    await chat.press("reg:consent:yes")
    assert "Tên cơ sở" in chat.text


async def test_a_question_typed_before_consent_is_answered_not_looped(app: App, chat: Chat) -> None:
    await chat.say("/dang_ky")
    consent = chat.text
    await chat.say("hoi cho gom su khi nao")
    assert chat.text != consent and "Bạn vui lòng chọn" not in chat.text
    user = await app.router.services.users.find(chat.user)
    assert user is not None
    assert (await app.router.services.conversations.get(user.id)).flow is None


async def test_typing_no_at_consent_leaves_without_saving(app: App, chat: Chat) -> None:
    await chat.say("/dang_ky")
    await chat.say("không")
    assert chat.text.startswith("Vâng, chưa có thông tin nào được lưu.")
