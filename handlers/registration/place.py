"""Where the establishment is: a Hanoi ward or commune, typed freely and confirmed from a short
list of matches (old district and village names too), or a province outside Hanoi."""

from __future__ import annotations

from bot.core.types import Button, Reply
from bot.dialog.router import Turn
from bot.domain.enterprise_terms import ward_label
from bot.domain.places import get_ward, match_province, match_ward, provinces, sure_ward
from handlers.registration.core import (
    Answer,
    Goto,
    Next,
    Outcome,
    Stay,
    Step,
    option,
    question,
    store,
)

__all__ = [
    "ask_province",
    "ask_province_pick",
    "ask_ward",
    "ask_ward_pick",
    "got_province",
    "got_province_pick",
    "got_ward",
    "got_ward_pick",
]

_HANOI = "Hà Nội"


def _outside(turn: Turn, step: Step) -> Button:
    return option(step, "outside", turn._("Outside Hanoi"))


async def ask_ward(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks for the ward or commune."""
    text = turn._(
        "In which ward or commune of Hanoi is your establishment? Type its name, with or without"
        " accents, e.g. Bát Tràng or Vạn Phúc; old district names such as Gia Lâm work too."
    )
    return [question(turn, Step.WARD, text, [[_outside(turn, Step.WARD)]], note=note)]


async def got_ward(turn: Turn, answer: Answer) -> Outcome:
    """Looks the typed name up and offers the matches, or goes to the province question."""
    if answer.choice == "outside":
        return Goto(Step.PROVINCE)
    return _search(turn, answer.text)


def _search(turn: Turn, text: str) -> Outcome:
    """Offers the wards matching `text` (at the list of matches, a new list); explains
    politely when none does."""
    if not text:
        return Stay()
    found = match_ward(text, limit=4)
    if not found:
        note = turn._(
            "I could not find “{answer}” among Hanoi's 126 wards and communes. Please check the"
            " spelling, e.g. Bat Trang or Van Phuc, or type the old district, e.g. Gia Lam."
        ).format(answer=text[:60])
        return Stay(note)
    sure = sure_ward(text, found)  # "bat trang", "van phuc ha dong": nothing to choose
    if sure is not None:
        turn.conversation.data.pop("ward_matches", None)
        store(turn, ward_code=sure.ward.code, province=None)
        label = ward_label(sure.ward.code, turn._)
        if sure.matched != sure.ward.name:
            label = f"{label} ({sure.matched})"
        return Next(Step.ADDRESS, note=turn._("Noted: {place}.").format(place=label))
    turn.conversation.data["ward_matches"] = [[m.ward.code, m.matched] for m in found]
    if turn.conversation.step == Step.WARD_PICK:
        return Stay()
    return Goto(Step.WARD_PICK)


async def ask_ward_pick(turn: Turn, note: str | None = None) -> list[Reply]:
    """Shows the matching wards to choose from."""
    _ = turn._
    buttons = []
    for code, matched in turn.conversation.data.get("ward_matches", []):
        ward = get_ward(code)
        if ward is None:
            continue
        label = ward_label(code, _)
        if matched != ward.name:
            label = f"{label} ({matched})"
        buttons.append([option(Step.WARD_PICK, code, label)])
    buttons.append([option(Step.WARD_PICK, "back", _("None of these, type again"))])
    buttons.append([_outside(turn, Step.WARD_PICK)])
    text = _("Which one is it? (The old name you typed is in brackets.)")
    return [question(turn, Step.WARD_PICK, text, buttons, note=note, back=False)]


async def got_ward_pick(turn: Turn, answer: Answer) -> Outcome:
    """Stores the ward chosen; typed text is looked up again."""
    value = answer.choice
    if value == "outside":
        return Goto(Step.PROVINCE)
    offered = {code for code, _ in turn.conversation.data.get("ward_matches", [])}
    if value in offered:
        store(turn, ward_code=value, province=None)
        return Next(Step.ADDRESS)
    return _search(turn, answer.text)


async def ask_province(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks for the province outside Hanoi."""
    text = turn._("In which province or city is it? For example: Bắc Ninh, Hưng Yên, Phú Thọ.")
    return [question(turn, Step.PROVINCE, text, note=note)]


async def got_province(turn: Turn, answer: Answer) -> Outcome:
    """Looks the typed province up and offers the matches."""
    return _search_province(turn, answer.text)


def _search_province(turn: Turn, text: str) -> Outcome:
    """Offers the provinces matching `text` (at the list of matches, a new list)."""
    _ = turn._
    if not text:
        return Stay()
    found = [p.name for p in match_province(text)]
    if found[:1] == [_HANOI]:
        return Stay(
            _("For an establishment in Hanoi, please go back and type your ward or commune.")
        )
    found = [name for name in found if name != _HANOI]
    if not found:
        note = _(
            "I do not know the province “{answer}”. Please type the name of a province or city,"
            " e.g. Bắc Ninh or Thanh Hóa."
        ).format(answer=text[:60])
        return Stay(note)
    turn.conversation.data["province_matches"] = found
    if turn.conversation.step == Step.PROVINCE_PICK:
        return Stay()
    return Goto(Step.PROVINCE_PICK)


async def ask_province_pick(turn: Turn, note: str | None = None) -> list[Reply]:
    """Shows the matching provinces to choose from."""
    buttons = [
        [option(Step.PROVINCE_PICK, name, name)]
        for name in turn.conversation.data.get("province_matches", [])
    ]
    text = turn._("Which one is it?")
    return [question(turn, Step.PROVINCE_PICK, text, buttons, note=note)]


async def got_province_pick(turn: Turn, answer: Answer) -> Outcome:
    """Stores the province chosen; typed text is looked up again."""
    value = answer.choice
    known = {p.name for p in provinces()} - {_HANOI}
    if value in known and value in turn.conversation.data.get("province_matches", []):
        store(turn, ward_code=None, province=value)
        return Next(Step.ADDRESS)
    return _search_province(turn, answer.text)
