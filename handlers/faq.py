"""/hoi_dap (/faq): the FAQ topics page by page, and the answer to the one chosen."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.i18n import N_
from bot.core.payloads import Page, Payload, Word
from bot.core.types import Reply
from bot.dialog.router import Router, Turn
from handlers.menu import main_menu
from storage.faq import FaqEntry

__all__ = ["PAGE", "FaqMenu", "FaqPage", "FaqTopic", "faq_answer", "register", "topics_page"]

PAGE = 8


@dataclass(frozen=True, slots=True)
class FaqTopic(Payload, prefix="faq:k"):
    """One topic's answer: `faq:k:booth-fee`."""

    key: Word


@dataclass(frozen=True, slots=True)
class FaqPage(Payload, prefix="faq:p"):
    """A page of topics: `faq:p:1`."""

    page: Page


@dataclass(frozen=True, slots=True)
class FaqMenu(Payload, prefix="faq:menu"):
    """Back to the main menu: `faq:menu`."""


async def show_topics(turn: Turn) -> list[Reply]:
    """Shows the first page of topics."""
    return [await topics_page(turn, 0)]


async def topics_page(turn: Turn, page: int) -> Reply:
    """A page of FAQ topics as buttons, with paging and a way back to the menu."""
    _ = turn._
    entries = await turn.services.faq.all()
    if not entries:
        return main_menu(turn.lang, _("There are no questions and answers yet."))
    pages = (len(entries) + PAGE - 1) // PAGE
    page = min(max(page, 0), pages - 1)
    shown = entries[page * PAGE : (page + 1) * PAGE]
    text = _(
        "Questions & answers (page {page} of {pages}). Choose a topic, or just type your"
        " question in your own words:"
    ).format(page=page + 1, pages=pages)
    buttons = [[FaqTopic(e.key).button(e.title(turn.lang.code))] for e in shown]
    paging = []
    if page > 0:
        paging.append(FaqPage(page - 1).button(_("« Previous")))
    if page < pages - 1:
        paging.append(FaqPage(page + 1).button(_("Next »")))
    buttons += [paging] if paging else []
    buttons.append([FaqMenu().button(_("Main menu"))])
    return Reply(text=text, buttons=buttons)


def faq_answer(turn: Turn, entry: FaqEntry, extra: str = "") -> Reply:
    """The answer to one topic, with the way to other topics and to the menu."""
    _ = turn._
    text = entry.answer_in(turn.lang.code)
    return Reply(
        text=f"{text}\n\n{extra}" if extra else text,
        buttons=[
            [
                FaqPage(0).button(_("Other questions")),
                FaqMenu().button(_("Main menu")),
            ]
        ],
    )


async def on_faq(turn: Turn) -> list[Reply]:
    """A button of the FAQ: `faq:k:KEY` (a topic), `faq:p:N` (a page), `faq:menu`."""
    match turn.payload:
        case FaqTopic(key=key):
            entry = await turn.services.faq.get(key)
            if entry is not None:
                return [faq_answer(turn, entry)]
            return [await topics_page(turn, 0)]
        case FaqPage(page=page):
            return [await topics_page(turn, page)]
    return [main_menu(turn.lang)]


def register(router: Router) -> None:
    """Wires /hoi_dap and its buttons."""
    router.command(("hoi_dap", "faq"), show_topics, description=N_("Questions and answers"))
    router.button((FaqTopic, FaqPage, FaqMenu), on_faq)
