"""Every wrong answer gets its own polite message with an example, the question again, and
keeps what was already answered."""

from __future__ import annotations

import pytest

from bot.app import App
from storage.enterprises import Enterprise
from tests.chat import Chat
from tests.handlers.registration_walk import BAT_TRANG, stored


async def en(app: App) -> Chat:
    """A user who chose English."""
    chat = Chat(app.router)
    await chat.say("/language")
    await chat.press("lang:en")
    return chat


async def at(app: App, question: str) -> Chat:
    """A user who has just been asked `question` (a step name)."""
    chat = await en(app)
    steps = [
        ("name", lambda: chat.press("reg:consent:yes")),
        ("kind", lambda: chat.say("Cơ sở gốm Minh Hải")),
        ("roles", lambda: chat.press("reg:kind:household")),
        ("sectors", lambda: chat.say("2 5")),  # producer, Done
        ("ward", lambda: chat.say("1 16")),  # ceramics, Done
        ("address", lambda: _ward(chat)),
        ("contact", lambda: chat.press("Skip")),
        ("phone", lambda: chat.say("Nguyễn Thị Lan")),
        ("tax_code", lambda: chat.say("0912 345 678")),
        ("products", lambda: chat.press("Skip")),
        ("ocop", lambda: chat.press("Skip")),
    ]
    await chat.say("/dang_ky")
    for step, answer in steps:
        await answer()
        if step == question:
            return chat
    raise AssertionError(question)


async def _ward(chat: Chat) -> None:
    await chat.say("bat trang")
    await chat.press(f"reg:ward_pick:{BAT_TRANG}")


async def finish(chat: Chat) -> None:
    """Answers whatever is left with buttons, up to the summary."""
    for _ in range(15):
        if "Please check your registration" in chat.text:
            return
        labels = [b.payload for b in chat.options]
        picks = ("reg:products:skip", "reg:tax_code:skip", "reg:ocop:none", "reg:findable:no")
        for pick in (*picks, "done"):
            chosen = next((p for p in labels if p.endswith(pick)), None)
            if chosen:
                if pick == "done":
                    await chat.press(labels[0])
                await chat.press(chosen)
                break
        else:
            raise AssertionError(chat.text)


def kept(e: Enterprise | None) -> None:
    assert e is not None
    assert e.name == "Cơ sở gốm Minh Hải"
    assert e.roles == ["producer"]
    assert e.sectors == ["ceramics"]


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ("x" * 121, "at most 120 characters"),
        ("12345", "in letters"),
        (".", "in letters"),
    ],
)
async def test_a_bad_name_is_asked_again(app: App, answer: str, says: str) -> None:
    chat = await at(app, "name")
    await chat.say(answer)
    assert says in chat.text
    assert "name of your establishment" in chat.text
    await chat.say("Cơ sở gốm Minh Hải")
    assert "What kind of establishment" in chat.text


async def test_an_empty_message_is_ignored(app: App) -> None:
    chat = await at(app, "name")
    assert await chat.say("   ") == []
    await chat.say("Cơ sở gốm Minh Hải")
    assert "What kind of establishment" in chat.text


async def test_typing_instead_of_choosing_a_kind(app: App) -> None:
    chat = await at(app, "kind")
    await chat.say("cong ty lon")
    assert "choose one of the options" in chat.text
    await chat.say("Company")  # the label itself works
    assert "role in the chain" in chat.text


@pytest.mark.parametrize(
    ("answer", "says"),
    [("9", "no option 9"), ("1 17", "no option 17"), ("ceramics, vải", "which option “vai”")],
)
async def test_bad_numbers_in_a_several_answer_question(app: App, answer: str, says: str) -> None:
    chat = await at(app, "roles")
    if answer.startswith("c"):
        await chat.say("2")
        await chat.say("5")  # Done
    await chat.say(answer)
    assert says in chat.text
    assert chat.find("done")


async def test_crafts_can_be_typed_by_name(app: App) -> None:
    chat = await at(app, "roles")
    await chat.say("2 5")  # producer, Done
    await chat.say("ceramics; lacq")
    assert "ward or commune" in chat.text
    await _ward(chat)
    await chat.say("Thôn 3")
    await chat.say("Nguyễn Thị Lan")
    await chat.say("0912 345 678")
    await finish(chat)
    assert "Crafts: Ceramics, Lacquer" in chat.text


async def test_an_unknown_ward_is_explained_and_a_typo_gets_suggestions(app: App) -> None:
    chat = await at(app, "ward")
    await chat.say("xyzzy qwert")
    assert "could not find “xyzzy qwert”" in chat.text
    assert "Bat Trang" in chat.text  # an example
    await chat.say("bat trng")
    assert chat.find(f"reg:ward_pick:{BAT_TRANG}").label.startswith("Bát Tràng commune")
    await chat.say("zzzz")  # still wrong: the list stays
    assert "could not find" in chat.text
    await chat.press(f"reg:ward_pick:{BAT_TRANG}")
    assert "street address" in chat.text


async def test_a_province_outside_hanoi(app: App) -> None:
    chat = await at(app, "ward")
    await chat.press("Outside Hanoi")
    await chat.say("Atlantis")
    assert "do not know the province “Atlantis”" in chat.text
    await chat.say("Ha Noi")
    assert "go back and type your ward or commune" in chat.text
    await chat.say("hung yen")
    await chat.press("Hưng Yên")
    assert "street address" in chat.text


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ("không có", "only digits"),
        ("0912 345 67", "too few digits"),
        ("0912 345 678 999", "too many digits"),
        ("+1 415 555 0123", "a Vietnamese number"),
        ("1900 1234", "not a phone number in use"),
    ],
)
async def test_each_phone_mistake_has_its_own_message(app: App, answer: str, says: str) -> None:
    chat = await at(app, "phone")
    await chat.say(answer)
    assert says in chat.text
    assert "0912 345 678" in chat.text  # an example
    assert chat.last.request_contact  # the share-contact button again
    await chat.say("0912 345 678")
    assert "tax code" in chat.text
    await finish(chat)
    await chat.press("reg:summary:confirm")
    kept(await stored(app, chat))


