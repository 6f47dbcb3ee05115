"""/lich_gap_hoi_cho (/meeting_schedule): the meetings booked at a fair, day by day, for the
staff who organise it (moderators and above, as for booths)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.clock import utcnow
from bot.core.payloads import Id, Payload
from bot.core.types import Reply
from bot.dialog.router import Turn
from bot.services.fair_view import short_title

__all__ = ["FairSchedule", "on_button", "schedules"]


@dataclass(frozen=True, slots=True)
class FairSchedule(Payload, prefix="meet:schedule"):
    """The meeting schedule of one fair: `meet:schedule:FAIR`."""

    fair: Id


async def schedules(turn: Turn) -> list[Reply]:
    """The fairs to come with meeting slots, a button each."""
    _ = turn._
    buttons = []
    for fair_id in await turn.services.chain.fairs_with_slots(utcnow()):
        fair = await turn.services.fairs.get(fair_id)
        if fair is not None:
            buttons.append([FairSchedule(fair.id).button(short_title(turn.lang, fair))])
    if not buttons:
        return [Reply(text=_("No exhibitor has offered meeting slots at a fair to come."))]
    return [Reply(text=_("Meeting schedules: which fair?"), buttons=buttons)]


async def on_button(turn: Turn) -> list[Reply]:
    """`meet:schedule:FAIR`: every slot of the fair, booked ones with both members."""
    _ = turn._
    picked = turn.payload
    svc = turn.services
    fair = await svc.fairs.get(picked.fair) if isinstance(picked, FairSchedule) else None
    if fair is None:
        return await schedules(turn)
    lines = [_("Meetings at {fair}:").format(fair=short_title(turn.lang, fair))]
    day = ""
    free = 0
    names: dict[int, str] = {}

    async def name(enterprise_id: int | None) -> str:
        if enterprise_id is None:
            return "—"
        if enterprise_id not in names:
            e = await svc.enterprises.get(enterprise_id)
            app = await svc.booths.live_for(fair.id, enterprise_id)
            booths = f" ({', '.join(app.booth_numbers)})" if app and app.booth_numbers else ""
            names[enterprise_id] = (e.name if e else "—") + booths
        return names[enterprise_id]

    for s in await svc.chain.slots(fair.id):
        if s.buyer_id is None:
            free += 1
            continue
        today = turn.lang.date(s.starts_at, "EEEE, dd/MM")
        if today != day:
            lines += ["", today]
            day = today
        lines.append(
            f"• {turn.lang.time(s.starts_at)} {await name(s.enterprise_id)} ↔"
            f" {await name(s.buyer_id)}: «{s.reason or ''}»"
        )
    if day == "":
        lines.append(_("No meeting booked yet."))
    lines += [
        "",
        turn.ngettext("{n} slot still free.", "{n} slots still free.", free).format(n=free),
    ]
    return [Reply(text="\n".join(lines))]
