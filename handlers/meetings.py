"""Meetings at a fair (issue 20): an exhibitor with an approved booth offers half-hour slots per
fair day (/gio_gap); a member who found them books one with a line on what about; both are
reminded an hour before (bulk outbox rows: they wait out quiet hours as reminders do); /lich_gap
lists one's meetings. Staff's view of a fair's schedule is in handlers/staff/meetings.py."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Final

from bot.core.clock import utcnow
from bot.core.i18n import N_, Lang
from bot.core.payloads import Id, MeetAt, Pattern, Payload
from bot.core.types import Notice, Reply
from bot.dialog.router import Router, Turn
from bot.dialog.steps import Answer, Done, Flow, Next, Outcome, Question, Stay
from bot.domain.meeting_times import MAX_SLOTS, read_times
from bot.services.base import Services
from bot.services.fair_view import short_title
from bot.services.notice_values import moment
from handlers.partners.cards import card, title
from handlers.partners.search import member_of, not_a_member
from storage.booths import BoothStatus
from storage.chain import MeetingSlot
from storage.enterprises import Enterprise
from storage.fairs import Fair

__all__ = ["BookSlot", "MeetAt", "OfferOption", "register", "remind_meetings"]

REMIND_BEFORE: Final = timedelta(hours=1)
REMIND_EVERY: Final = 300.0  # seconds between looks for meetings an hour away
SLOT: Final = timedelta(minutes=30)


class OfferStep(StrEnum):
    """The questions of offering slots."""

    FAIR = "fair"
    DAY = "day"
    TIMES = "times"


class BookStep(StrEnum):
    """The question of booking a slot."""

    REASON = "reason"


@dataclass(frozen=True, slots=True)
class OfferOption(Payload, prefix="meet:offer"):
    """An answer of the offer's questions: `meet:offer:fair:12`, `meet:offer:day:2026-12-10`."""

    step: OfferStep
    value: Annotated[str, Pattern(r"[0-9-]{1,12}")]


@dataclass(frozen=True, slots=True)
class BookSlot(Payload, prefix="meet:book"):
    """Book one slot: `meet:book:SLOT`."""

    slot: Id


def when(lang: Lang, moment: datetime) -> str:
    """'Thứ Năm, 10/12 09:00' in the person's language."""
    return f"{lang.date(moment, 'EEEE, dd/MM')} {lang.time(moment)}"


async def _exhibiting(svc: Services, account_id: int) -> list[tuple[Fair, list[str]]]:
    """The fairs to come where the account holds an approved booth, with its numbers."""
    now = utcnow()
    found = []
    for app in await svc.booths.for_account(account_id):
        if app.status is not BoothStatus.APPROVED:
            continue
        fair = await svc.fairs.get(app.fair_id)
        if fair is not None and not fair.cancelled and fair.ends_at > now:
            found.append((fair, app.booth_numbers))
    return found


def _days(fair: Fair, lang: Lang) -> list[date]:
    first, last = lang.local(fair.starts_at).date(), lang.local(fair.ends_at).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


async def open_offer(turn: Turn) -> list[Reply]:
    """/gio_gap: offer slots at a fair where one exhibits."""
    _ = turn._
    me = await member_of(turn)
    if me is None:
        return not_a_member(turn, await turn.services.enterprises.for_account(turn.user.account_id))
    fairs = await _exhibiting(turn.services, turn.user.account_id)
    if not fairs:
        text = _(
            "Meeting slots are offered by exhibitors: once the Department approves your booth"
            " at a fair, you can offer half-hour slots here for buyers to book."
        )
        return [Reply(text=text)]
    if len(fairs) == 1:
        return await OFFER.start(turn, OfferStep.DAY, {"fair": fairs[0][0].id})
    return await OFFER.start(turn, OfferStep.FAIR, {})


async def ask_fair(turn: Turn, note: str | None = None) -> list[Reply]:
    """Which fair?"""
    fairs = await _exhibiting(turn.services, turn.user.account_id)
    buttons = [
        [OfferOption(OfferStep.FAIR, str(f.id)).button(short_title(turn.lang, f))]
        for f, _n in fairs
    ]
    text = turn._("At which fair would you like to offer meeting slots?")
    return [Reply(text="\n\n".join(filter(None, [note, text])), buttons=buttons)]


