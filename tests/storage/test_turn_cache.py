"""People's state kept in memory between their turns: whatever else writes it is seen next turn."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace

import pytest

from bot.app import App
from handlers.registration import basics
from storage.conversations import ConversationRepo
from storage.sqlite import TurnCache
from tests.chat import Chat

pytestmark = pytest.mark.sqlite_only(reason="the turn cache (SQLite triggers and data_version)")

NAME_QUESTION = "What is the name of your establishment?"
KIND_QUESTION = "What kind of establishment is it?"


async def _at_the_name_question(chat: Chat) -> None:
    await chat.say("/register")
    await chat.say("1")  # I agree
    assert NAME_QUESTION in chat.replies[-1].text


@pytest.fixture
def chat(app: App) -> Chat:
    return Chat(app.router, language="en")


async def test_the_next_turn_starts_from_memory(app: App, chat: Chat) -> None:
    await _at_the_name_question(chat)
    cache = app.router.services.conversations.cache
    assert len(cache) == 1
    await chat.say("Cơ sở gốm Minh Hải")
    assert KIND_QUESTION in chat.replies[-1].text
    await chat.say("1")  # household
    assert "role" in chat.replies[-1].text.lower()


async def test_a_change_made_elsewhere_in_the_bot_is_seen_by_the_next_turn(
    app: App, chat: Chat
) -> None:
    await _at_the_name_question(chat)
    svc = app.router.services
    user = await svc.users.find(chat.user)
    assert user is not None
    # a message sent meanwhile (a notice, a reminder) with options of its own
    await svc.conversations.set_last_menu(user.id, [("English", "lang:en"), ("Việt", "lang:vi")])
    await chat.say("2")  # picks its second option, not Back of the name question
    found = await svc.users.find(chat.user)
    assert found is not None and found.locale == "vi"


async def test_a_change_made_by_another_process_is_seen_by_the_next_turn(
    app: App, chat: Chat
) -> None:
    await _at_the_name_question(chat)
    other = sqlite3.connect(app.settings.db_path)  # `ketnoi …` on the same file
    with other:
        other.execute("UPDATE users SET locale = 'vi'")
    other.close()
    await chat.say("Cơ sở gốm Minh Hải")
    assert chat.replies[-1].text == "Cơ sở của bạn thuộc loại hình nào?"  # in Vietnamese now


async def test_an_answer_whose_commit_failed_is_asked_again(app: App, chat: Chat) -> None:
    await _at_the_name_question(chat)
    db = app.router.services.db

    async def failing_neighbour() -> None:
        async with db.transaction():  # committed with the producer's turn, in one COMMIT
            db.defer(lambda c: c.execute("INSERT INTO users (channel) VALUES (NULL)"))

    answer = chat.say("Cơ sở gốm Minh Hải")
    results = await asyncio.gather(answer, failing_neighbour(), return_exceptions=True)
    assert "something went wrong" in chat.replies[-1].text
    assert isinstance(results[1], Exception)
    await chat.say("/register")  # resumes where the database is: the name was not saved
    assert NAME_QUESTION in chat.replies[-1].text
    await chat.say("Cơ sở gốm Minh Hải")
    assert KIND_QUESTION in chat.replies[-1].text


async def test_a_turn_that_failed_midway_leaves_the_saved_answers(
    app: App, chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _at_the_name_question(chat)
    real = basics.got_name

    async def broken(turn: object, answer: object) -> object:
        turn.conversation.data["answers"]["name"] = "half-written"  # type: ignore[attr-defined]
        raise RuntimeError("a bug")

    monkeypatch.setitem(basics.__dict__, "got_name", broken)
    from handlers.registration import flow

    name = flow.STEPS[flow.Step.NAME]
    monkeypatch.setitem(flow.STEPS, flow.Step.NAME, replace(name, read=broken))
    await chat.say("Cơ sở gốm Minh Hải")
    assert "something went wrong" in chat.replies[-1].text
    monkeypatch.setitem(flow.STEPS, flow.Step.NAME, replace(name, read=real))
    await chat.say("/register")  # resumes at the name, with nothing of the failed turn
    assert NAME_QUESTION in chat.replies[-1].text
    svc = app.router.services
    user = await svc.users.find(chat.user)
    assert user is not None
    saved = await svc.conversations.get(user.id)
    assert "name" not in saved.data["answers"] or saved.data["answers"]["name"] is None


async def test_at_most_max_kept_people_are_kept(app: App) -> None:
    repo = app.router.services.conversations
    small = ConversationRepo(app.router.services.db, cache=TurnCache(max_kept=2))
    app.router.services.conversations = small
    try:
        chats = [Chat(app.router, external_id=f"u{i}", language="en") for i in range(3)]
        for c in chats:
            await _at_the_name_question(c)
        assert len(small.cache) == 2
        for c in chats:  # the one dropped is read from the database: all go on
            await c.say("Cơ sở gốm")
            assert KIND_QUESTION in c.replies[-1].text
    finally:
        app.router.services.conversations = repo
