"""The router: commands in both languages, buttons, numbers, flows, order, and bad input."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.core.types import Button, Incoming, Kind, Reply, UserRef
from bot.dialog.router import Turn
from tests.chat import Chat

MENU_VI = [
    "Đăng ký vào mạng lưới",
    "Hội chợ sắp tới",
    "Gian hàng của tôi",
    "Nhắc lịch",
    "Hỏi đáp",
    "Ngôn ngữ",
]


async def test_start_shows_the_vietnamese_main_menu(chat: Chat) -> None:
    await chat.say("/start")
    assert chat.text.startswith("Xin chào Lan!")
    assert [b.label for b in chat.options] == MENU_VI


async def test_vietnamese_and_english_command_names_do_the_same(chat: Chat) -> None:
    await chat.say("/ngon_ngu")
    vi = chat.options
    await chat.say("/language")
    assert chat.options == vi


async def test_a_bare_number_picks_that_option_of_the_last_menu(chat: Chat) -> None:
    await chat.say("/menu")
    await chat.say("6")  # Ngôn ngữ
    assert chat.text == "Chọn ngôn ngữ của bạn:"
    await chat.say("2")  # English
    assert chat.text == "Language set to English."
    assert chat.options[0].label == "Register into the network"


async def test_typing_an_option_label_picks_it(chat: Chat) -> None:
    await chat.say("/ngon_ngu")
    await chat.say("english")
    assert chat.text == "Language set to English."


async def test_the_language_choice_is_remembered(app: App, chat: Chat) -> None:
    await chat.say("/language")
    await chat.press("lang:en")
    await chat.say("/menu")
    assert chat.text.startswith("What would you like to do?")
    user = await app.router.services.users.find(chat.user)
    assert user is not None and user.locale == "en"


async def test_platform_language_hint_is_used_until_the_user_chooses(app: App) -> None:
    chat = Chat(app.router, external_id="en-user", language="en-GB")
    await chat.say("/start")
    assert chat.text.startswith("Hello Lan!")


async def test_unknown_command_gets_help_and_the_menu(chat: Chat) -> None:
    await chat.say("/abcxyz")
    assert "/abcxyz" in chat.text
    assert [b.label for b in chat.options] == MENU_VI


async def test_malformed_button_payload_is_answered_politely(chat: Chat) -> None:
    await chat.send(Incoming(user=chat.user, kind=Kind.BUTTON, payload="nonsense::42:"))
    assert "không còn hiệu lực" in chat.text
    await chat.send(Incoming(user=chat.user, kind=Kind.BUTTON, payload="lang:klingon"))
    assert chat.text == "Chọn ngôn ngữ của bạn:"


async def test_stickers_and_photos_get_a_request_for_text(chat: Chat) -> None:
    await chat.send(Incoming(user=chat.user, kind=Kind.UNSUPPORTED))
    assert "chỉ đọc được tin nhắn chữ" in chat.text


async def test_empty_text_is_ignored(chat: Chat) -> None:
    assert await chat.say("   ") == []


async def test_a_very_long_message_is_refused_without_losing_state(app: App, chat: Chat) -> None:
    conv = await _enter_flow(app, chat)
    await chat.say("x" * 10_000)
    assert "quá dài" in chat.text and "2.000" in chat.text
    again = await app.router.services.conversations.get(conv)
    assert (again.flow, again.step, again.data) == ("demo", "ask", {"kept": True})


async def test_control_characters_are_dropped(app: App) -> None:
    seen: list[str] = []

    async def echo(turn: Turn) -> list[Reply]:
        seen.append(turn.incoming.text)
        return []

    app.router.text(echo)
    await Chat(app.router).say("xin\x00 chào\x1b[31m")
    assert seen == ["xin chào[31m"]


INVISIBLE = "\u2066\u2067\u2068\u2069\u2060\u200b\u202e\ufeff\u00ad\U000e0041"


async def test_invisible_characters_are_dropped_from_text_and_names(app: App) -> None:
    seen: list[str] = []

    async def echo(turn: Turn) -> list[Reply]:
        seen.append(turn.incoming.text)
        return []

    app.router.text(echo)
    chat = Chat(app.router, name="\u2067Lan\u2069\u2060")
    await chat.say("\u2066Gốm\u2069 \u2068Bát\u2060Tràng\u2069\u202e")
    assert seen == ["Gốm BátTràng"]
    user = await app.router.services.users.find(chat.user)
    assert user is not None and user.display_name == "Lan"
    await Chat(app.router, name=INVISIBLE).say("/start")  # the same user: a blank name is none
    same = await app.router.services.users.find(chat.user)
    assert same is not None and same.display_name == "Lan"


async def test_a_message_of_invisible_characters_only_is_answered(chat: Chat) -> None:
    await chat.say("/start")
    assert await chat.say(INVISIBLE + "\x00\x1b \u00a0")
    assert "Tôi không đọc được tin nhắn này" in chat.text
    assert [b.label for b in chat.options] == MENU_VI  # the last options again
    await chat.say("6")  # and a number still picks one
    assert [b.label for b in chat.options] == ["Tiếng Việt", "English"]


async def test_in_a_flow_that_cannot_ask_again_its_last_options_come_back(
    app: App, chat: Chat
) -> None:
    conv = await _enter_flow(app, chat)
    await chat.say("\u2060")
    assert "Tôi không đọc được tin nhắn này" in chat.text
    assert [b.label for b in chat.options] == MENU_VI
    again = await app.router.services.conversations.get(conv)
    assert (again.flow, again.step, again.data) == ("demo", "ask", {"kept": True})


async def test_cancel_leaves_the_flow(app: App, chat: Chat) -> None:
    user_id = await _enter_flow(app, chat)
    await chat.say("/huy")
    assert chat.text.startswith("Đã hủy.")
    assert (await app.router.services.conversations.get(user_id)).flow is None
    await chat.say("/cancel")
    assert chat.text.startswith("Không có việc gì")


async def test_flow_input_goes_to_the_flow_and_commands_still_work(app: App, chat: Chat) -> None:
    got: list[str] = []

    async def demo(turn: Turn) -> list[Reply]:
        got.append(turn.incoming.text)
        return [Reply(text="ok")]

    app.router.flow("demo", demo)
    await _enter_flow(app, chat)
    await chat.say("Gốm Bát Tràng")
    assert got == ["Gốm Bát Tràng"]
    await chat.say("/menu")
    assert [b.label for b in chat.options] == MENU_VI
    assert got == ["Gốm Bát Tràng"]


async def test_a_failing_handler_changes_nothing_and_says_sorry(app: App, chat: Chat) -> None:
    user_id = await _enter_flow(app, chat)

    async def broken(turn: Turn) -> list[Reply]:
        turn.conversation.goto("somewhere_else")
        await turn.services.users.set_locale(turn.user.id, "en")
        raise RuntimeError("bug")

    app.router.flow("demo", broken)
    await chat.say("hello")
    assert "Xin lỗi" in chat.text
    conv = await app.router.services.conversations.get(user_id)
    assert conv.step == "ask"
    assert (await app.router.services.users.get(user_id)).locale is None  # type: ignore[union-attr]


async def test_updates_of_one_user_are_handled_in_order(app: App) -> None:
    order: list[str] = []

    async def slow_echo(turn: Turn) -> list[Reply]:
        await asyncio.sleep(0.01 if turn.incoming.text == "1" else 0)
        order.append(turn.incoming.text)
        return []

    app.router.text(slow_echo)
    chat = Chat(app.router)
    await asyncio.gather(*(chat.say(str(i)) for i in range(1, 6)))
    assert order == ["1", "2", "3", "4", "5"]


async def test_notifications_are_queued_in_the_recipients_language(app: App, chat: Chat) -> None:
    admin = Chat(app.router, external_id="admin")
    await admin.say("/language")
    await admin.press("lang:en")

    async def ping(turn: Turn) -> list[Reply]:
        turn.notify_admins(lambda lang: [Reply(text=lang.gettext("Upcoming fairs"))])
        return [Reply(text="sent")]

    app.router.command(("ping",), ping)
    await chat.say("/ping")
    sent: list[tuple[UserRef, list[Reply]]] = []

    async def record(user: UserRef, replies: list[Reply]) -> None:
        sent.append((user, replies))

    app.outlets.senders["console"] = record
    assert await app.outbox.drain_once() == 1
    assert sent == [(admin.user, [Reply(text="Upcoming fairs")])]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(list(Kind)),
    text=st.text(max_size=300),
    payload=st.one_of(st.none(), st.text(max_size=80)),
)
async def test_arbitrary_input_never_crashes_the_router(
    app: App, kind: Kind, text: str, payload: str | None
) -> None:
    chat = Chat(app.router, external_id="fuzz")
    failed = app.router.traffic.failed
    replies = await chat.send(
        Incoming(user=chat.user, kind=kind, text=text, payload=payload, phone=text or None)
    )
    assert app.router.traffic.failed == failed  # counted by the router, whatever the reply says
    for reply in replies:
        for button in reply.options:
            assert isinstance(button, Button)


async def _enter_flow(app: App, chat: Chat) -> int:
    """Put the chat's user in a flow named 'demo' at step 'ask'."""
    await chat.say("/start")
    svc = app.router.services
    user = await svc.users.find(chat.user)
    assert user is not None
    async with svc.db.transaction():
        conv = await svc.conversations.get(user.id)
        conv.start("demo", "ask", {"kept": True})
        await svc.conversations.save(conv)
    return user.id


async def test_my_id_shows_the_address_staff_need(chat: Chat) -> None:
    await chat.say("/ma_cua_toi")
    assert "console:u1" in chat.text


async def test_last_seen_is_kept_to_the_minute_and_a_new_name_at_once(
    app: App, time_machine: time_machine.TimeMachineFixture
) -> None:
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    chat = Chat(app.router)
    await chat.say("/menu")
    users = app.router.services.users

    async def seen() -> tuple[datetime, str | None]:
        user = await users.find(chat.user)
        assert user is not None
        return user.last_seen_at, user.display_name

    time_machine.move_to(start + timedelta(seconds=30), tick=False)
    await chat.say("/menu")
    assert await seen() == (start, "Lan")  # answering question after question: not rewritten
    chat.name = "Lan Nguyễn"
    await chat.say("/menu")
    assert await seen() == (start + timedelta(seconds=30), "Lan Nguyễn")  # a new name: at once
    time_machine.move_to(start + timedelta(minutes=2), tick=False)
    await chat.say("/menu")
    assert await seen() == (start + timedelta(minutes=2), "Lan Nguyễn")