async def got_fair(turn: Turn, answer: Answer) -> Outcome:
    """Keeps the fair chosen (one where the account exhibits)."""
    fairs = {str(f.id) for f, _n in await _exhibiting(turn.services, turn.user.account_id)}
    if answer.choice not in fairs:
        return Stay(turn._("Please choose one of the fairs (or type its number)."))
    turn.conversation.data["fair"] = int(answer.choice or 0)
    return Next(OfferStep.DAY)


async def _fair(turn: Turn) -> Fair | None:
    return await turn.services.fairs.get(int(turn.conversation.data.get("fair", 0)))


async def ask_day(turn: Turn, note: str | None = None) -> list[Reply]:
    """Which day of the fair?"""
    fair = await _fair(turn)
    if fair is None:
        return [Reply(text=turn._("That fair is no longer in the calendar."))]
    buttons = [
        [OfferOption(OfferStep.DAY, d.isoformat()).button(turn.lang.date(d, "EEEE, dd/MM"))]
        for d in _days(fair, turn.lang)
    ]
    text = turn._("Which day of {fair}?").format(fair=short_title(turn.lang, fair))
    return [Reply(text="\n\n".join(filter(None, [note, text])), buttons=buttons)]


async def got_day(turn: Turn, answer: Answer) -> Outcome:
    """Keeps the day chosen."""
    fair = await _fair(turn)
    days = {d.isoformat() for d in _days(fair, turn.lang)} if fair else set()
    if answer.choice not in days:
        return Stay(turn._("Please choose one of the days (or type its number)."))
    turn.conversation.data["day"] = answer.choice
    return Next(OfferStep.TIMES)


async def ask_times(turn: Turn, note: str | None = None) -> list[Reply]:
    """At what times?"""
    text = turn._(
        "At what times can buyers meet you that day? Each slot is half an hour. Type the"
        " start times, or a range: for example “9:00 9:30 14:00” or “9-11” (9:00, 9:30, 10:00,"
        " 10:30). Type /huy to cancel."
    )
    return [Reply(text="\n\n".join(filter(None, [note, text])))]


async def got_times(turn: Turn, answer: Answer) -> Outcome:
    """Stores the slots that fall within the fair's hours and says which."""
    _ = turn._
    read = read_times(answer.text)
    if read.wrong or not read.starts:
        shown = ", ".join(read.wrong) or answer.text
        return Stay(
            _("I could not read «{what}» as times on the hour or half-hour.").format(what=shown)
        )
    if len(read.starts) > MAX_SLOTS:
        return Stay(_("That is more than {n} slots; please offer fewer.").format(n=MAX_SLOTS))
    fair = await _fair(turn)
    me = await member_of(turn)
    if fair is None or me is None:
        return Done([Reply(text=_("That fair is no longer in the calendar."))])
    day = date.fromisoformat(str(turn.conversation.data.get("day")))
    tz = turn.lang.tz
    starts = [datetime.combine(day, t, tzinfo=tz) for t in read.starts]
    opens, closes = turn.lang.local(fair.starts_at).time(), turn.lang.local(fair.ends_at).time()
    daily = opens < closes  # open the same hours every day (08:00–20:00); else only the range
    outside = [
        s
        for s in starts
        if s < fair.starts_at
        or s + SLOT > fair.ends_at
        or (daily and (s.time() < opens or (s + SLOT).time() > closes))
    ]
    if outside:
        return Stay(
            _("The fair is open from {opens} to {closes}; {times} falls outside.").format(
                opens=turn.lang.time(fair.starts_at) if daily else when(turn.lang, fair.starts_at),
                closes=turn.lang.time(fair.ends_at) if daily else when(turn.lang, fair.ends_at),
                times=", ".join(turn.lang.time(s) for s in outside),
            )
        )
    await turn.services.chain.offer(fair.id, me.id, starts)
    text = _(
        "Offered on {day}: {times}. Members who find you (/tim) can book them; you will both be"
        " reminded an hour before. To offer another day, type /gio_gap again."
    ).format(
        day=turn.lang.date(day, "EEEE, dd/MM"),
        times=", ".join(turn.lang.time(s) for s in starts),
    )
    if not me.findable:
        text += "\n" + _(
            "Note: members cannot find you now; let them in /ho_so → “🔎 What other members see”."
        )
    return Done([Reply(text=text)])


async def on_offer_button(turn: Turn) -> list[Reply]:
    """`meet:offer:STEP:VALUE`."""
    picked = turn.payload
    if not isinstance(picked, OfferOption):
        return await open_offer(turn)
    return await OFFER.pressed(turn, picked.step.value, picked.value)


