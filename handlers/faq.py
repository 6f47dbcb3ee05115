"""/hoi_dap (/faq): the FAQ topics page by page, and the answer to the one chosen."""

from __future__ import annotations

from bot.core.i18n import N_
from bot.core.types import Button, Reply
from bot.dialog.router import Router, Turn
from handlers.menu import main_menu
from storage.faq import FaqEntry

__all__ = ["PAGE", "faq_answer", "register", "topics_page"]

PAGE = 8


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
    buttons = [[Button(label=e.title(turn.lang.code), payload=f"faq:k:{e.key}")] for e in shown]
    paging = []
    if page > 0:
        paging.append(Button(label=_("« Previous"), payload=f"faq:p:{page - 1}"))
    if page < pages - 1:
        paging.append(Button(label=_("Next »"), payload=f"faq:p:{page + 1}"))
    buttons += [paging] if paging else []
    buttons.append([Button(label=_("Main menu"), payload="faq:menu")])
    return Reply(text=text, buttons=buttons)


def faq_answer(turn: Turn, entry: FaqEntry, extra: str = "") -> Reply:
    """The answer to one topic, with the way to other topics and to the menu."""
    _ = turn._
    text = entry.answer_in(turn.lang.code)
    return Reply(
        text=f"{text}\n\n{extra}" if extra else text,
        buttons=[
            [
                Button(label=_("Other questions"), payload="faq:p:0"),
                Button(label=_("Main menu"), payload="faq:menu"),
            ]
        ],
    )


async def on_faq(turn: Turn) -> list[Reply]:
    """A button of the FAQ: `faq:k:KEY` (a topic), `faq:p:N` (a page), `faq:menu`."""
    parts = turn.payload_parts
    what = parts[1] if len(parts) > 1 else ""
    if what == "k" and len(parts) > 2:
        entry = await turn.services.faq.get(parts[2])
        if entry is not None:
            return [faq_answer(turn, entry)]
        return [await topics_page(turn, 0)]
    if what == "p" and len(parts) > 2 and parts[2].isdigit():
        return [await topics_page(turn, int(parts[2]))]
    return [main_menu(turn.lang)]


def register(router: Router) -> None:
    """Wires /hoi_dap and its buttons."""
    router.command(("hoi_dap", "faq"), show_topics, description=N_("Questions and answers"))
    router.button("faq", on_faq)
