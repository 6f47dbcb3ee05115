"""Questions about fairs answered with the calendar's data: which, when, where, booths left."""

from __future__ import annotations

from datetime import date

from bot.core.clock import utcnow
from bot.core.i18n import Lang
from bot.core.payloads import FairAction
from bot.core.types import Reply
from bot.dialog.router import Turn
from bot.domain.lexicon import SECTOR_WORDS
from bot.domain.places import match_ward
from bot.domain.sectors import sector_name
from bot.domain.textnorm import fold
from bot.domain.understand import Entities, PlaceRef
from bot.services.fair_view import (
    applications_close_at,
    availability,
    fair_dates,
    fair_summary,
    fair_times,
    is_open,
    short_title,
    venue,
)
from handlers.fairs import upcoming_page
from storage.fairs import Fair

__all__ = ["FAIR_INTENTS", "answer", "deadlines", "matching_fairs"]

FAIR_INTENTS = frozenset({"fairs", "fair_when", "fair_where", "fair_booths"})
_LISTED = 5  # fairs listed in one answer
_DETAILED = 3  # fairs detailed in a when/where/booths answer


def _titled(fair: Fair) -> str:
    """The fair's titles, folded, between spaces (to look for whole words in)."""
    return f" {fold(f'{fair.title_vi} {fair.title_en}')} "


def _of_sector(fair: Fair, sectors: tuple[str, ...]) -> bool:
    """Whether the fair is of one of the sectors: among its sectors, or named in its title
    ("Ngày hội lụa Vạn Phúc" for silk, whatever sectors it was given)."""
    if set(sectors) & set(fair.sectors):
        return True
    title = _titled(fair)
    return any(f" {words} " in title for words, s in SECTOR_WORDS.items() if s in sectors)


def _at_place(fair: Fair, place: PlaceRef) -> bool:
    """Whether the fair is held at the place: its ward, or a ward of the old district named;
    or the place is in its title (a village's fair held elsewhere)."""
    if f" {place.words} " in _titled(fair):
        return True
    where = fold(f"{fair.venue_name} {fair.venue_address}")
    if f" {place.words} " in f" {where} ":
        return True
    found = match_ward(fair.venue_address, limit=1)
    if not found:
        return False
    ward = found[0].ward
    return ward.code in place.wards or any(fold(d) == place.words for d in ward.former_districts)


def _local_days(lang: Lang, fair: Fair) -> tuple[date, date]:
    return lang.local(fair.starts_at).date(), lang.local(fair.ends_at).date()


def matching_fairs(lang: Lang, fairs: list[Fair], entities: Entities) -> list[Fair]:
    """The fairs that fit every sector, place, province and time named."""
    if entities.province is not None:
        return []  # the network's fairs are all in Hanoi
    found = []
    for fair in fairs:
        if entities.sectors and not _of_sector(fair, entities.sectors):
            continue
        if entities.period is not None and not entities.period.overlaps(*_local_days(lang, fair)):
            continue
        if entities.place is not None and not _at_place(fair, entities.place):
            continue
        found.append(fair)
    return found


def _filtered(entities: Entities) -> bool:
    return bool(entities.sectors or entities.place or entities.period or entities.province)


def _describe(lang: Lang, entities: Entities) -> str:
    """What was asked about, for "no fair for …"."""
    parts = [sector_name(s, lang.gettext).lower() for s in entities.sectors]
    if entities.place is not None:
        parts.append(entities.place.name)
    if entities.province is not None:
        parts.append(entities.province)
    if entities.period is not None:
        start, end = (lang.date(d, "long") for d in (entities.period.start, entities.period.end))
        parts.append(start if start == end else f"{start} – {end}")
    return ", ".join(parts)


def _block(turn: Turn, intent: str, fair: Fair, taken: int) -> str:
    """One fair, the line that answers the question first."""
    _ = turn._
    lang = turn.lang
    when = "📅 " + (fair_times(lang, fair) if intent == "fair_when" else fair_dates(lang, fair))
    where = "📍 " + f"{fair.venue_name}, {fair.venue_address}"
    booths = availability(lang, fair, taken)
    if is_open(lang, fair):
        booths += "\n" + _("Apply by: {date}").format(date=lang.date(fair.apply_by))
    elif not fair.cancelled:
        closed = applications_close_at(lang, fair)
        booths += "\n" + _("Applications closed on {date}.").format(date=lang.date(closed))
    order = {
        "fair_when": [when, where, booths],
        "fair_where": [where, when, booths],
        "fair_booths": [booths, when, where],
    }[intent]
    title = fair.title(lang.code)
    if fair.cancelled:
        title = _("CANCELLED: {title}").format(title=title)
    return "\n".join([title, *order])


async def deadlines(turn: Turn, entities: Entities) -> str:
    """The apply-by dates of the upcoming fairs asked about (all still open if none named)."""
    _ = turn._
    lang = turn.lang
    fairs, _total = await turn.services.fairs.upcoming(0, 100)
    found = [f for f in matching_fairs(lang, fairs, entities) if not f.cancelled]
    if not _filtered(entities):
        found = [f for f in found if is_open(lang, f)]
    lines = []
    for fair in found[:_DETAILED]:
        if is_open(lang, fair):
            when = _("apply by {date}").format(date=lang.date(fair.apply_by))
        else:
            when = _("applications closed on {date}").format(
                date=lang.date(applications_close_at(lang, fair))
            )
        lines.append(f"• {fair.title(lang.code)}: {when}")
    return "\n".join(lines)


async def answer(turn: Turn, intent: str, entities: Entities) -> list[Reply]:
    """Answers a question about fairs with the fairs it is about."""
    _ = turn._
    lang = turn.lang
    svc = turn.services
    if intent == "fairs" and not _filtered(entities):
        return await turn.run_command("hoi_cho")
    today = lang.local(utcnow()).date()
    past = entities.period is not None and entities.period.end < today
    if past:
        fairs = [f for f in await svc.fairs.all() if f.ends_at <= utcnow()][::-1]
    else:
        fairs, _total = await svc.fairs.upcoming(0, 100)
    found = matching_fairs(lang, fairs, entities)
    if not found:
        if _filtered(entities):
            intro = _("I found no fair for: {what}.").format(what=_describe(lang, entities))
        else:
            intro = None
        return [await upcoming_page(turn, "up", 0, intro)]
    if intent == "fairs" or past:
        shown = found[:_LISTED]
        taken = await svc.booths.taken(f.id for f in shown)
        blocks = [fair_summary(lang, f, taken[f.id]) for f in shown]
    else:
        if not _filtered(entities):  # the next fair(s) not called off
            live = [f for f in found if not f.cancelled] or found
            found = live[: _DETAILED if intent == "fair_booths" else 1]
        shown = found[:_DETAILED]
        taken = await svc.booths.taken(f.id for f in shown)
        blocks = [_block(turn, intent, f, taken[f.id]) for f in shown]
    buttons = [[FairAction(f.key, "card").button(short_title(lang, f))] for f in shown]
    if len(shown) == 1 and is_open(lang, shown[0]):
        buttons.append([FairAction(shown[0].key, "apply").button(_("Apply for a booth"))])
    if len(found) > len(shown):
        command = "fairs" if lang.code == "en" else "hoi_cho"
        more = _("…and {n} more: /{command}")
        blocks.append(more.format(n=len(found) - len(shown), command=command))
    single = shown[0] if len(shown) == 1 and intent == "fair_where" else None
    return [
        Reply(
            text="\n\n".join(blocks),
            buttons=buttons,
            venue=venue(single) if single is not None else None,
        )
    ]
