"""The plain questions: consent, name, kind, address, contact person, products, OCOP rating."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.core.types import Button, Kind, Reply
from bot.dialog.router import Turn
from bot.domain.enterprise_terms import KIND_NAMES
from bot.domain.textnorm import fold
from handlers.menu import main_menu
from handlers.registration.core import (
    Ask,
    Next,
    Outcome,
    Step,
    back_button,
    command,
    payload_value,
    question,
    store,
    typed,
)
from storage.db import utcnow
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
]

NAME_MAX = 120
PERSON_MAX = 80
ADDRESS_MAX = 200
PRODUCTS_MAX = 500
_SPACES = re.compile(r"\s+")
_YES = frozenset({"dong y", "co", "ok", "yes", "agree", "i agree", "y", "u", "uh"})
_NO = frozenset({"khong", "ko", "k", "no", "khong dong y", "thoi", "no thanks", "huy"})
_NO_OCOP = frozenset({"khong", "khong co", "chua", "chua co", "no", "none", "0"})


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _is_button(turn: Turn) -> bool:
    return turn.incoming.kind is Kind.BUTTON


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
    """Says what is collected and why, and asks for consent."""
    _ = turn._
    text = _(
        "Registering into the network takes a few minutes. I will ask for the name, kind and"
        " place of your establishment, your role and crafts, a contact person and phone number,"
        " a tax code or ID number, your products and practices.\n\nThey are used by the Hanoi"
        " Department of Industry and Trade to run the network (fairs, booths, news) and are"
        " shared with the Department only. You can see or change them at any time with"
        " {profile}, and stop with {cancel}.\n\nDo you agree?"
    ).format(profile=command(turn, "ho_so", "profile"), cancel=command(turn, "huy", "cancel"))
    buttons = [
        [Button(label=_("I agree"), payload="reg:consent:yes")],
        [Button(label=_("No, thanks"), payload="reg:consent:no")],
    ]
    return [question(turn, Step.CONSENT, text, buttons, note=note, back=False)]


async def got_consent(turn: Turn) -> Outcome:
    """Records consent (and when it was given) or leaves the flow."""
    value = payload_value(turn) if _is_button(turn) else ""
    if value == "yes" or (not value and fold(typed(turn)) in _YES):
        turn.conversation.data["consent_at"] = utcnow().isoformat()
        return Next(Step.NAME)
    if value == "no" or (not value and fold(typed(turn)) in _NO):
        turn.conversation.end()
        text = turn._("All right, nothing was saved. You can register later from the menu.")
        return [main_menu(turn.lang, text)]
    if not value and typed(turn):
        # Typed something else before agreeing (a question, most often): nothing is saved
        # yet, so leave the registration and answer it rather than asking again and again.
        turn.conversation.end()
        return await turn.router.answer_text(turn)
    note = turn._("Please choose “I agree” to continue, or “No, thanks”.")
    return await ask_consent(turn, note)


async def ask_name(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks for the name of the establishment."""
    text = turn._(
        "What is the name of your establishment? For example: Cơ sở gốm Minh Hải,"
        " Hợp tác xã mây tre đan Phú Vinh."
    )
    return [question(turn, Step.NAME, text, note=note)]


async def got_name(turn: Turn) -> Outcome:
    """Stores the name if it is one."""
    name = _clean(typed(turn))
    problem = _text_problem(turn, name, NAME_MAX) if not _is_button(turn) else None
    if _is_button(turn) or problem:
        return await ask_name(turn, problem or turn._("Please type the name."))
    store(turn, name=name)
    return Next(Step.KIND)


