"""An unfinished registration is nudged once after a day away, told the day before it is
dropped, and dropped after a week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from bot.app import App
from handlers.registration import nudge_and_drop
from tests.chat import Chat
from tests.handlers.registration_walk import outbox_for

START = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


async def begun(app: App, external_id: str = "u1") -> Chat:
    """A user who answered the first two questions."""
    chat = Chat(app.router, external_id=external_id)
    await chat.say("/dang_ky")
    await chat.press("reg:consent:yes")
    await chat.say("Cơ sở gốm Minh Hải")
    return chat


async def test_one_nudge_after_a_day_a_word_the_day_before_then_dropped(app: App) -> None:
    with time_machine.travel(START, tick=False) as clock:
        chat = await begun(app)
        clock.shift(timedelta(hours=23))
        assert await nudge_and_drop(app.router) == (0, 0)
        clock.shift(timedelta(hours=2))
        assert await nudge_and_drop(app.router) == (1, 0)
        [row] = await outbox_for(app, chat)
        assert row.dedupe_key.startswith(f"nudge:registration:{row.user_id}:")
        assert "/dang_ky" in row.replies[0].text
        assert "bấm" not in row.replies[0].text.lower()  # read on Zalo too: nothing to press
        assert row.replies[0].options[0].payload == "reg:start"
        clock.shift(timedelta(hours=30))
        assert await nudge_and_drop(app.router) == (0, 0)  # once only
        clock.shift(timedelta(days=6))
        assert await nudge_and_drop(app.router) == (1, 0)  # told first: removed tomorrow
        _, told = await outbox_for(app, chat)
        assert told.dedupe_key.startswith(f"nudge-drop:registration:{row.user_id}:")
        assert "sẽ bị xóa vào ngày mai" in told.replies[0].text
        assert "bấm" not in told.replies[0].text.lower()
        assert told.replies[0].options[0].payload == "reg:start"
        clock.shift(timedelta(hours=23))
        assert await nudge_and_drop(app.router) == (0, 0)  # her day is not over
        clock.shift(timedelta(hours=2))
        assert await nudge_and_drop(app.router) == (0, 1)
        assert len(await outbox_for(app, chat)) == 2
        await chat.say("/dang_ky")
        assert "Welcome back" not in chat.text
        assert chat.options[0].payload == "reg:consent:yes"


async def test_the_nudge_button_continues_where_the_user_was(app: App) -> None:
    with time_machine.travel(START, tick=False) as clock:
        chat = await begun(app)
        clock.shift(timedelta(hours=25))
        await nudge_and_drop(app.router)
        [row] = await outbox_for(app, chat)
        chat.replies.extend(row.replies)
        await chat.press("reg:start")
        assert chat.find("reg:kind:household")


async def test_a_user_who_comes_back_is_not_nudged_again_nor_dropped(app: App) -> None:
    with time_machine.travel(START, tick=False) as clock:
        chat = await begun(app)
        other = await begun(app, "u2")
        clock.shift(timedelta(hours=20))
        await other.press("reg:kind:household")  # u2 answers before the day is over
        clock.shift(timedelta(hours=5))
        assert await nudge_and_drop(app.router) == (1, 0)
        assert await outbox_for(app, other) == []
        await chat.press("reg:kind:company")  # u1 comes back after the nudge
        clock.shift(timedelta(days=2))
        assert await nudge_and_drop(app.router) == (1, 0)  # u2 now; u1 had theirs
        clock.shift(timedelta(days=6))
        assert await nudge_and_drop(app.router) == (2, 0)  # both told, a day before
        clock.shift(timedelta(days=1))
        assert await nudge_and_drop(app.router) == (0, 2)


async def test_a_registration_cancelled_before_any_answer_is_never_nudged(app: App) -> None:
    with time_machine.travel(START, tick=False) as clock:
        chat = Chat(app.router)
        await chat.say("/dang_ky")
        await chat.say("/huy")  # at the consent: nothing to keep
        clock.shift(timedelta(days=2))
        assert await nudge_and_drop(app.router) == (0, 0)


async def test_a_paused_registration_is_told_a_day_before_it_goes(app: App) -> None:
    with time_machine.travel(START, tick=False) as clock:
        chat = await begun(app)
        await chat.say("/huy")
        clock.shift(timedelta(days=6, hours=1))
        assert await nudge_and_drop(app.router) == (1, 0)  # never nudged: told at once
        [told] = await outbox_for(app, chat)
        assert "sẽ bị xóa vào ngày mai" in told.replies[0].text
        chat.replies.extend(told.replies)
        await chat.press("reg:start")
        assert chat.find("reg:kind:household")


async def test_her_answer_after_the_drop_is_told_the_truth_not_logged_for_staff(app: App) -> None:
    with time_machine.travel(START, tick=False) as clock:
        chat = await begun(app)
        clock.shift(timedelta(days=1, hours=1))
        await nudge_and_drop(app.router)
        clock.shift(timedelta(days=6))
        await nudge_and_drop(app.router)
        clock.shift(timedelta(days=1, hours=1))
        assert await nudge_and_drop(app.router) == (0, 1)
        await chat.say("Nguyễn Thị Lan")  # the answer to the question she was last asked
        assert "đã bị xóa" in chat.text and "/dang_ky" in chat.text
        assert await app.router.services.questions.unanswered() == []
        await chat.say("Nguyễn Thị Lan")  # told once; from now on, free text as any other
        assert "đã bị xóa" not in chat.text


async def test_start_mentions_the_unfinished_registration(app: App) -> None:
    chat = await begun(app)
    await chat.say("/start")
    assert "đăng ký chưa hoàn tất" in chat.text and "/dang_ky" in chat.text
    await chat.say("/dang_ky")
    assert chat.text.startswith("Chào mừng bạn quay lại") or "quay lại" in chat.text
    assert "loại hình" in chat.text  # the next question where she stopped
