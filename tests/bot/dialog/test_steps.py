"""The step machine: a small flow through the real router, and the reading of typed answers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import pytest

from bot.app import App
from bot.core.payloads import Pattern, Payload
from bot.core.types import Incoming, Kind, Reply
from bot.dialog.router import Turn
from bot.dialog.steps import (
    BACK,
    SKIP,
    Answer,
    Back,
    Done,
    Edit,
    Flow,
    Goto,
    Next,
    NoSuchOption,
    Outcome,
    Question,
    Stay,
    Unclear,
    menu_choice,
    read_several,
)
from bot.dialog.typed import stands_for
from tests.chat import Chat

CITIES = {"hn": "Hà Nội", "hp": "Hải Phòng", "hue": "Huế"}


class Step(StrEnum):
    NAME = "name"
    NICKNAME = "nickname"
    CITY = "city"
    CITY_PICK = "city_pick"
    SUMMARY = "summary"


@dataclass(frozen=True, slots=True)
class DemoOption(Payload, prefix="demo"):
    step: Step
    value: Annotated[str, Pattern(r"[a-z0-9_]{1,20}")]


def _answers(turn: Turn) -> dict[str, Any]:
    found: dict[str, Any] = turn.conversation.data.setdefault("answers", {})
    return found


def _asker(step: Step, *buttons: tuple[str, str]) -> Any:
    async def ask(turn: Turn, note: str | None = None) -> list[Reply]:
        rows = [[DemoOption(step, value).button(label)] for label, value in buttons]
        if step is not Step.NAME:
            rows.append([DemoOption(step, BACK).button("◀ Back")])
        return [Reply(text="\n\n".join(filter(None, [note, f"ask {step}"])), buttons=rows)]

    return ask


async def ask_pick(turn: Turn, note: str | None = None) -> list[Reply]:
    rows = [
        [DemoOption(Step.CITY_PICK, k).button(CITIES[k])] for k in turn.conversation.data["matches"]
    ]
    return [Reply(text="\n\n".join(filter(None, [note, "ask city_pick"])), buttons=rows)]


async def got_name(turn: Turn, answer: Answer) -> Outcome:
    if answer.choice is not None or len(answer.text) < 2:
        return Stay("too short")
    _answers(turn)["name"] = answer.text
    return Next()


async def got_nickname(turn: Turn, answer: Answer) -> Outcome:
    _answers(turn)["nickname"] = None if answer.choice == SKIP else answer.text
    return Next(Step.CITY)


async def got_city(turn: Turn, answer: Answer) -> Outcome:
    matches = [k for k, name in CITIES.items() if name.lower().startswith(answer.text.lower())]
    if not matches:
        return Stay("no such city")
    turn.conversation.data["matches"] = matches
    return Goto(Step.CITY_PICK)


async def got_pick(turn: Turn, answer: Answer) -> Outcome:
    if answer.choice not in CITIES:
        return Stay("pick one")
    _answers(turn)["city"] = answer.choice
    return Next(Step.SUMMARY)


async def got_summary(turn: Turn, answer: Answer) -> Outcome:
    if answer.choice == "send":
        return Done([Reply(text=f"sent {sorted(_answers(turn).items())}")])
    if answer.choice == "edit_name":
        return Edit(Step.NAME, "now: " + _answers(turn)["name"])
    if answer.choice == "undo":
        return Back("undone")
    return Stay("press a button")


async def stopped(turn: Turn) -> list[Reply]:
    turn.conversation.end()
    return [Reply(text="stopped")]


async def heard(turn: Turn, step: Step, answer: Answer) -> Outcome | None:
    if answer.text.endswith("?"):
        return Stay(before=[Reply(text="answered: " + answer.text)])
    return None


DEMO: Flow[Turn, Step] = Flow(
    "demo",
    {
        Step.NAME: Question(_asker(Step.NAME), got_name, back=True),
        Step.NICKNAME: Question(
            _asker(Step.NICKNAME, ("Skip ▶", SKIP)), got_nickname, back=True, skip=True
        ),
        Step.CITY: Question(_asker(Step.CITY), got_city, back=True),
        Step.CITY_PICK: Question(ask_pick, got_pick, follows=Step.CITY, back=True),
        Step.SUMMARY: Question(
            _asker(
                Step.SUMMARY, ("Send", "send"), ("Edit the name", "edit_name"), ("Undo", "undo")
            ),
            got_summary,
            back=True,
            yes="send",
            no=BACK,
        ),
    },
    summary=Step.SUMMARY,
    back_out=stopped,
    heard=heard,
)


async def start_demo(turn: Turn) -> list[Reply]:
    return await DEMO.start(turn, data={"answers": {}})


async def on_button(turn: Turn) -> list[Reply]:
    assert isinstance(turn.payload, DemoOption)
    return await DEMO.pressed(turn, turn.payload.step, turn.payload.value)


@pytest.fixture
async def demo(app: App) -> Chat:
    app.router.command(("demo",), start_demo)
    app.router.button(DemoOption, on_button)
    app.router.flow("demo", DEMO.on_input)
    return Chat(app.router, external_id="demo")


async def _saved(app: App, chat: Chat) -> tuple[str | None, dict[str, Any]]:
    svc = app.router.services
    user = await svc.users.find(chat.user)
    assert user is not None
    conv = await svc.conversations.get(user.id)
    return conv.step, conv.data


async def _to_city(demo: Chat) -> None:
    await demo.say("/demo")
    await demo.say("Lan")
    await demo.say("Lanny")
    assert demo.text == "ask city"


async def _to_summary(demo: Chat) -> None:
    await _to_city(demo)
    await demo.say("h")
    await demo.say("Huế")  # the option's label
    assert demo.text == "ask summary"


async def test_next_goes_down_the_table_and_the_answers_are_kept(app: App, demo: Chat) -> None:
    await demo.say("/demo")
    assert demo.text == "ask name"
    await demo.say("Lan")
    assert demo.text == "ask nickname"  # Next() with no step: the next row of the table
    await demo.say("Lanny")
    assert demo.text == "ask city"
    step, data = await _saved(app, demo)
    assert step == "city"  # saved as the step's value
    assert data["answers"] == {"name": "Lan", "nickname": "Lanny"}
    assert data["trail"] == ["name", "nickname"]


async def test_a_refused_answer_says_why_asks_again_and_keeps_everything(
    app: App, demo: Chat
) -> None:
    await _to_city(demo)
    before = await _saved(app, demo)
    await demo.say("Đà Lạt")
    assert demo.text == "no such city\n\nask city"
    assert await _saved(app, demo) == before
    await demo.say("/demo")  # started again: nothing of the last one is left
    await demo.say("x")
    assert demo.text == "too short\n\nask name"
    assert (await _saved(app, demo))[1]["answers"] == {}


@pytest.mark.parametrize("word", ["bỏ qua", "bo qua", "không", "khong co", "Chưa có"])
async def test_a_skip_word_skips_an_optional_step(app: App, demo: Chat, word: str) -> None:
    await demo.say("/demo")
    await demo.say("Lan")
    await demo.say(word)
    assert demo.text == "ask city"
    assert (await _saved(app, demo))[1]["answers"] == {"name": "Lan", "nickname": None}


async def test_a_skip_word_is_an_answer_where_a_step_cannot_be_skipped(
    app: App, demo: Chat
) -> None:
    await demo.say("/demo")
    await demo.say("khong")
    assert demo.text == "ask nickname"
    assert (await _saved(app, demo))[1]["answers"] == {"name": "khong"}


@pytest.mark.parametrize("word", ["quay lại", "quay lai", "Trở lại", "back"])
async def test_a_back_word_returns_to_the_previous_question(
    app: App, demo: Chat, word: str
) -> None:
    await _to_city(demo)
    await demo.say(word)
    assert demo.text == "ask nickname"
    step, data = await _saved(app, demo)
    assert step == "nickname" and data["answers"] == {"name": "Lan", "nickname": "Lanny"}


async def test_back_from_the_first_question_leaves_the_flow(app: App, demo: Chat) -> None:
    await demo.say("/demo")
    await demo.say("Lan")
    await demo.press(f"demo:nickname:{BACK}")
    assert demo.text == "ask name"
    await demo.say("quay lai")  # the name step takes back words too
    assert demo.text == "stopped"
    assert (await _saved(app, demo))[0] is None


async def test_back_skips_a_follow_up_question(demo: Chat) -> None:
    await _to_summary(demo)
    await demo.press(f"demo:summary:{BACK}")
    assert demo.text == "ask city"  # the question, not its list of matches


async def test_back_with_a_note(demo: Chat) -> None:
    await _to_summary(demo)
    await demo.press("Undo")
    assert demo.text == "undone\n\nask city"


async def test_an_edit_comes_back_to_the_summary(app: App, demo: Chat) -> None:
    await _to_summary(demo)
    await demo.press("Edit the name")
    assert demo.text == "now: Lan\n\nask name"
    await demo.say("Mai")
    assert demo.text == "ask summary"  # not the nickname: back where the edit began
    step, data = await _saved(app, demo)
    assert step == "summary"
    assert data["answers"]["name"] == "Mai" and data["mode"] == "new"
    assert data["trail"] == ["name", "nickname", "city"]


async def test_back_from_an_edit_returns_to_the_summary(demo: Chat) -> None:
    await _to_summary(demo)
    await demo.press("Edit the name")
    await demo.say("quay lai")
    assert demo.text == "ask summary"


@pytest.mark.parametrize("word", ["có", "co", "Có.", "dong y", "Đồng ý", "xác nhận", "OK", "ừ"])
async def test_a_yes_word_is_the_yes_of_a_step(app: App, demo: Chat, word: str) -> None:
    await _to_summary(demo)
    await demo.say(word)
    assert demo.text.startswith("sent ")
    assert (await _saved(app, demo))[0] is None  # Done leaves the flow


@pytest.mark.parametrize("word", ["không", "khong", "ko"])
async def test_a_no_word_is_the_no_of_a_step(demo: Chat, word: str) -> None:
    await _to_summary(demo)
    await demo.say(word)
    assert demo.text == "ask city"  # the summary's no is Back


async def test_yes_words_mean_nothing_where_a_step_has_no_yes(app: App, demo: Chat) -> None:
    await _to_city(demo)
    await demo.say("có")
    assert demo.text == "no such city\n\nask city"


async def test_a_question_typed_mid_flow_goes_to_the_hook_and_the_question_is_asked_again(
    app: App, demo: Chat
) -> None:
    await demo.say("/demo")
    await demo.say("khi nào có hội chợ?")
    assert [r.text for r in demo.replies[-2:]] == ["answered: khi nào có hội chợ?", "ask name"]
    assert (await _saved(app, demo))[1]["answers"] == {}


async def test_a_button_of_an_earlier_question(demo: Chat) -> None:
    await _to_city(demo)
    old = Incoming(user=demo.user, kind=Kind.BUTTON, payload="demo:nickname:skip")
    await demo.send(old)
    assert demo.text.startswith("Nút đó thuộc một câu hỏi trước.")  # That button belongs…
    assert demo.text.endswith("ask city")


async def test_what_a_step_does_not_take_is_refused_politely(demo: Chat) -> None:
    await demo.say("/demo")
    await demo.send(Incoming(user=demo.user, kind=Kind.CONTACT, phone="0912345678"))
    assert demo.text == "Bạn vui lòng trả lời câu hỏi ở trên.\n\nask name"


async def test_a_step_no_longer_in_the_table_asks_the_first_question(app: App, demo: Chat) -> None:
    await _to_city(demo)
    svc = app.router.services
    user = await svc.users.find(demo.user)
    assert user is not None
    async with svc.db.transaction():
        conv = await svc.conversations.get(user.id)
        conv.goto("a_step_removed_since")
        await svc.conversations.save(conv)
    await demo.say("Lan")
    assert demo.text == "ask name"
    assert (await _saved(app, demo))[1]["answers"]["nickname"] == "Lanny"


def test_menu_choice_by_number_or_label() -> None:
    menu = [("Đồng ý", "reg:consent:yes"), ("Không, cảm ơn", "reg:consent:no")]
    assert menu_choice("2", menu) == "reg:consent:no"
    assert menu_choice(" 1. ", menu) == "reg:consent:yes"
    assert menu_choice("3", menu) is None
    assert menu_choice("dong y", menu) == "reg:consent:yes"
    assert menu_choice("KHONG CAM ON", menu) == "reg:consent:no"
    assert menu_choice("dong", menu) is None
    assert menu_choice("1", []) is None


def test_several_options_by_numbers_labels_or_their_start() -> None:
    keys = ["ceramics", "lacquer", "embroidery"]
    label = {"ceramics": "Gốm sứ", "lacquer": "Sơn mài", "embroidery": "Thêu ren"}.__getitem__
    assert read_several("1 3", keys, label) == {"ceramics", "embroidery"}
    assert read_several("1, 2 va 3", keys, label) == set(keys)
    assert read_several("4", keys, label) == set()  # the number of Done
    assert read_several("4", keys, label, done=False) == NoSuchOption(4, 3)
    assert read_several("7", keys, label) == NoSuchOption(7, 3)
    assert read_several("gom; son mai", keys, label) == {"ceramics", "lacquer"}
    assert read_several("Thêu", keys, label) == {"embroidery"}
    assert read_several("go", keys, label) == {"ceramics"}
    assert read_several("gỗ, tre", keys, label) == Unclear("tre")
    assert read_several("tre", keys, label) == Unclear("tre")


@pytest.mark.parametrize(
    ("typed", "stands"),
    [
        ("Có", "yes"),
        ("co", "yes"),
        ("Đồng ý!", "yes"),
        ("xac nhan", "yes"),
        ("không", "no"),
        ("Quay lại", BACK),
        ("bỏ qua", SKIP),
        ("không có", SKIP),
        ("có lẽ", None),
        ("co " * 20, None),  # too long to be one of the words
    ],
)
def test_words_stand_for_a_choice_where_a_step_reads_them(typed: str, stands: str | None) -> None:
    assert stands_for(typed, back=True, yes="yes", no="no", skip=True) == stands
    assert stands_for(typed) is None  # a step that reads no words


def test_no_comes_before_skip_where_a_step_reads_both() -> None:
    assert stands_for("khong", no="no", skip=True) == "no"
    assert stands_for("khong", skip=True) == SKIP


@pytest.mark.parametrize("typed", ["1 ²", "²", "2 ³ 5", "¹"])
async def test_superscript_digits_never_fail_an_update(app: App, typed: str) -> None:
    """`'²'.isdigit()` is true but `int('²')` fails: typed numbers are read as decimals only."""
    chat = Chat(app.router, external_id="sup")
    await chat.say("/dang_ky")
    await chat.say("co")
    await chat.say("Gốm Minh Anh")
    await chat.say("1")
    failed = app.router.traffic.failed
    await chat.say(typed)
    assert app.router.traffic.failed == failed
    assert "Xin lỗi, có lỗi" not in chat.text