async def ask_kind(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks what kind of establishment it is."""
    _ = turn._
    buttons = [[Button(label=_(KIND_NAMES[k]), payload=f"reg:kind:{k}")] for k in KINDS]
    return [question(turn, Step.KIND, _("What kind of establishment is it?"), buttons, note=note)]


async def got_kind(turn: Turn) -> Outcome:
    """Stores the kind chosen."""
    value = payload_value(turn) if _is_button(turn) else ""
    if value not in KINDS:
        return await ask_kind(
            turn, turn._("Please choose one of the options (or type its number).")
        )
    store(turn, kind=value)
    return Next(Step.ROLES)


async def ask_address(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks for the street address, which may be skipped."""
    _ = turn._
    text = _(
        "What is the street address (house number, street, village)? For example: 12 Giang Cao,"
        " thôn 2. You can skip this."
    )
    buttons = [[Button(label=_("Skip"), payload="reg:address:skip")]]
    return [question(turn, Step.ADDRESS, text, buttons, note=note)]


async def got_address(turn: Turn) -> Outcome:
    """Stores the address, or none when skipped."""
    return await _optional_text(turn, "address", _too_long(ADDRESS_MAX), ask_address, Step.CONTACT)


async def ask_contact(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks who the Department should ask for; offers the user's own name."""
    _ = turn._
    text = _("Who is the contact person? Type their full name, e.g. Nguyễn Thị Lan.")
    me = (turn.user.display_name or "").strip()
    buttons = []
    if me and _text_problem(turn, me, PERSON_MAX) is None:
        buttons = [[Button(label=me, payload="reg:contact:me")]]
    return [question(turn, Step.CONTACT, text, buttons, note=note)]


async def got_contact(turn: Turn) -> Outcome:
    """Stores the contact person."""
    if _is_button(turn) and payload_value(turn) == "me":
        person = _clean(turn.user.display_name or "")
    else:
        person = _clean(typed(turn))
    problem = _text_problem(turn, person, PERSON_MAX)
    if problem:
        return await ask_contact(turn, problem)
    store(turn, contact_name=person)
    return Next(Step.PHONE)


async def ask_products(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks for the main products, which may be skipped."""
    _ = turn._
    text = _(
        "What are your main products (or, for buyers, what you look for)? For example: bát đĩa"
        " men lam, lọ hoa, ấm chén."
    )
    buttons = [[Button(label=_("Skip"), payload="reg:products:skip")]]
    return [question(turn, Step.PRODUCTS, text, buttons, note=note)]


async def got_products(turn: Turn) -> Outcome:
    """Stores the products, or none when skipped."""

    def problem(turn: Turn, text: str) -> str | None:
        return _text_problem(turn, text, PRODUCTS_MAX)

    return await _optional_text(turn, "products", problem, ask_products, Step.OCOP)


async def _optional_text(turn: Turn, field: str, check: Check, ask: Ask, then: Step) -> Outcome:
    """A free-text answer that Skip leaves empty; the question again if it will not do."""
    if _is_button(turn):
        if payload_value(turn) != "skip":
            return await ask(turn, None)
        store(turn, **{field: None})
        return Next(then)
    value = _clean(typed(turn))
    problem = check(turn, value)
    if problem:
        return await ask(turn, problem)
    store(turn, **{field: value})
    return Next(then)


async def ask_ocop(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks for the OCOP rating, if the products have one."""
    _ = turn._
    text = _("Do your products have an OCOP rating? Choose the stars, or “No OCOP rating”.")
    stars = [
        Button(label=_("{stars} stars ⭐").format(stars=n), payload=f"reg:ocop:{n}")
        for n in (3, 4, 5)
    ]
    # Options are numbered in reading order, so 3, 4 and 5 stand third to fifth: a number
    # typed on Zalo or the console picks the same rating whether read as an option or a star.
    first = [
        Button(label=_("No OCOP rating"), payload="reg:ocop:none"),
        back_button(turn, Step.OCOP),
    ]
    return [question(turn, Step.OCOP, text, [first, stars], note=note, back=False)]


async def got_ocop(turn: Turn) -> Outcome:
    """Stores the stars (3, 4 or 5) or no rating."""
    value = payload_value(turn) if _is_button(turn) else fold(typed(turn)).removesuffix(" sao")
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
    return await ask_ocop(turn, note)
