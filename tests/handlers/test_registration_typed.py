"""What producers type at the registration's steps: a question typed mid-flow is answered and
the question asked again, never stored as the answer; back words go back; text that may be
either is asked about."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.core.types import Attachment, Incoming, Kind
from tests.chat import Chat
from tests.handlers.registration_walk import register, stored, to_summary

NAME_ASKED = "Tên cơ sở của bạn là gì?"


async def at_name(app: App) -> Chat:
    """A producer just asked the name of her business (in Vietnamese)."""
    chat = Chat(app.router)
    await chat.say("/dang_ky")
    await chat.press("reg:consent:yes")
    return chat


async def at_products(app: App) -> Chat:
    """A producer just asked what she makes."""
    chat = await at_name(app)
    await chat.say("Cơ sở gốm Minh Hải")
    await chat.press("reg:kind:household")
    await chat.press("reg:roles:producer")
    await chat.press("reg:roles:done")
    await chat.press("reg:sectors:ceramics")
    await chat.press("reg:sectors:done")
    await chat.say("bat trang")
    await chat.say("Thôn 3, đường Giang Cao")
    await chat.say("Nguyễn Thị Lan")
    await chat.say("0912 345 678")
    await chat.press("reg:tax_code:skip")
    return chat


async def conversation(app: App, chat: Chat) -> tuple[str | None, dict[str, object]]:
    """The step the chat's user is at, and the answers kept."""
    user = await app.router.services.users.find(chat.user)
    assert user is not None
    conv = await app.router.services.conversations.get(user.id)
    return conv.step, conv.data.get("answers", {})


async def test_a_question_typed_at_the_name_is_answered_not_saved(app: App) -> None:
    chat = await at_name(app)
    replies = await chat.say("hoi cho gom khi nao")
    assert "hội chợ" in replies[0].text.lower()  # the fairs asked about (none yet)
    assert replies[-1].text.startswith(NAME_ASKED)
    step, answers = await conversation(app, chat)
    assert step == "name" and "name" not in answers
    await chat.say("Cơ sở gốm Minh Hải")
    step, answers = await conversation(app, chat)
    assert step == "kind" and answers["name"] == "Cơ sở gốm Minh Hải"


async def test_a_question_at_products_is_answered_and_back_words_go_back(app: App) -> None:
    chat = await at_products(app)
    products = chat.text
    replies = await chat.say("con gian hang khong")
    assert replies[-1].text == products
    step, answers = await conversation(app, chat)
    assert step == "products" and "products" not in answers
    await chat.say("sai roi")
    step, answers = await conversation(app, chat)
    assert step == "tax_code" and "products" not in answers


async def test_text_that_may_be_a_question_is_asked_about(app: App) -> None:
    chat = await at_name(app)
    await chat.say("cai nay la gi")
    assert "«cai nay la gi»" in chat.text
    assert NAME_ASKED in chat.text
    await chat.say("khong")  # it was a question: noted for staff, the name asked again
    assert chat.text.startswith(NAME_ASKED)
    step, answers = await conversation(app, chat)
    assert step == "name" and "name" not in answers
    rows = await app.router.services.questions.unanswered()
    assert [q.example for q in rows] == ["cai nay la gi"]


async def test_text_that_may_be_a_question_is_the_answer_when_she_says_so(app: App) -> None:
    chat = await at_name(app)
    await chat.say("Gốm gì cũng làm")
    assert "«Gốm gì cũng làm»" in chat.text
    await chat.say("có")
    step, answers = await conversation(app, chat)
    assert step == "kind" and answers["name"] == "Gốm gì cũng làm"


@pytest.mark.parametrize("yes", ["co", "Có", "uh dung roi"])
async def test_a_typed_yes_takes_the_new_number_of_an_old_phone(app: App, yes: str) -> None:
    chat = await at_name(app)
    await chat.say("Cơ sở gốm Minh Hải")
    await chat.press("reg:kind:household")
    await chat.press("reg:roles:producer")
    await chat.press("reg:roles:done")
    await chat.press("reg:sectors:ceramics")
    await chat.press("reg:sectors:done")
    await chat.say("bat trang")
    await chat.say("Thôn 3, đường Giang Cao")
    await chat.say("Nguyễn Thị Lan")
    await chat.say("0162 123 4567")
    assert "0321 234 567" in chat.text
    await chat.say(yes)
    step, answers = await conversation(app, chat)
    assert step == "tax_code" and answers["phone"] == "+84321234567"


