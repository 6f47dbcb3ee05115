"""The plain questions: consent, name, kind, address, contact person, products, OCOP rating."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.core.clock import utcnow
from bot.core.types import Reply
from bot.dialog.router import Turn
from bot.dialog.steps import SKIP
from bot.dialog.typed import NUMBERED, SKIP_WORDS
from bot.domain.consent import CONSENT_DATE, CONSENT_TEXT, CONSENT_VERSION
from bot.domain.enterprise_terms import KIND_NAMES, KIND_WORDS
from handlers.menu import main_menu
from handlers.registration.core import (
    Answer,
    Done,
    Goto,
    Next,
    Outcome,
    Stay,
    Step,
    back_button,
    command,
    option,
    question,
    store,
)
from storage.enterprises import KINDS

Check = Callable[[Turn, str], str | None]  # what is wrong with a typed answer, or None

__all__ = [
    "ask_address",
    "ask_consent",
    "ask_contact",
    "ask_kind",
    "ask_name",
    "ask_ocop",
    "ask_products",
    "got_address",
    "got_consent",
    "got_contact",
    "got_kind",
    "got_name",
    "got_ocop",
    "got_products",
    "heard_before_consent",
]

NAME_MAX = 120
PERSON_MAX = 80
ADDRESS_MAX = 200
PRODUCTS_MAX = 500
_SPACES = re.compile(r"\s+")
_NO_OCOP = SKIP_WORDS | {"chua", "no", "0"}  # no rating: the shared skip words, and these


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _text_problem(turn: Turn, text: str, limit: int) -> str | None:
    """What is wrong with a short free-text answer, said politely; None if it will do."""
    too_long = _too_long(limit)(turn, text)
    if too_long:
        return too_long
    if len(text) < 2 or not any(ch.isalpha() for ch in text):
        return turn._("Please write it in letters (at least two characters).")
    return None


def _too_long(limit: int) -> Check:
    """A check that only refuses answers longer than `limit` characters."""

    def check(turn: Turn, text: str) -> str | None:
        if len(text) <= limit:
            return None
        return turn._("That is too long: at most {limit} characters, please.").format(limit=limit)

    return check


async def ask_consent(turn: Turn, note: str | None = None) -> list[Reply]:
    """Says which data, why, who is responsible, for how long and the person's rights (the
    versioned text of bot/domain/consent.py), and asks for consent."""
    _ = turn._
    text = _(CONSENT_TEXT).format(
        my_data=command(turn, "du_lieu_cua_toi", "my_data"),
        profile=command(turn, "ho_so", "profile"),
        version=CONSENT_VERSION,
        date=turn.lang.date(CONSENT_DATE, "short"),
    )
    if turn.conversation.data.get("mode") == "profile":
        text = _("The text you agreed to has changed; please read it again.") + "\n\n" + text
    buttons = [
        [option(Step.CONSENT, "yes", _("I agree"))],
        [option(Step.CONSENT, "no", _("No, thanks"))],
    ]
    return [question(turn, Step.CONSENT, text, buttons, note=note, back=False)]


async def got_consent(turn: Turn, answer: Answer) -> Outcome:
    """Records consent (the version of the text and when) or leaves the flow; renewed consent
    before changing a registration goes on to the change asked for. (Other text typed here is
    the flow's `heard` hook's.)"""
    data = turn.conversation.data
    if answer.choice == "yes":
        data["consent_at"] = utcnow().isoformat()
        data["consent_version"] = CONSENT_VERSION
        then = data.pop("then", None)
        return Goto(Step(then)) if then else Next(Step.NAME)
    if answer.choice == "no":
        text = turn._("All right, nothing was saved. You can register later from the menu.")
        if data.get("mode") == "profile":
            text = turn._(
                "All right, nothing was changed. To withdraw your consent and have your data"
                " deleted, use {my_data}."
            ).format(my_data=command(turn, "du_lieu_cua_toi", "my_data"))
        return Done([main_menu(turn.lang, text)])
    return Stay(turn._("Please choose “I agree” to continue, or “No, thanks”."))


async def heard_before_consent(turn: Turn) -> list[Reply]:
    """Text typed before agreeing that is neither yes nor no (a question, most often): nothing
    is saved yet, so leave the registration and answer it rather than asking again and again."""
    turn.conversation.end()
    return await turn.router.answer_text(turn)


async def ask_name(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks for the name of the establishment."""
    text = turn._(
        "What is the name of your establishment? For example: Cơ sở gốm Minh Hải,"
        " Hợp tác xã mây tre đan Phú Vinh."
    )
    return [question(turn, Step.NAME, text, note=note)]


async def got_name(turn: Turn, answer: Answer) -> Outcome:
    """Stores the name if it is one."""
    if answer.choice is not None:
        return Stay(turn._("Please type the name."))
    name = _clean(answer.text)
    problem = _text_problem(turn, name, NAME_MAX)
    if problem:
        return Stay(problem)
    store(turn, name=name)
    return Next(Step.KIND)