async def on_meet_at(turn: Turn) -> list[Reply]:
    """`meet:slots:ENTERPRISE:FAIR`: the free slots to book."""
    _ = turn._
    picked = turn.payload
    me = await member_of(turn)
    if me is None:
        return not_a_member(turn, await turn.services.enterprises.for_account(turn.user.account_id))
    if not isinstance(picked, MeetAt):
        return [Reply(text=_("That option is no longer available."))]
    them = await turn.services.enterprises.get(picked.enterprise)
    fair = await turn.services.fairs.get(picked.fair)
    if them is None or fair is None or await turn.services.chain.blocked(me.id, them.id):
        return [Reply(text=_("That option is no longer available."))]
    now = utcnow()
    free = [
        s for s in await turn.services.chain.slots(fair.id, them.id, free=True) if s.starts_at > now
    ]
    if not free:
        return [
            Reply(
                text=_("{name} has no free slot left at this fair.").format(
                    name=title(them, turn.lang)
                )
            )
        ]
    text = _("Free slots of {name} at {fair} (half an hour each):").format(
        name=title(them, turn.lang), fair=short_title(turn.lang, fair)
    )
    buttons = [[BookSlot(s.id).button(when(turn.lang, s.starts_at))] for s in free[:20]]
    return [Reply(text=text, buttons=buttons)]


async def on_book(turn: Turn) -> list[Reply]:
    """`meet:book:SLOT`: asks what the meeting is about (the flow's one question)."""
    _ = turn._
    picked = turn.payload
    me = await member_of(turn)
    if me is None:
        return not_a_member(turn, await turn.services.enterprises.for_account(turn.user.account_id))
    slot = await turn.services.chain.slot(picked.slot) if isinstance(picked, BookSlot) else None
    if slot is None or slot.buyer_id is not None or slot.starts_at <= utcnow():
        return [
            Reply(text=_("That slot has just been taken or has passed. Please choose another."))
        ]
    if slot.enterprise_id == me.id:
        return [Reply(text=_("That is one of your own slots."))]
    return await BOOK.start(turn, BookStep.REASON, {"slot": slot.id})


async def ask_topic(turn: Turn, note: str | None = None) -> list[Reply]:
    """What about?"""
    text = turn._(
        "In one line, what would you like to talk about at the meeting? (Type /huy to cancel.)"
    )
    return [Reply(text="\n\n".join(filter(None, [note, text])))]


async def got_topic(turn: Turn, answer: Answer) -> Outcome:
    """Books the slot (if still free) and tells both."""
    _ = turn._
    topic = " ".join(answer.text.split())
    if len(topic) < 3 or len(topic) > 200:
        return Stay(_("Please write a few words (at most 200 characters)."))
    svc = turn.services
    me = await member_of(turn)
    slot = await svc.chain.slot(int(turn.conversation.data.get("slot", 0)))
    if me is None or slot is None:
        return Done([Reply(text=_("That option is no longer available."))])
    booked = await svc.chain.book(slot.id, me.id, topic)
    if booked is None:
        return Done(
            [Reply(text=_("That slot has just been taken or has passed. Please choose another."))]
        )
    exhibitor = await svc.enterprises.get(booked.enterprise_id)
    fair = await svc.fairs.get(booked.fair_id)
    if exhibitor is None or fair is None:
        return Done([Reply(text=_("That option is no longer available."))])
    booths = await _booth_numbers(svc, exhibitor, fair)
    turn.notify(exhibitor.account_id, lambda lang: _booked_notice(lang, booked, fair, me, topic))
    text = _(
        "Booked: {when} at {fair} ({venue}), with {name}{booths}. You will both be reminded an"
        " hour before; /lich_gap lists your meetings."
    ).format(
        when=when(turn.lang, booked.starts_at),
        fair=short_title(turn.lang, fair),
        venue=fair.venue_name,
        name=title(exhibitor, turn.lang),
        booths=_(", booth {numbers}").format(numbers=booths) if booths else "",
    )
    return Done([Reply(text=text)])


async def _booth_numbers(svc: Services, e: Enterprise, fair: Fair) -> str:
    app = await svc.booths.live_for(fair.id, e.id)
    return ", ".join(app.booth_numbers) if app and app.booth_numbers else ""