@pytest.mark.parametrize("yes", ["xac nhan", "gui di", "dong y", "ok gui di", "Xác nhận"])
async def test_a_typed_yes_sends_the_registration(app: App, yes: str) -> None:
    chat = Chat(app.router)
    await to_summary(chat)
    await chat.say(yes)
    e = await stored(app, chat)
    assert e is not None and e.name == "Cơ sở gốm Minh Hải"
    assert "Mã hồ sơ:" in chat.text


async def test_zalo_numbers_typed_one_by_one_add_up_until_done(app: App) -> None:
    chat = Chat(app.router, channel="zalo")
    await chat.say("/dang_ky")
    await chat.say("1")  # I agree
    await chat.say("Lụa Vạn Phúc")
    await chat.say("1")  # household
    await chat.say("2")  # producer
    assert chat.text.startswith("Đã chọn: Nhà sản xuất.")
    await chat.say("3")  # distributor, not the next question's embroidery
    step, answers = await conversation(app, chat)
    assert step == "roles" and answers["roles"] == ["producer", "distributor"]
    await chat.say("5")  # Done
    step, answers = await conversation(app, chat)
    assert step == "sectors" and "sectors" not in answers
    await chat.say("xong")
    step, answers = await conversation(app, chat)
    assert step == "sectors"  # nothing ticked yet: Done needs one
    await chat.say("det lua")
    await chat.say("xong")
    step, answers = await conversation(app, chat)
    assert step == "ward" and answers["sectors"] == ["textile_silk"]


async def test_zalo_several_numbers_at_once_answer_the_question(app: App) -> None:
    chat = Chat(app.router, channel="zalo")
    await chat.say("/dang_ky")
    await chat.say("1")
    await chat.say("Lụa Vạn Phúc")
    await chat.say("1")
    await chat.say("2 3")
    step, answers = await conversation(app, chat)
    assert step == "sectors" and answers["roles"] == ["producer", "distributor"]


async def test_huy_pauses_a_registration_and_dang_ky_goes_on(app: App) -> None:
    chat = await at_products(app)
    await chat.say("/huy")
    assert "Đã tạm dừng." in chat.text and "/dang_ky" in chat.text
    replies = await chat.say("hello")  # free text again, not her products
    assert replies
    step, answers = await conversation(app, chat)
    assert step == "products" and "products" not in answers
    await chat.say("/start")
    assert "chưa hoàn tất" in chat.text
    await chat.say("/dang_ky")
    assert "Chào mừng bạn quay lại" in chat.text
    await chat.say("Bát đĩa men lam")
    step, answers = await conversation(app, chat)
    assert step == "ocop" and answers["products"] == "Bát đĩa men lam"
    assert answers["name"] == "Cơ sở gốm Minh Hải"


async def test_huy_before_any_answer_still_cancels(app: App) -> None:
    chat = Chat(app.router)
    await chat.say("/dang_ky")
    await chat.say("/huy")
    step, _ = await conversation(app, chat)
    assert step is None


async def test_a_greeting_is_not_read_as_the_pending_answer(app: App) -> None:
    chat = await at_name(app)
    await chat.say("Cơ sở gốm Minh Hải")
    await chat.press("reg:kind:household")
    await chat.press("reg:roles:producer")
    await chat.press("reg:roles:done")
    await chat.press("reg:sectors:ceramics")
    await chat.press("reg:sectors:done")
    replies = await chat.say("chao em, hom qua chi dang ky do dang")
    assert replies[0].text.startswith("Xin chào Lan!")
    assert "phường, xã nào" in replies[-1].text
    step, _ = await conversation(app, chat)
    assert step == "ward"


async def at_kind(app: App) -> Chat:
    chat = await at_name(app)
    await chat.say("Cơ sở gốm Minh Hải")
    return chat


