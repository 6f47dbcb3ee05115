"""Asking a member found to connect: a one-line reason; the other side accepts or declines
(buttons, or typed "đồng ý" / "không"); on Accept both receive each other's contact. Limits
against abuse: a few requests a day, blocks, and reports to staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final, Literal

from bot.core.clock import utcnow
from bot.core.i18n import Lang
from bot.core.payloads import Id, Payload
from bot.core.types import Notice, Reply
from bot.dialog.router import Turn
from bot.dialog.steps import Answer, Done, Flow, Outcome, Question, Stay
from bot.dialog.typed import stands_for
from bot.domain.partners import chain_pair
from bot.domain.phones import format_phone
from handlers.guards import record_refusal
from handlers.partners.cards import card, contact_lines, title
from handlers.partners.search import AskConnect, member_of, not_a_member, saved
from storage.chain import ConnectionRequest, RequestStatus
from storage.enterprises import Enterprise, EnterpriseStatus

__all__ = [
    "ASK",
    "DAILY_LIMIT",
    "REPORT",
    "RequestAnswer",
    "on_ask",
    "on_request_button",
    "typed_answer",
]

DAILY_LIMIT: Final = 5  # requests a member may send in a day (local)
REASON_MAX: Final = 200


class AskStep(StrEnum):
    """The question of a request to connect."""

    REASON = "reason"


class ReportStep(StrEnum):
    """The question of a report to staff."""

    REASON = "reason"


@dataclass(frozen=True, slots=True)
class RequestAnswer(Payload, prefix="conn"):
    """What the member asked does with a request: `conn:12:accept|decline|block|report`."""

    request: Id
    action: Literal["accept", "decline", "block", "report"]


def _day_start(turn: Turn) -> datetime:
    """Local midnight of today: the daily limit counts from it."""
    local = turn.lang.local(utcnow())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


async def _target(turn: Turn, me: Enterprise, enterprise_id: int) -> Enterprise | None:
    """The member asked, if they may still be asked (approved, findable, not blocked)."""
    them = await turn.services.enterprises.get(enterprise_id)
    if them is None or them.id == me.id or them.status is not EnterpriseStatus.APPROVED:
        return None
    if not them.findable or await turn.services.chain.blocked(me.id, them.id):
        return None
    return them


async def _left_today(turn: Turn, me: Enterprise) -> int:
    sent = await turn.services.chain.sent_since(me.id, _day_start(turn))
    return max(0, DAILY_LIMIT - sent)


def _limit_reached(turn: Turn) -> list[Reply]:
    text = turn._(
        "You have sent {limit} requests to connect today, the most a member may send in a"
        " day. You can send more tomorrow."
    ).format(limit=DAILY_LIMIT)
    return [Reply(text=text)]


async def on_ask(turn: Turn) -> list[Reply]:
    """`partner:ask:ID`: asks why, in one line (the flow's only question)."""
    _ = turn._
    picked = turn.payload
    me = await member_of(turn)
    if me is None:
        return not_a_member(turn, await turn.services.enterprises.for_account(turn.user.account_id))
    if not isinstance(picked, AskConnect):
        return [Reply(text=_("That option is no longer available."))]
    them = await _target(turn, me, picked.enterprise)
    if them is None:
        return [Reply(text=_("That member can no longer be found. Try another search with /tim."))]
    if await turn.services.chain.between(me.id, them.id) is not None:
        text = _("You have already asked {name} to connect (or are connected already).")
        return [Reply(text=text.format(name=title(them, turn.lang)))]
    if await _left_today(turn, me) == 0:
        return _limit_reached(turn)
    search = saved(turn)
    data = {"target": them.id, "asked_roles": list(search.roles) if search else []}
    data["asked_sectors"] = list(search.sectors) if search else []
    return await ASK.start(turn, AskStep.REASON, data)


async def ask_reason(turn: Turn, note: str | None = None) -> list[Reply]:
    """Why do you want to connect? One line."""
    _ = turn._
    them = await turn.services.enterprises.get(int(turn.conversation.data.get("target", 0)))
    name = title(them, turn.lang) if them else "?"
    text = _(
        "In one line, why would you like to connect with {name}? (for example: “We buy glazed"
        " bowls for our shop in Hà Đông”). They will see it with your establishment's name."
        " Type /huy to cancel."
    ).format(name=name)
    return [Reply(text="\n\n".join(filter(None, [note, text])))]


async def got_reason(turn: Turn, answer: Answer) -> Outcome:
    """Sends the request (checked again: the member, the limit) and says how many are left."""
    _ = turn._
    reason = " ".join(answer.text.split())
    if len(reason) < 3 or not any(c.isalpha() for c in reason):
        return Stay(_("Please write a few words: why would you like to connect?"))
    if len(reason) > REASON_MAX:
        return Stay(
            _("That is too long: at most {limit} characters, please.").format(limit=REASON_MAX)
        )
    me = await member_of(turn)
    data = turn.conversation.data
    them = await _target(turn, me, int(data.get("target", 0))) if me else None
    if me is None or them is None:
        return Done(
            [Reply(text=_("That member can no longer be found. Try another search with /tim."))]
        )
    left = await _left_today(turn, me)
    if left == 0:
        return Done(_limit_reached(turn))
    if await turn.services.chain.between(me.id, them.id) is not None:
        return Done(
            [
                Reply(
                    text=_("You have already asked {name} to connect.").format(
                        name=title(them, turn.lang)
                    )
                )
            ]
        )
    asked = data.get("asked_roles") or []
    sectors = [s for s in data.get("asked_sectors") or [] if s in them.sectors]
    common = [s for s in me.sectors if s in them.sectors]
    sector = (sectors or common or them.sectors or [None])[0]
    request = await turn.services.chain.ask(
        me.id, them.id, reason, chain_pair(me.roles, them.roles, asked), sector
    )
    turn.notify(them.account_id, lambda lang: _request_notice(lang, request, me))
    left -= 1
    text = _("Your request has been sent to {name}. I will tell you their answer here.").format(
        name=title(them, turn.lang)
    )
    text += "\n" + turn.ngettext(
        "You can send {n} more request today (at most {limit} a day).",
        "You can send {n} more requests today (at most {limit} a day).",
        left,
    ).format(n=left, limit=DAILY_LIMIT)
    return Done([Reply(text=text)])


def _request_notice(lang: Lang, request: ConnectionRequest, sender: Enterprise) -> list[Reply]:
    """What the member asked receives: who, why, and the four answers."""
    _ = lang.gettext
    shown = sender.model_copy(update={"shown": [*sender.shown, "name"]})  # a sender is named
    text = "\n\n".join(
        [
            _("A member of the network would like to connect with you:"),
            card(shown, lang),
            _("Why: «{reason}»").format(reason=request.reason),
            _(
                "If you accept, you and they receive each other's name, phone and app. Type"
                " “đồng ý” to accept or “không” to decline."
            ),
        ]
    )
    r = request.id
    buttons = [
        [
            RequestAnswer(r, "accept").button(_("✅ Accept")),
            RequestAnswer(r, "decline").button(_("Decline")),
        ],
        [
            RequestAnswer(r, "block").button(_("🚫 Block this member")),
            RequestAnswer(r, "report").button(_("⚠️ Report to staff")),
        ],
    ]
    notice = Notice(
        "connection_request", {"enterprise": sender.name, "reason": request.reason or ""}
    )
    return [Reply(text=text, buttons=buttons, notice=notice)]


async def _answer(turn: Turn, request: ConnectionRequest, action: str) -> list[Reply]:
    """Carries out the answer of the member asked."""
    _ = turn._
    svc = turn.services
    me = await svc.enterprises.for_account(turn.user.account_id)
    if me is None or request.to_id != me.id:
        await record_refusal(turn, "someone else's request to connect")
        return [Reply(text=_("That option is no longer available."))]
    sender = await svc.enterprises.get(request.from_id or 0)
    if action == "report":
        if sender is None:
            return [Reply(text=_("That member is no longer in the network."))]
        return await REPORT.start(turn, ReportStep.REASON, {"reported": sender.id})
    if action == "block":
        if sender is not None:
            await svc.chain.block(me.id, sender.id)
        return [
            Reply(
                text=_(
                    "Blocked. You will not hear from this member again, and neither of you"
                    " will find the other."
                )
            )
        ]
    if request.status is not RequestStatus.OPEN:
        return [Reply(text=_("You have already answered this request."))]
    if sender is None:
        await svc.chain.decide(request.id, RequestStatus.CANCELLED)
        return [Reply(text=_("That member is no longer in the network."))]
    if action == "decline":
        await svc.chain.decide(request.id, RequestStatus.DECLINED)
        name = title(me, turn.lang)
        turn.notify(
            sender.account_id,
            lambda lang: [
                Reply(
                    text=lang.gettext(
                        "{name} cannot take up your request to connect this time. Thank you for"
                        " asking; you can look for other members with /tim."
                    ).format(name=name)
                )
            ],
        )
        return [Reply(text=_("Declined. They will be told politely, without any reason."))]
    await svc.chain.decide(request.id, RequestStatus.ACCEPTED)
    mine = await svc.links.reachable(me.account_id)
    theirs = await svc.links.reachable(sender.account_id)
    my_app = mine.channel if mine else turn.user.channel
    their_app = theirs.channel if theirs else "?"
    turn.notify(sender.account_id, lambda lang: _linked(lang, me, my_app))
    return _linked(turn.lang, sender, their_app)


def _linked(lang: Lang, other: Enterprise, app: str) -> list[Reply]:
    """The contact of the other side of an accepted link."""
    _ = lang.gettext
    text = "\n\n".join(
        [
            _("🤝 You are now connected with {name}. Here is their contact:").format(
                name=other.name
            ),
            contact_lines(other, app, lang),
            _("The link is recorded in the network's figures. Good business!"),
        ]
    )
    fields = {"enterprise": other.name, "contact": other.contact_name}
    notice = Notice("connection_accepted", {**fields, "phone": format_phone(other.phone)})
    return [Reply(text=text, notice=notice)]


async def on_request_button(turn: Turn) -> list[Reply]:
    """`conn:ID:accept|decline|block|report`."""
    picked = turn.payload
    if not isinstance(picked, RequestAnswer):
        return [Reply(text=turn._("That option is no longer available."))]
    request = await turn.services.chain.get(picked.request)
    if request is None:
        return [Reply(text=turn._("That option is no longer available."))]
    return await _answer(turn, request, picked.action)


async def typed_answer(turn: Turn) -> list[Reply] | None:
    """Typed "đồng ý" / "không" by a member with a request waiting: the answer to the newest
    one; None when the text is no such answer (or nothing waits)."""
    said = stands_for(turn.incoming.text.strip(), yes="accept", no="decline")
    if said is None:
        return None
    me = await turn.services.enterprises.for_account(turn.user.account_id)
    if me is None:
        return None
    request = await turn.services.chain.latest_open_to(me.id)
    if request is None:
        return None
    return await _answer(turn, request, said)


async def ask_report(turn: Turn, note: str | None = None) -> list[Reply]:
    """What happened? For staff."""
    text = turn._(
        "What happened? Write it in a line or two for the Department's staff (type /huy to cancel)."
    )
    return [Reply(text="\n\n".join(filter(None, [note, text])))]


async def got_report(turn: Turn, answer: Answer) -> Outcome:
    """Stores the report and tells staff."""
    _ = turn._
    reason = " ".join(answer.text.split())
    if len(reason) < 3:
        return Stay(_("Please write a few words for staff."))
    if len(reason) > 500:
        return Stay(_("That is too long: at most {limit} characters, please.").format(limit=500))
    me = await turn.services.enterprises.for_account(turn.user.account_id)
    reported = await turn.services.enterprises.get(int(turn.conversation.data.get("reported", 0)))
    if me is None or reported is None:
        return Done([Reply(text=_("That member is no longer in the network."))])
    report = await turn.services.chain.report(me.id, reported.id, reason)
    turn.notify_admins(
        lambda lang: [
            Reply(
                text=lang.gettext(
                    "⚠️ A member was reported: {name} ({reference}). Reason: «{reason}». See"
                    " /bao_cao_thanh_vien."
                ).format(name=reported.name, reference=reported.reference, reason=report.reason)
            )
        ]
    )
    text = _("Thank you. The Department's staff will look into it. You can also block them.")
    return Done([Reply(text=text)])


ASK: Flow[Turn, AskStep] = Flow(
    "partner_ask", {AskStep.REASON: Question(ask_reason, got_reason)}, asides=False
)
REPORT: Flow[Turn, ReportStep] = Flow(
    "partner_report", {ReportStep.REASON: Question(ask_report, got_report)}, asides=False
)
