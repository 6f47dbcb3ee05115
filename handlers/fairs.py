"""/hoi_cho (/fairs): the calendar page by page, a fair's card, its .ics file, deep links."""

from __future__ import annotations

from bot.core.clock import utcnow
from bot.core.i18n import N_
from bot.core.payloads import FairAction, FairsPage, Which
from bot.core.types import Button, Document, Reply
from bot.dialog.router import Router, Turn
from bot.dialog.typed import NUMBERED
from bot.services import fair_media
from bot.services.fair_view import (
    applications_close_at,
    availability,
    fair_summary,
    fair_times,
    is_open,
    sectors_text,
    share_link,
    short_title,
    venue,
)
from handlers import booth_apply
from handlers.booths import application_button
from handlers.start import bad_button
from storage.fairs import Fair

__all__ = ["register", "show_card", "upcoming_page"]

PAGE = 5


async def list_fairs(turn: Turn) -> list[Reply]:
    """Shows the first page of upcoming fairs."""
    return [await upcoming_page(turn, "up", 0)]


async def upcoming_page(turn: Turn, which: Which, page: int, intro: str | None = None) -> Reply:
    """A page of upcoming ("up") or past ("past") fairs, with a button per fair and paging."""
    _ = turn._
    svc = turn.services
    fetch = svc.fairs.past if which == "past" else svc.fairs.upcoming
    fairs, total = await fetch(page * PAGE, PAGE)
    if not fairs and page > 0:
        page = 0
        fairs, total = await fetch(0, PAGE)
    other = (
        FairsPage("up", 0).button(_("Upcoming fairs"))
        if which == "past"
        else FairsPage("past", 0).button(_("Past fairs"))
    )
    if not fairs:
        empty = (
            _("There are no past fairs in the calendar.")
            if which == "past"
            else _("No upcoming fair has been announced yet. Past fairs are still listed.")
        )
        return Reply(text="\n\n".join(filter(None, [intro, empty])), buttons=[[other]])
    taken = await svc.booths.taken(f.id for f in fairs)
    first = page * PAGE + 1
    heading = (
        _("Past fairs, the latest first ({first}–{last} of {total}):")
        if which == "past"
        else _("Upcoming fairs, the soonest first ({first}–{last} of {total}):")
    ).format(first=first, last=first + len(fairs) - 1, total=total)
    blocks = [intro, heading] if intro else [heading]
    # Where the options are numbered below (Zalo), the list above is not numbered as well.
    marks = (
        ["•"] * len(fairs)
        if turn.user.channel in NUMBERED
        else [f"{n}." for n in range(first, first + len(fairs))]
    )
    for mark, fair in zip(marks, fairs, strict=True):
        blocks.append(f"{mark} " + fair_summary(turn.lang, fair, taken[fair.id]))
    buttons = [[FairAction(f.key, "card").button(short_title(turn.lang, f))] for f in fairs]
    paging = []
    if page > 0:
        paging.append(FairsPage(which, page - 1).button(_("« Previous")))
    if first + len(fairs) - 1 < total:
        paging.append(FairsPage(which, page + 1).button(_("Next »")))
    buttons += [paging] if paging else []
    buttons.append([other])
    return Reply(text="\n\n".join(blocks), buttons=buttons)


async def on_page(turn: Turn) -> list[Reply]:
    """A paging button: `fairs:up:N` or `fairs:past:N`."""
    match turn.payload:
        case FairsPage(which=which, page=page):
            return [await upcoming_page(turn, which, page)]
    return await bad_button(turn)