@pytest.mark.parametrize("typed", ["ho kinh doanh ca the", "ho gia dinh", "Hộ gia đình"])
async def test_a_kind_in_ordinary_words(app: App, typed: str) -> None:
    chat = await at_kind(app)
    await chat.say(typed)
    step, answers = await conversation(app, chat)
    assert step == "roles" and answers["kind"] == "household"


@pytest.mark.parametrize(
    ("typed", "roles"),
    [("san xuat", ["producer"]), ("san xuat va ban le", ["producer", "distributor"])],
)
async def test_roles_in_ordinary_words(app: App, typed: str, roles: list[str]) -> None:
    chat = await at_kind(app)
    await chat.press("reg:kind:household")
    await chat.say(typed)
    await chat.say("xong")
    step, answers = await conversation(app, chat)
    assert step == "sectors" and answers["roles"] == roles


@pytest.mark.parametrize("typed", ["khong co", "khong nho", "Không nhớ"])
async def test_no_tax_code_typed_skips_it_where_allowed(app: App, typed: str) -> None:
    chat = await at_products(app)
    await chat.say("sai roi")  # back to the tax code
    await chat.say(typed)
    step, answers = await conversation(app, chat)
    assert step == "products" and answers.get("tax_code") is None


@pytest.mark.parametrize("what", ["sticker", "photo"])
async def test_a_sticker_or_photo_mid_flow_gets_a_polite_line_and_the_question_again(
    app: App, what: str
) -> None:
    chat = await at_products(app)
    products = chat.text
    if what == "sticker":
        sent = Incoming(user=chat.user, kind=Kind.UNSUPPORTED)
    else:
        photo = Attachment(channel="console", kind="photo", file_id="p1")
        sent = Incoming(user=chat.user, kind=Kind.FILE, attachment=photo)
    replies = await chat.send(sent)
    assert "chỉ đọc được chữ" in replies[0].text
    assert "/menu" not in chat.text  # not sent away from her registration
    assert chat.text.endswith(products)  # the products question again
    step, answers = await conversation(app, chat)
    assert step == "products" and answers["contact_name"] == "Nguyễn Thị Lan"
    await chat.say("Bát đĩa men lam")
    step, answers = await conversation(app, chat)
    assert answers["products"] == "Bát đĩa men lam"


async def _walk(chat: Chat) -> None:
    """A whole registration typed, a wrong answer at a choice and at the summary included."""
    for typed in [
        "/dang_ky", "dong y", "Cơ sở gốm Minh Hải", "abc", "ho gia dinh", "nha san xuat",
        "xyz", "xong", "gom su", "xong", "bat trang", "Thôn 3", "Nguyễn Thị Lan",
        "0912 345 678", "bo qua", "Bát đĩa", "chua co ocop", "tiet kiem nang luong", "xong",
        "khong", "hmm",
    ]:  # fmt: skip
        await chat.say(typed)


async def test_prompts_on_zalo_say_type_not_tap(app: App) -> None:
    chat = Chat(app.router, channel="zalo")
    await _walk(chat)
    assert "kiểm tra lại thông tin đăng ký" in "\n".join(r.text for r in chat.replies)
    said = "\n".join(r.text for r in chat.replies).lower()
    for word in ("bấm", "nút", "chia sẻ số điện thoại"):
        assert word not in said
    assert "gõ “xác nhận” (hoặc 1)" in said
    assert all(r.request_contact is None for r in chat.replies)


async def test_prompts_on_telegram_do_not_ask_for_numbers_of_unnumbered_buttons(app: App) -> None:
    chat = Chat(app.router, channel="telegram")
    await _walk(chat)
    said = "\n".join(r.text for r in chat.replies).lower()
    assert "số thứ tự" not in said
    assert "bấm chọn từng mục phù hợp rồi bấm “xong”." in said


async def test_the_profile_on_zalo_says_type_the_number(app: App) -> None:
    chat = Chat(app.router, channel="zalo")
    await register(chat)
    await chat.say("/ho_so")
    assert "gõ số của mục ✏️ đó" in chat.text and "bấm" not in chat.text.lower()
    telegram = Chat(app.router, external_id="t1", channel="telegram")
    await register(telegram, phone="0913 111 222", tax_code="001090012345")
    await telegram.say("/ho_so")
    assert "bấm nút ✏️" in telegram.text