async def test_an_old_eleven_digit_number_is_offered_its_new_number(app: App) -> None:
    chat = await at(app, "phone")
    await chat.say("0162 123 4567")
    assert "0321 234 567" in chat.text
    await chat.press("No, I will type another")
    assert "What phone number" in chat.text
    await chat.say("01621234567")
    await chat.press("Yes, save")
    assert "Phone number noted: 0321 234 567" in " ".join(r.text for r in chat.replies[-2:])
    await finish(chat)
    assert "Phone: 0321 234 567" in chat.text


async def test_a_shared_telegram_contact_is_taken(app: App) -> None:
    chat = await at(app, "phone")
    await chat.share_contact("84912345678")
    assert "tax code" in chat.text
    assert any(r.remove_keyboard for r in chat.replies[-2:])
    user = await app.router.services.users.find(chat.user)
    assert user is not None and user.phone == "+84912345678"


async def test_an_invisible_answer_gets_the_question_again(app: App) -> None:
    chat = await at(app, "name")
    await chat.say("\u2066\u2069\u2060\u200b")
    assert chat.text.startswith("I could not read that message")
    assert "name of your establishment" in chat.text
    await chat.say("\u2067Cơ sở gốm\u2069 \u2066Minh Hải\u2069\u2060")
    assert "What kind of establishment" in chat.text
    await chat.press("reg:kind:household")
    await chat.say("2 5")  # producer, Done
    await chat.say("\u2060")
    assert "I could not read that message" in chat.text
    assert "Which crafts" in chat.text
    await chat.say("1 16")  # ceramics, Done
    await _ward(chat)
    await chat.press("Skip")
    await chat.say("Nguyễn Thị Lan")
    await chat.say("0912 345 678")
    await finish(chat)
    assert "Establishment name: Cơ sở gốm Minh Hải\n" in chat.text


@pytest.mark.parametrize("owner", ["u2", None])
async def test_someone_else_s_contact_is_not_taken_as_the_phone(
    app: App, owner: str | None
) -> None:
    chat = await at(app, "phone")
    await chat.share_contact("84987654321", user_id=owner)
    assert "someone else's contact" in chat.text
    assert "What phone number" in chat.text  # the question again
    assert chat.last.request_contact  # with the button to share one's own
    user = await app.router.services.users.find(chat.user)
    assert user is not None and user.phone is None
    await chat.share_contact("84912345678")
    assert "tax code" in chat.text
    await finish(chat)
    assert "Establishment name: Cơ sở gốm Minh Hải" in chat.text  # nothing entered is lost
    assert "Phone: 0912 345 678" in chat.text and "0987" not in chat.text


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ("12345", "That has 5 digits"),
        ("0100109107", "does not fit the others"),
        ("01001O9106", "only digits"),
        ("999085012345", "code of a province"),
        ("0100109106-000", "cannot have been issued"),
    ],
)
async def test_each_tax_code_mistake_has_its_own_message(app: App, answer: str, says: str) -> None:
    chat = await at(app, "tax_code")
    await chat.say(answer)
    assert says in chat.text
    assert "0100109106" in chat.text  # an example
    await chat.say("0100109106-001")
    await finish(chat)
    assert "Tax code: 0100109106-001" in chat.text
    assert "Phone: 0912 345 678" in chat.text


async def test_a_company_must_give_its_tax_code(app: App) -> None:
    chat = await en(app)
    await chat.say("/dang_ky")
    await chat.press("reg:consent:yes")
    await chat.say("Công ty TNHH Gốm Bát Tràng")
    await chat.press("reg:kind:company")
    await chat.say("2 5")  # producer, Done
    await chat.say("1 16")  # ceramics, Done
    await _ward(chat)
    await chat.press("Skip")
    await chat.say("Nguyễn Thị Lan")
    await chat.say("0912 345 678")
    assert [b.payload for b in chat.options] == ["reg:tax_code:back"]  # no Skip
    await chat.say("001085012345")
    assert "not a personal ID number" in chat.text
    await chat.say("0100109106")
    assert "main products" in chat.text


@pytest.mark.parametrize("answer", ["6", "2 sao", "nhiều"])
async def test_a_bad_ocop_rating(app: App, answer: str) -> None:
    chat = await at(app, "ocop")
    await chat.say(answer)
    assert "OCOP ratings are 3, 4 or 5 stars" in chat.text
    await chat.say("4")  # option 4 and 4 stars agree
    assert "sustainable practices" in chat.text
    await chat.say("6")
    await chat.say("khong")  # not findable
    assert "OCOP rating: 4 stars" in chat.text


async def test_no_ocop_rating_typed(app: App) -> None:
    chat = await at(app, "ocop")
    await chat.say("không")
    await chat.say("6")
    await chat.say("khong")  # not findable
    assert "OCOP rating: none" in chat.text


async def test_a_contact_shared_at_another_question_is_not_taken_as_the_answer(app: App) -> None:
    chat = await at(app, "name")
    await chat.share_contact("84912345678")
    assert "Please answer the question above" in chat.text
    assert "name of your establishment" in chat.text
