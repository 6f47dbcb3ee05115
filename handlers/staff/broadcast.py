"""/thong_bao (/broadcast), admins only: compose an announcement, choose who gets it, preview
with the exact number of recipients, confirm; its progress is then edited in place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from bot.core.clock import utcnow
from bot.core.config import quiet_until
from bot.core.payloads import BroadcastStop, Id, OneOf, Payload, Word
from bot.core.types import Attachment, Button, Kind, Reply
from bot.dialog.router import Router, Turn
from bot.dialog.steps import Answer, Flow, Next, Outcome, Question, Stay
from bot.domain.enterprise_terms import ROLE_NAMES, STATUS_NAMES, term, ward_label
from bot.domain.places import get_ward, match_ward
from bot.domain.sectors import SECTORS, sector_name
from bot.services.broadcasts import (
    AUDIENCE_KINDS,
    MAX_ANNOUNCEMENT,
    PROGRESS_EVERY,
    Broadcaster,
    announcement,
    describe_audience,
    progress_text,
    start_broadcast,
    stop_button,
)
from handlers.guards import admin_only
from handlers.menu import main_menu
from storage.broadcasts import Progress

__all__ = [
    "COMPOSING",
    "FLOW",
    "AudienceFair",
    "AudienceKind",
    "AudienceOf",
    "Composing",
    "Step",
    "register",
]

FLOW: Final = "broadcast"
_KINDS: Final = AUDIENCE_KINDS


class Step(StrEnum):
    """Where the composition of an announcement stands."""

    TEXT = "text"
    AUDIENCE = "audience"
    WARD = "ward"
    PREVIEW = "preview"


@dataclass(frozen=True, slots=True)
class Composing(Payload, prefix="bcast"):
    """A step of the composition: `bcast:send`, `bcast:text` (edit it), `bcast:detach` (drop
    the photo), `bcast:audience` (change it), `bcast:cancel`."""

    action: Literal["send", "text", "detach", "audience", "cancel"]


@dataclass(frozen=True, slots=True)
class AudienceKind(Payload, prefix="bcast:aud"):
    """Which kind of audience: `bcast:aud:sector`."""

    kind: Annotated[str, OneOf(_KINDS)]


@dataclass(frozen=True, slots=True)
class AudienceOf(Payload, prefix="bcast:set"):
    """The audience: `bcast:set:sector:ceramics`, `bcast:set:ward:00577` (the value is checked
    against the kind's when pressed)."""

    kind: Literal["sector", "role", "status", "ward"]
    value: Word


@dataclass(frozen=True, slots=True)
class AudienceFair(Payload, prefix="bcast:set:fair"):
    """The applicants of a fair: `bcast:set:fair:7`."""

    fair: Id


async def ask_text(turn: Turn) -> list[Reply]:
    """Starts an announcement: asks for its text."""
    return await COMPOSING.start(turn, Step.TEXT, {})


async def _ask_text(turn: Turn, note: str | None = None) -> list[Reply]:
    return [_text_prompt(turn)]


def _text_prompt(turn: Turn) -> Reply:
    return Reply(
        text=turn._(
            "Type the announcement as it should reach people (at most {limit} characters)."
            " On Telegram you can also send a photo or a document with the text as its caption."
            " It goes out under the Department's name. Type /{cancel} to give up."
        ).format(
            limit=turn.lang.number(MAX_ANNOUNCEMENT),
            cancel="cancel" if turn.lang.code == "en" else "huy",
        )
    )


async def got_text(turn: Turn, answer: Answer) -> Outcome:
    """Keeps the text (and a photo or document sent with it as the caption), then asks for the
    audience (or shows the preview again)."""
    incoming = turn.incoming
    text = answer.text
    data = turn.conversation.data
    if incoming.kind is Kind.FILE and incoming.attachment is not None:
        data["attachment"] = incoming.attachment.model_dump()
        if not text and "text" not in data:
            return [_file_kept(turn, incoming.attachment)]
        if not text:  # a new file for the text already written
            return _composed(turn)
    elif incoming.kind is not Kind.TEXT or not text:
        return Stay()
    if len(text) > MAX_ANNOUNCEMENT:
        return [
            Reply(
                text=turn._(
                    "That is {length} characters; an announcement can have at most {limit}."
                    " Please shorten it and send it again."
                ).format(
                    length=turn.lang.number(len(text)), limit=turn.lang.number(MAX_ANNOUNCEMENT)
                )
            )
        ]
    turn.conversation.data["text"] = text
    return _composed(turn)


def _composed(turn: Turn) -> Next:
    """The text is written: who gets it, or the preview again if that is chosen already."""
    return Next(Step.PREVIEW if turn.conversation.data.get("audience") else Step.AUDIENCE)


def _file_kept(turn: Turn, attachment: Attachment) -> Reply:
    if attachment.kind == "photo":
        said = turn._("The photo will go with the announcement. Now type its text.")
    else:
        said = turn._("The document will go with the announcement. Now type its text.")
    return Reply(text=said)


def _attachment(data: dict[str, Any]) -> Attachment | None:
    """The photo or document kept with the announcement being composed, if any."""
    kept = data.get("attachment")
    return Attachment.model_validate(kept) if kept else None


async def _ask_audience(turn: Turn, note: str | None = None) -> list[Reply]:
    return ask_audience(turn)


def ask_audience(turn: Turn) -> list[Reply]:
    """Offers the kinds of audience."""
    turn.conversation.goto(Step.AUDIENCE)
    buttons = [[AudienceKind(k).button(turn._(label))] for k, label in _KINDS.items()]
    return [Reply(text=turn._("Who should get this announcement?"), buttons=buttons)]


async def choose(turn: Turn, kind: str) -> list[Reply]:
    """Lists the sectors, roles, fairs or statuses to choose from; asks for a ward's name."""
    _ = turn._
    if kind == "all":
        return await set_audience(turn, "all")
    if kind == "ward":
        return await COMPOSING.ask(turn, Step.WARD)
    if kind == "sector":
        options = [AudienceOf("sector", key).button(sector_name(key, _)) for key in SECTORS]
    elif kind == "role":
        options = [AudienceOf("role", key).button(term(ROLE_NAMES, key, _)) for key in ROLE_NAMES]
    elif kind == "status":
        options = [
            AudienceOf("status", key).button(term(STATUS_NAMES, key, _)) for key in STATUS_NAMES
        ]
    elif kind == "fair":
        fairs, _total = await turn.services.fairs.upcoming(limit=10)
        options = [AudienceFair(f.id).button(f.title(turn.lang.code)) for f in fairs]
        if not options:
            return [Reply(text=_("There is no upcoming fair."), buttons=_audience_again(turn))]
    else:
        return ask_audience(turn)
    return [Reply(text=_("Choose:"), buttons=[[option] for option in options])]


async def _ask_ward(turn: Turn, note: str | None = None) -> list[Reply]:
    return [Reply(text=turn._("Type the name of the ward or commune (diacritics not needed)."))]


async def got_ward(turn: Turn, answer: Answer) -> Outcome:
    """Matches the typed ward and offers the closest ones."""
    matches = match_ward(turn.incoming.text)
    if not matches:
        return [
            Reply(
                text=turn._("I found no ward or commune of Hanoi by that name. Please try again.")
            )
        ]
    buttons = [
        [AudienceOf("ward", m.ward.code).button(ward_label(m.ward.code, turn._))] for m in matches
    ]
    return [Reply(text=turn._("Which one?"), buttons=buttons)]


async def set_audience(turn: Turn, audience: str) -> list[Reply]:
    """Keeps the audience and shows the preview."""
    kind, _sep, arg = audience.partition(":")
    if kind == "fair":
        fair = await turn.services.fairs.get(int(arg)) if arg.isdecimal() else None
        if fair is None:
            return ask_audience(turn)
        audience = f"fair:{fair.key}"
    elif not _known(kind, arg):
        return ask_audience(turn)
    turn.conversation.data["audience"] = audience
    return await preview(turn)


async def _ask_preview(turn: Turn, note: str | None = None) -> list[Reply]:
    return await preview(turn)


async def preview(turn: Turn) -> list[Reply]:
    """The announcement as recipients will see it, and exactly how many will get it."""
    _ = turn._
    data = turn.conversation.data
    turn.conversation.goto(Step.PREVIEW)
    recipients = await turn.services.broadcasts.recipients(data["audience"])
    n = len(recipients)
    blocked = sum(r.blocked for r in recipients)
    lines = [
        _("Audience: {audience}").format(audience=await audience_label(turn, data["audience"])),
        turn.ngettext("It will go to {n} person.", "It will go to {n} people.", n).format(
            n=turn.lang.number(n)
        ),
    ]
    if blocked:
        lines.append(
            turn.ngettext(
                "{n} of them has blocked the bot and will not receive it.",
                "{n} of them have blocked the bot and will not receive it.",
                blocked,
            ).format(n=turn.lang.number(blocked))
        )
    quiet_end = _quiet_end(turn)
    if quiet_end is not None:
        lines.append(
            _("It is quiet hours now: sending starts at {time}.").format(
                time=turn.lang.time(quiet_end)
            )
        )
    buttons = _audience_again(turn)
    buttons.insert(1, [Composing("text").button(_("Edit the text"))])
    attachment = _attachment(data)
    if attachment is not None:
        drop = _("Remove the photo") if attachment.kind == "photo" else _("Remove the document")
        buttons.insert(2, [Composing("detach").button(drop)])
    if n:
        send = turn.ngettext("Send to {n} person", "Send to {n} people", n)
        buttons.insert(0, [Composing("send").button(send.format(n=turn.lang.number(n)))])
    else:
        lines.append(_("No one is in this audience. Choose another one."))
    shown = announcement(turn.lang, data["text"], attachment)
    return [*shown, Reply(text="\n".join(lines), buttons=buttons)]


def _known(kind: str, arg: str) -> bool:
    if kind == "all":
        return True
    if kind == "ward":
        return get_ward(arg) is not None
    known = {"sector": SECTORS, "role": ROLE_NAMES, "status": STATUS_NAMES}.get(kind, {})
    return arg in known


def _audience_again(turn: Turn) -> list[list[Button]]:
    return [
        [Composing("audience").button(turn._("Change the audience"))],
        [Composing("cancel").button(turn._("Cancel"))],
    ]


async def audience_label(turn: Turn, audience: str) -> str:
    """An audience in words, in the reader's language (broadcasts.describe_audience)."""
    return await describe_audience(turn.services.fairs, turn.lang, audience)


async def send(turn: Turn) -> list[Reply]:
    """Queues the announcement for every recipient and shows the progress message."""
    data = turn.conversation.data
    svc = turn.services
    attachment = _attachment(data)
    broadcast = await start_broadcast(
        svc.broadcasts, svc.i18n, data["audience"], data["text"], turn.user.id, attachment
    )
    turn.conversation.end()
    after = {"audience": data["audience"], "text": data["text"], "total": broadcast.total}
    if attachment is not None:
        after["attachment"] = attachment.model_dump()
    await svc.audit.record(turn, "broadcast.send", None, after, target=f"broadcast:{broadcast.id}")
    text = progress_text(
        turn.lang, broadcast.id, Progress(total=broadcast.total), None, _quiet_end(turn)
    )
    return [
        Reply(
            text=text,
            buttons=stop_button(turn.lang, broadcast.id),
            edit_key=f"broadcast:{broadcast.id}",
        )
    ]


async def stop(turn: Turn, broadcast_id: int) -> list[Reply]:
    """Withdraws the messages of a broadcast that have not gone yet."""
    withdrawn = await turn.services.broadcasts.stop(broadcast_id)
    await turn.services.audit.record(
        turn, "broadcast.stop", None, {"withdrawn": withdrawn}, target=f"broadcast:{broadcast_id}"
    )
    return [
        Reply(
            text=turn.ngettext(
                "Stopped: {n} message was withdrawn. The report follows.",
                "Stopped: {n} messages were withdrawn. The report follows.",
                withdrawn,
            ).format(n=turn.lang.number(withdrawn))
        )
    ]


async def _again(turn: Turn, answer: Answer) -> Outcome:
    """Text where buttons answer: the question again."""
    return Stay()


async def _refused(turn: Turn) -> list[Reply]:
    """A photo or document after the announcement's text: only the text may carry one."""
    return await turn.router.unsupported(turn)


async def _lost(turn: Turn) -> list[Reply]:
    return await COMPOSING.ask(turn, Step.AUDIENCE)


_TYPED: Final = frozenset({Kind.TEXT, Kind.CONTACT, Kind.LOCATION})
COMPOSING: Flow[Turn, Step] = Flow(
    FLOW,
    {
        Step.TEXT: Question(_ask_text, got_text, takes=_TYPED | {Kind.FILE}),
        Step.AUDIENCE: Question(_ask_audience, _again, takes=_TYPED),
        Step.WARD: Question(_ask_ward, got_ward, takes=_TYPED),
        Step.PREVIEW: Question(_ask_preview, _again, takes=_TYPED),
    },
    lost=_lost,
    other_input=_refused,
    asides=False,
)
on_input = COMPOSING.on_input


async def on_button(turn: Turn) -> list[Reply]:
    """`bcast:aud:KIND`, `bcast:set:KIND:ARG`, `bcast:send|text|detach|audience|cancel`,
    `bcast:stop:ID`."""
    pressed = turn.payload
    if isinstance(pressed, BroadcastStop):
        return await stop(turn, pressed.broadcast)
    conv = turn.conversation
    if conv.flow != FLOW or "text" not in conv.data:
        return [main_menu(turn.lang, turn._("That announcement is no longer being prepared."))]
    previewing = conv.step == Step.PREVIEW and bool(conv.data.get("audience"))
    match pressed:
        case Composing(action="cancel"):
            conv.end()
            return [main_menu(turn.lang, turn._("The announcement was not sent."))]
        case Composing(action="text"):
            return await COMPOSING.ask(turn, Step.TEXT)
        case Composing(action="audience"):
            return ask_audience(turn)
        case Composing(action="detach") if previewing:
            conv.data.pop("attachment", None)
            return await preview(turn)
        case AudienceKind(kind=kind):
            return await choose(turn, kind)
        case AudienceOf(kind=kind, value=value):
            return await set_audience(turn, f"{kind}:{value}")
        case AudienceFair(fair=fair_id):
            return await set_audience(turn, f"fair:{fair_id}")
        case Composing(action="send") if previewing:
            return await send(turn)
    return ask_audience(turn)


def _quiet_end(turn: Turn) -> datetime | None:
    settings = turn.services.settings
    return quiet_until(settings.quiet_hours, settings.tz, utcnow())


def register(router: Router) -> None:
    """Wires /thong_bao and its buttons (`bcast:`), for admins only, and the progress shown
    to whoever started a broadcast."""
    router.command(
        ("thong_bao", "broadcast"),
        admin_only(ask_text),
        description=None,  # not in the public command list
    )
    payloads = (Composing, AudienceKind, AudienceOf, AudienceFair, BroadcastStop)
    router.button(payloads, admin_only(on_button))
    router.flow(FLOW, admin_only(on_input), files=COMPOSING.takes_files)
    router.every(
        "broadcast_progress",
        PROGRESS_EVERY,
        Broadcaster(router.services, router.services.broadcasts).tick,
    )