@pytest.mark.parametrize("typed", ["lam lai tu dau", "Bắt đầu lại nhé", "bam nham roi, lam lai"])
async def test_typing_start_over_on_zalo_clears_the_answers_once_she_says_so(
    app: App, typed: str
) -> None:
    chat = Chat(app.router, channel="zalo")
    await chat.say("/dang_ky")
    await chat.say("1")  # I agree
    await chat.say("Cơ sở gốm Minh Hải")
    await chat.say("1")  # household
    await chat.say(typed)
    assert "đăng ký lại từ câu hỏi đầu tiên" in chat.text
    assert [b.label for b in chat.options] == ["🔄 Làm lại từ đầu", "▶️ Tiếp tục phần đang làm"]
    step, answers = await conversation(app, chat)
    assert step == "restart" and answers["name"] == "Cơ sở gốm Minh Hải"  # nothing lost yet
    await chat.say("1")
    assert "Đã xóa các câu trả lời trước" in chat.text and NAME_ASKED in chat.text
    step, answers = await conversation(app, chat)
    assert step == "name" and answers == {}
    await chat.say("Xưởng lụa Vạn Phúc")  # her consent was kept: the name is taken
    step, answers = await conversation(app, chat)
    assert step == "kind" and answers == {"name": "Xưởng lụa Vạn Phúc"}
    await chat.say("quay lai")
    assert NAME_ASKED in chat.text
    await chat.say("quay lai")  # from the name, back to the consent as on a first start
    step, _ = await conversation(app, chat)
    assert step == "consent"


async def test_saying_go_on_after_start_over_keeps_everything(app: App) -> None:
    chat = await at_products(app)
    await chat.say("dang ky lai")
    await chat.say("tiep tuc")  # the option's label, typed
    assert "vẫn được giữ nguyên" in chat.text
    step, answers = await conversation(app, chat)
    assert step == "products" and answers["name"] == "Cơ sở gốm Minh Hải"
    await chat.say("Bát đĩa men lam")
    step, answers = await conversation(app, chat)
    assert step == "ocop" and answers["products"] == "Bát đĩa men lam"


async def test_on_telegram_the_start_over_offer_has_buttons_and_words_are_refused_politely(
    app: App,
) -> None:
    chat = Chat(app.router, channel="telegram")
    await chat.say("/dang_ky")
    await chat.press("reg:consent:yes")
    await chat.say("Cơ sở gốm Minh Hải")
    await chat.say("start over")
    await chat.say("hmm")
    assert "Bạn vui lòng bấm một nút." in chat.text
    await chat.press("reg:restart:no")
    step, answers = await conversation(app, chat)
    assert step == "kind" and answers["name"] == "Cơ sở gốm Minh Hải"


async def test_an_answer_that_only_contains_the_words_is_an_answer(app: App) -> None:
    chat = await at_products(app)
    await chat.say("Gốm làm lại từ mảnh vỡ")
    step, answers = await conversation(app, chat)
    assert step == "ocop" and answers["products"] == "Gốm làm lại từ mảnh vỡ"


async def test_welcome_back_says_how_to_start_over_and_nothing_to_clear_says_nothing(
    app: App,
) -> None:
    chat = await at_products(app)
    await chat.say("/huy")
    await chat.say("/dang_ky")
    assert "Chào mừng bạn quay lại" in chat.text and "gõ “làm lại”" in chat.text
    fresh = Chat(app.router, external_id="u2")
    await fresh.say("/dang_ky")
    await fresh.press("reg:consent:yes")
    await fresh.say("/huy")
    await fresh.say("/dang_ky")
    assert "Chào mừng bạn quay lại" in fresh.text and "làm lại" not in fresh.text
    await fresh.say("lam lai")  # nothing to clear: not an offer, and not taken as her name
    assert "Chưa có gì được nhập" in fresh.text and NAME_ASKED in fresh.text
    step, answers = await conversation(app, fresh)
    assert step == "name" and answers == {}