def _booked_notice(
    lang: Lang, slot: MeetingSlot, fair: Fair, buyer: Enterprise, topic: str
) -> list[Reply]:
    _ = lang.gettext
    named = buyer.model_copy(update={"shown": [*buyer.shown, "name"]})
    text = "\n\n".join(
        [
            _("📅 A meeting was booked with you at {fair}, {when}:").format(
                fair=short_title(lang, fair), when=when(lang, slot.starts_at)
            ),
            card(named, lang),
            _("About: «{topic}»").format(topic=topic),
        ]
    )
    return [Reply(text=text)]


async def my_meetings(turn: Turn) -> list[Reply]:
    """/lich_gap: one's meetings to come, as exhibitor or buyer."""
    _ = turn._
    svc = turn.services
    me = await member_of(turn)
    if me is None:
        return not_a_member(turn, await svc.enterprises.for_account(turn.user.account_id))
    lines = []
    for s in await svc.chain.meetings_of(me.id, utcnow()):
        other = await svc.enterprises.get(
            (s.buyer_id if s.enterprise_id == me.id else s.enterprise_id) or 0
        )
        fair = await svc.fairs.get(s.fair_id)
        lines.append(
            f"• {when(turn.lang, s.starts_at)} · {short_title(turn.lang, fair) if fair else ''}"
            f" · {other.name if other else '—'} · «{s.reason or ''}»"
        )
    if not lines:
        text = _("You have no meeting at a fair to come. Exhibitors offer slots with /gio_gap.")
        return [Reply(text=text)]
    return [Reply(text="\n".join([_("Your meetings to come:"), *lines]))]


async def remind_meetings(services: Services) -> int:
    """Queues the reminders of meetings that begin within the hour (once each, per side)."""
    now = utcnow()
    queued = 0
    for s in await services.chain.booked_between(now, now + REMIND_BEFORE):
        fair = await services.fairs.get(s.fair_id)
        exhibitor = await services.enterprises.get(s.enterprise_id)
        buyer = await services.enterprises.get(s.buyer_id or 0)
        if fair is None or exhibitor is None or buyer is None:
            continue
        booths = await _booth_numbers(services, exhibitor, fair)
        for me, other in ((exhibitor, buyer), (buyer, exhibitor)):
            queued += await services.enqueue(
                me.account_id,
                functools.partial(_reminder, slot=s, fair=fair, other=other, booths=booths),
                f"meeting:{s.id}:remind:{me.id}",
            )
    if queued:
        services.on_queued()
    return queued


def _reminder(
    lang: Lang, *, slot: MeetingSlot, fair: Fair, other: Enterprise, booths: str
) -> list[Reply]:
    _ = lang.gettext
    text = _(
        "⏰ In an hour: your meeting at {fair}, {when}, with {name}{booths}. About: «{topic}»"
    ).format(
        fair=short_title(lang, fair),
        when=when(lang, slot.starts_at),
        name=other.name,
        booths=_(", booth {numbers}").format(numbers=booths) if booths else "",
        topic=slot.reason or "",
    )
    fields = {"fair": fair.title("vi"), "time": moment(lang, slot.starts_at)}
    notice = Notice("meeting_reminder", {**fields, "enterprise": other.name})
    return [Reply(text=text, notice=notice)]


OFFER: Flow[Turn, OfferStep] = Flow(
    "meeting_offer",
    {
        OfferStep.FAIR: Question(ask_fair, got_fair),
        OfferStep.DAY: Question(ask_day, got_day),
        OfferStep.TIMES: Question(ask_times, got_times),
    },
)
BOOK: Flow[Turn, BookStep] = Flow(
    "meeting_book", {BookStep.REASON: Question(ask_topic, got_topic)}, asides=False
)


def register(router: Router) -> None:
    """Wires /gio_gap, /lich_gap, their buttons and flows, and the reminders' job."""
    router.command(
        ("gio_gap", "offer_meetings"), open_offer, description=N_("Offer meeting slots at a fair")
    )
    router.command(("lich_gap", "meetings"), my_meetings, description=N_("Your meetings at fairs"))
    router.button(OfferOption, on_offer_button)
    router.button(MeetAt, on_meet_at)
    router.button(BookSlot, on_book)
    router.flow(OFFER.name, OFFER.on_input, ask_again=OFFER.ask_again)
    router.flow(BOOK.name, BOOK.on_input, ask_again=BOOK.ask_again)
    router.every("meeting_reminders", REMIND_EVERY, lambda: remind_meetings(router.services))