async def show_card(turn: Turn, fair: Fair) -> list[Reply]:
    """A fair's card: what, when, where (map pin), booths, and what the user can do."""
    _ = turn._
    lang = turn.lang
    svc = turn.services
    taken = (await svc.booths.taken([fair.id]))[fair.id]
    over = fair.ends_at <= utcnow()
    lines = [fair.title(lang.code)]
    if fair.cancelled:
        lines.append(_("The Department has cancelled this fair."))
    elif over:
        lines.append(_("This fair is over."))
    description = fair.description(lang.code)
    lines += [description] if description else []
    lines.append("📅 " + fair_times(lang, fair))  # the place comes as the reply's venue
    lines.append(_("Sectors: {sectors}").format(sectors=sectors_text(lang, fair)))
    buttons: list[list[Button]] = []
    if over:
        lines.append(_("Booths: {total}").format(total=lang.number(fair.booths)))
    else:
        lines.append(availability(lang, fair, taken))
        if is_open(lang, fair):
            most = turn.ngettext(
                "Apply by {date}; each establishment may ask for {n} booth.",
                "Apply by {date}; each establishment may ask for up to {n} booths.",
                fair.max_booths,
            )
            lines.append(most.format(date=lang.date(fair.apply_by), n=fair.max_booths))
        elif not fair.cancelled:
            closed = applications_close_at(lang, fair)
            lines.append(_("Applications closed on {date}.").format(date=lang.date(closed)))
        mine = await booth_apply.existing(turn, fair)
        if mine is not None:
            buttons.append([application_button(turn, mine)])
        elif is_open(lang, fair):
            buttons.append([FairAction(fair.key, "apply").button(_("Apply for a booth"))])
    if not over and not fair.cancelled:
        link = share_link(svc.settings, fair, turn.user.channel)
        if link is not None:  # on Zalo without public pages, no Telegram link that fails
            lines.append(_("Share this fair: {link}").format(link=link))
        calendar = FairAction(fair.key, "ics").button(_("Add to calendar"))
        if await svc.fairs.follows(fair.id, turn.user.account_id):
            remind = FairAction(fair.key, "unfollow").button(_("Stop reminding me"))
        else:
            remind = FairAction(fair.key, "follow").button(_("Remind me"))
        buttons.append([calendar, remind])
    buttons.append([FairsPage("up", 0).button(_("Upcoming fairs"))])
    return [Reply(text="\n".join(lines), venue=venue(fair), buttons=buttons)]


async def calendar_file(turn: Turn, fair: Fair) -> list[Reply]:
    """The fair as an .ics file for the phone's calendar."""
    link = share_link(turn.services.settings, fair, turn.user.channel)
    content = fair_media.ics(fair, turn.lang, link)
    return [
        Reply(
            text=turn._("Open this file to add “{title}” to your calendar.").format(
                title=fair.title(turn.lang.code)
            ),
            document=Document(
                filename=f"{fair.key}.ics", content=content, mime_type="text/calendar"
            ),
            # options again, so that a number typed next (Zalo, console) still means something
            buttons=[
                [FairAction(fair.key, "card").button(turn._("The fair"))],
                [FairsPage("up", 0).button(turn._("Upcoming fairs"))],
            ],
        )
    ]


async def follow(turn: Turn, fair: Fair, on: bool) -> list[Reply]:
    """Remind me / Stop reminding me."""
    _ = turn._
    svc = turn.services
    if on:
        await svc.fairs.follow(fair.id, turn.user.account_id)
        text = _("I will remind you of “{title}” before it opens.")
    else:
        await svc.fairs.unfollow(fair.id, turn.user.account_id)
        text = _("I will not remind you of “{title}”.")
    reply = Reply(text=text.format(title=fair.title(turn.lang.code)))
    return [reply, *await show_card(turn, fair)]


async def on_fair(turn: Turn) -> list[Reply]:
    """A fair's button: `fair:KEY:card|ics|apply|register|follow|unfollow`."""
    if not isinstance(turn.payload, FairAction):
        return await bad_button(turn)
    fair = await turn.services.fairs.by_key(turn.payload.key)
    if fair is None:
        intro = turn._("That fair is no longer in the calendar.")
        return [await upcoming_page(turn, "up", 0, intro)]
    match turn.payload.action:
        case "card":
            return await show_card(turn, fair)
        case "ics":
            return await calendar_file(turn, fair)
        case "follow" | "unfollow" as action:
            return await follow(turn, fair, action == "follow")
        case "apply":
            return await booth_apply.start(turn, fair)
        case "register":
            return await booth_apply.register_first(turn, fair)


async def open_from_link(turn: Turn) -> list[Reply]:
    """`/start fair_KEY`: the fair's card; an unknown key shows the calendar instead."""
    key = turn.incoming.args.strip().split("_", 1)[1] if "_" in turn.incoming.args else ""
    fair = await turn.services.fairs.by_key(key.strip().lower())
    if fair is None:
        intro = turn._(
            "I could not find the fair in that link. It may have been renamed or removed."
            " Here are the upcoming fairs:"
        )
        return [await upcoming_page(turn, "up", 0, intro)]
    return await show_card(turn, fair)


def register(router: Router) -> None:
    """Wires the calendar."""
    router.command(
        ("hoi_cho", "fairs"), list_fairs, description=N_("Upcoming fairs and booth applications")
    )
    router.button(FairsPage, on_page)
    router.button(FairAction, on_fair)
    router.deep_link("fair", open_from_link)
