"""/tim (/find) and questions that look for members: a short paged list, most relevant first;
an empty one says what was understood and offers to widen the search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from bot.core.clock import utcnow
from bot.core.payloads import Id, MeetAt, Page, Payload
from bot.core.types import Button, Reply
from bot.dialog.router import Turn
from bot.dialog.typed import NUMBERED
from bot.domain.enterprise_terms import ROLE_NAMES, term
from bot.domain.partners import PartnerQuery, relevance
from bot.domain.sectors import sector_name
from handlers.partners.cards import card
from storage.enterprises import Enterprise, EnterpriseStatus

__all__ = ["AskConnect", "SearchPage", "Widen", "member_of", "results", "show_results"]

PER_PAGE: Final = 5
_SAVED: Final = "partner_search"  # the last search, in the conversation's data


@dataclass(frozen=True, slots=True)
class SearchPage(Payload, prefix="find:page"):
    """A page of the last search: `find:page:1`."""

    page: Page


@dataclass(frozen=True, slots=True)
class Widen(Payload, prefix="find:widen"):
    """The last search again without its place (`find:widen:place`) or its role."""

    drop: Literal["place", "role"]


@dataclass(frozen=True, slots=True)
class AskConnect(Payload, prefix="partner:ask"):
    """Ask a member found to connect: `partner:ask:ENTERPRISE_ID`."""

    enterprise: Id


async def member_of(turn: Turn) -> Enterprise | None:
    """The account's registration when it is approved (only members search and connect)."""
    e = await turn.services.enterprises.for_account(turn.user.account_id)
    return e if e is not None and e.status is EnterpriseStatus.APPROVED else None


def not_a_member(turn: Turn, e: Enterprise | None) -> list[Reply]:
    """Why this account cannot search yet."""
    _ = turn._
    if e is None:
        text = _(
            "Members of the network find each other here. Register your establishment first"
            " (/dang_ky); once the Department approves it you can search."
        )
    else:
        text = _(
            "Your registration is waiting for the Department's review; you can search for"
            " members once it is approved."
        )
    return [Reply(text=text)]


async def results(turn: Turn, me: Enterprise, query: PartnerQuery) -> list[Enterprise]:
    """The members who answer the search, most relevant first."""
    found = await turn.services.chain.findable(
        me.id,
        roles=query.roles,
        sectors=query.sectors,
        wards=query.wards,
        province=query.province,
    )
    scored = [
        (
            relevance(
                query,
                products=e.products if "products" in e.shown else None,
                name=e.name if "name" in e.shown else "",
                sectors=e.sectors,
                roles=e.roles,
                ward_code=e.ward_code,
                ocop_stars=e.ocop_stars,
            ),
            e,
        )
        for e in found
    ]
    ranked = [(s, e) for s, e in scored if s > 0 or not query.words]
    ranked.sort(key=lambda se: -se[0])  # stable: the most recently approved first among equals
    return [e for _s, e in ranked]


def understood(turn: Turn, query: PartnerQuery) -> str:
    """What the search was read as, in words."""
    _ = turn._
    parts = []
    if query.roles:
        parts.append(", ".join(term(ROLE_NAMES, r, _) for r in query.roles))
    if query.sectors:
        parts.append(", ".join(sector_name(s, _) for s in query.sectors))
    if query.words:
        parts.append("«" + " ".join(query.words) + "»")
    if query.place or query.province:
        parts.append(_("in {place}").format(place=query.place or query.province))
    return " · ".join(parts) or _("every member")


async def show_results(turn: Turn, query: PartnerQuery, page: int = 0) -> list[Reply]:
    """One page of the results of `query`, saved as the account's last search."""
    _ = turn._
    me = await member_of(turn)
    if me is None:
        return not_a_member(turn, await turn.services.enterprises.for_account(turn.user.account_id))
    turn.conversation.data[_SAVED] = query.model_dump(mode="json")
    found = await results(turn, me, query)
    what = understood(turn, query)
    if not found:
        text = _("I found no member for: {what}.").format(what=what)
        widen: list[list[Button]] = []
        if query.place or query.province:
            text += "\n" + _("Perhaps in another ward, or in the whole city?")
            widen.append([Widen("place").button(_("Search the whole city"))])
        if query.roles:
            widen.append([Widen("role").button(_("Any role in the chain"))])
        text += "\n" + _("You can also search with other words, for example: /tim gốm Bát Tràng.")
        return [Reply(text=text, buttons=widen)]
    pages = (len(found) + PER_PAGE - 1) // PER_PAGE
    page = min(page, pages - 1)
    shown = found[page * PER_PAGE : (page + 1) * PER_PAGE]
    head = turn.ngettext(
        "{n} member found for: {what}", "{n} members found for: {what}", len(found)
    ).format(n=len(found), what=what)
    if pages > 1:
        head += " " + _("(page {page} of {pages})").format(page=page + 1, pages=pages)
    lines = [head, ""]
    buttons: list[list[Button]] = []
    for i, e in enumerate(shown, start=page * PER_PAGE + 1):
        lines.append(f"{i}. {card(e, turn.lang)}")
        buttons.append([AskConnect(e.id).button(_("🤝 Connect with no. {n}").format(n=i))])
        for fair in (await turn.services.chain.offering(e.id, utcnow()))[:1]:
            buttons.append([MeetAt(e.id, fair).button(_("📅 Meet no. {n} at a fair").format(n=i))])
    lines += [
        "",
        _("To ask one to connect, type the number of their option.")
        if turn.user.channel in NUMBERED
        else _("To ask one to connect, press their button."),
    ]
    nav = []
    if page > 0:
        nav.append(SearchPage(page - 1).button(_("◀ Previous")))
    if page + 1 < pages:
        nav.append(SearchPage(page + 1).button(_("More ▶")))
    if nav:
        buttons.append(nav)
    return [Reply(text="\n".join(lines), buttons=buttons)]


def saved(turn: Turn) -> PartnerQuery | None:
    """The account's last search, if any."""
    raw = turn.conversation.data.get(_SAVED)
    return PartnerQuery.model_validate(raw) if isinstance(raw, dict) else None


async def on_page(turn: Turn) -> list[Reply]:
    """`find:page:N` and `find:widen:place|role`."""
    query = saved(turn)
    if query is None:
        return [
            Reply(
                text=turn._("That search is no longer available. Type /tim and what you look for.")
            )
        ]
    match turn.payload:
        case SearchPage(page=page):
            return await show_results(turn, query, page)
        case Widen(drop="place"):
            wider = query.model_copy(update={"wards": (), "place": None, "province": None})
            return await show_results(turn, wider)
        case Widen(drop="role"):
            return await show_results(turn, query.model_copy(update={"roles": ()}))
    return await show_results(turn, query)
