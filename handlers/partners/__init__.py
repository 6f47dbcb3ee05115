"""Members find partners along the chain (issue 20): /tim (/find) and questions that look for
members, requests to connect and their answers, blocks, reports, and what a member shows."""

from __future__ import annotations

from bot.core.i18n import N_
from bot.core.types import Reply
from bot.dialog.router import Router, Turn
from bot.domain.partners import read_query
from bot.domain.understand import Understanding
from handlers import questions
from handlers.partners import connect, search, settings

__all__ = ["answer_search", "register", "typed_answer"]

INTENT = "find_partner"  # bot/domain/lexicon.py INTENT_EXAMPLES


async def open_search(turn: Turn) -> list[Reply]:
    """/tim WHAT: searches; /tim alone says how."""
    words = turn.incoming.args.strip()
    if not words:
        text = turn._(
            "Type what you look for after /tim, in your own words: a role (supplier, producer,"
            " distributor, buyer), a craft or product, a place. For example:\n/tim nhà cung cấp"
            " men gốm\n/tim bán buôn mây tre đan\n/tim cơ sở lụa Vạn Phúc"
        )
        return [Reply(text=text)]
    reading = await questions.read_text(turn, words)  # the same reader as every question
    return await search.show_results(turn, read_query(reading))


async def answer_search(turn: Turn, reading: Understanding) -> list[Reply] | None:
    """Free text: a typed answer to a request waiting, or a search question; None otherwise
    (handlers/questions.py's hook)."""
    typed = await connect.typed_answer(turn)
    if typed is not None:
        return typed
    if reading.intent != INTENT:
        return None
    return await search.show_results(turn, read_query(reading))


typed_answer = connect.typed_answer


def register(router: Router) -> None:
    """Wires /tim, the results' buttons, requests, reports and the /ho_so setting."""
    router.command(
        ("tim", "find"), open_search, description=N_("Find members: suppliers, producers, shops")
    )
    questions.hand_over(answer_search)
    router.button((search.SearchPage, search.Widen), search.on_page)
    router.button(search.AskConnect, connect.on_ask)
    router.button(connect.RequestAnswer, connect.on_request_button)
    router.button((settings.ShowField, settings.Findable), settings.on_button)
    router.flow(connect.ASK.name, connect.ASK.on_input, ask_again=connect.ASK.ask_again)
    router.flow(connect.REPORT.name, connect.REPORT.on_input, ask_again=connect.REPORT.ask_again)