async def ask_kind(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks what kind of establishment it is."""
    _ = turn._
    buttons = [[option(Step.KIND, k, _(KIND_NAMES[k]))] for k in KINDS]
    return [question(turn, Step.KIND, _("What kind of establishment is it?"), buttons, note=note)]


async def got_kind(turn: Turn, answer: Answer) -> Outcome:
    """Stores the kind chosen, or typed in the usual words ("ho gia dinh")."""
    if answer.choice is None and answer.text:
        answer.choice = KIND_WORDS.get(answer.folded)
    if answer.choice not in KINDS:
        if turn.user.channel in NUMBERED:
            return Stay(turn._("Please type the number of one of the options, or its name."))
        return Stay(turn._("Please choose one of the options below."))
    store(turn, kind=answer.choice)
    return Next(Step.ROLES)


async def ask_address(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks for the street address, which may be skipped."""
    _ = turn._
    text = _(
        "What is the street address (house number, street, village)? For example: 12 Giang Cao,"
        " thôn 2. You can skip this."
    )
    buttons = [[option(Step.ADDRESS, "skip", _("Skip"))]]
    return [question(turn, Step.ADDRESS, text, buttons, note=note)]


async def got_address(turn: Turn, answer: Answer) -> Outcome:
    """Stores the address, or none when skipped."""
    return _optional_text(turn, answer, "address", _too_long(ADDRESS_MAX), Step.CONTACT)


async def ask_contact(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks who the Department should ask for; offers the user's own name."""
    _ = turn._
    text = _("Who is the contact person? Type their full name, e.g. Nguyễn Thị Lan.")
    me = (turn.user.display_name or "").strip()
    buttons = []
    if me and _text_problem(turn, me, PERSON_MAX) is None:
        buttons = [[option(Step.CONTACT, "me", me)]]
    return [question(turn, Step.CONTACT, text, buttons, note=note)]


async def got_contact(turn: Turn, answer: Answer) -> Outcome:
    """Stores the contact person."""
    person = _clean(turn.user.display_name or "" if answer.choice == "me" else answer.text)
    problem = _text_problem(turn, person, PERSON_MAX)
    if problem:
        return Stay(problem)
    store(turn, contact_name=person)
    return Next(Step.PHONE)


async def ask_products(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks for the main products, which may be skipped."""
    _ = turn._
    text = _(
        "What are your main products (or, for buyers, what you look for)? For example: bát đĩa"
        " men lam, lọ hoa, ấm chén."
    )
    buttons = [[option(Step.PRODUCTS, "skip", _("Skip"))]]
    return [question(turn, Step.PRODUCTS, text, buttons, note=note)]


async def got_products(turn: Turn, answer: Answer) -> Outcome:
    """Stores the products, or none when skipped."""

    def problem(turn: Turn, text: str) -> str | None:
        return _text_problem(turn, text, PRODUCTS_MAX)

    return _optional_text(turn, answer, "products", problem, Step.OCOP)


def _optional_text(turn: Turn, answer: Answer, field: str, check: Check, then: Step) -> Outcome:
    """A free-text answer that Skip (or a skip word) leaves empty; the question again if it
    will not do."""
    if answer.choice is not None:
        if answer.choice != SKIP:
            return Stay()
        store(turn, **{field: None})
        return Next(then)
    value = _clean(answer.text)
    problem = check(turn, value)
    if problem:
        return Stay(problem)
    store(turn, **{field: value})
    return Next(then)


async def ask_ocop(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks for the OCOP rating, if the products have one."""
    _ = turn._
    text = _("Do your products have an OCOP rating? Choose the stars, or “No OCOP rating”.")
    stars = [option(Step.OCOP, str(n), _("{stars} stars ⭐").format(stars=n)) for n in (3, 4, 5)]
    # Options are numbered in reading order, so 3, 4 and 5 stand third to fifth: a number
    # typed on Zalo or the console picks the same rating whether read as an option or a star.
    first = [
        option(Step.OCOP, "none", _("No OCOP rating")),
        back_button(turn, Step.OCOP),
    ]
    return [question(turn, Step.OCOP, text, [first, stars], note=note, back=False)]


async def got_ocop(turn: Turn, answer: Answer) -> Outcome:
    """Stores the stars (3, 4 or 5) or no rating."""
    value = answer.choice if answer.choice is not None else answer.folded.removesuffix(" sao")
    if value in ("none", *_NO_OCOP):
        store(turn, ocop_stars=None)
        return Next(Step.PRACTICES)
    if value in ("3", "4", "5"):
        store(turn, ocop_stars=int(value))
        return Next(Step.PRACTICES)
    note = turn._(
        "OCOP ratings are 3, 4 or 5 stars. Type 3, 4 or 5 (for example 4 for a 4-star product),"
        " or choose “No OCOP rating”."
    )
    return Stay(note)
