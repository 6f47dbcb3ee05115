"""/yeu_cau_du_lieu (/data_requests): the requests people made about their data (who, as a
pseudonym; what; when; done when), and finishing an erasure that waits for staff: the approved
booths are withdrawn, the rest is deleted, and the person is told. Staff are reminded daily of
an erasure they owe."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from bot.core.clock import utcnow
from bot.core.i18n import Lang
from bot.core.payloads import DataRequestAction, Payload
from bot.core.types import Button, Reply
from bot.dialog.router import Build, Router, Turn
from bot.services.data_copy import REQUEST_KINDS
from bot.services.fair_jobs import offer_freed
from handlers.my_data.erasure import erase_account, held_lines, summary
from storage.personal_data import DataRequest, Erased, HeldBooth

__all__ = [
    "PAYLOADS",
    "REMIND_CHECK_EVERY",
    "REMIND_EVERY",
    "RequestList",
    "on_button",
    "remind_staff",
    "request_list",
]

log = logging.getLogger("ketnoi.data_requests")

SHOWN: Final = 15
REMIND_EVERY: Final = timedelta(hours=24)
REMIND_CHECK_EVERY: Final = 3600.0  # seconds between looks for erasures staff owe


@dataclass(frozen=True, slots=True)
class RequestList(Payload, prefix="datareq:list"):
    """The requests, those waiting for staff first: `datareq:list`."""


PAYLOADS: Final = (RequestList, DataRequestAction)


def _line(lang: Lang, r: DataRequest) -> str:
    """`#3 · P-3fa9c2d17b · delete · telegram · asked … · waiting, due …`."""
    _ = lang.gettext
    if r.status == "waiting":
        due = lang.short_datetime(r.due_at) if r.due_at else "—"
        late = " ⚠️" if r.due_at and r.due_at < utcnow() else ""
        state = _("⏳ waiting for staff, due {due}").format(due=due) + late
    else:
        state = _("✅ done {moment}").format(
            moment=lang.short_datetime(r.done_at) if r.done_at else "—"
        )
    what = _(REQUEST_KINDS.get(r.kind, r.kind))
    asked = _("asked {moment}").format(moment=lang.short_datetime(r.requested_at))
    return f"#{r.id} · {r.subject} · {what} · {r.channel} · {asked} · {state}"


async def request_list(turn: Turn) -> list[Reply]:
    """The requests waiting for staff first, then the latest done."""
    _ = turn._
    found = await turn.services.personal_data.requests(SHOWN)
    if not found:
        return [Reply(text=_("Nobody has made a request about their data yet."))]
    lines = [_("Requests about personal data, those waiting for staff first:")]
    lines += [_line(turn.lang, r) for r in found]
    buttons = [
        [DataRequestAction("show", r.id).button(_("Open request #{id}").format(id=r.id))]
        for r in found
        if r.status == "waiting"
    ]
    return [Reply(text="\n".join(lines), buttons=buttons)]


async def _held(turn: Turn, r: DataRequest) -> list[HeldBooth]:
    if r.account_id is None:
        return []
    return await turn.services.personal_data.held_booths(r.account_id)


async def show(turn: Turn, r: DataRequest) -> list[Reply]:
    """One request; an erasure waiting for staff with its booths and the button to finish it."""
    _ = turn._
    lines = [_line(turn.lang, r)]
    buttons: list[list[Button]] = []
    if r.status == "waiting" and r.account_id is not None:
        e = await turn.services.enterprises.for_account(r.account_id)
        if e is not None:
            lines.append(
                _("Registration {reference} ({name})").format(reference=e.reference, name=e.name)
            )
        held = await _held(turn, r)
        if held:
            lines += ["", _("Approved booths to withdraw first:"), *held_lines(turn.lang, held)]
        lines += [
            "",
            _(
                "Once the booths are freed (tell the fair's organisers), press the button: the"
                " booths are withdrawn, the waiting list is offered them, all the person's data"
                " is deleted, and they are told."
            ),
        ]
        buttons.append(
            [DataRequestAction("done", r.id).button(_("Withdraw the booths and delete"))]
        )
    buttons.append([RequestList().button(_("All requests"))])
    return [Reply(text="\n".join(lines), buttons=buttons)]


async def finish(turn: Turn, r: DataRequest) -> list[Reply]:
    """Withdraws the approved booths, deletes the account's data, tells the person."""
    _ = turn._
    svc = turn.services
    if r.status != "waiting" or r.account_id is None:
        return await show(turn, r)
    account = r.account_id
    identities = await svc.users.identities(account)
    for booth in await _held(turn, r):
        if await svc.booths.withdraw(booth.application_id, account) is None:
            continue
        fair = await svc.fairs.get(booth.fair_id)
        if fair is not None:
            for user_id, build, _key in await offer_freed(svc, fair):
                turn.notify(user_id, build)
    erased = await erase_account(turn, account, r.subject, at_commit=False)
    done = await svc.personal_data.finish_request(
        r.id, by=turn.user.id, outcome=erased.model_dump()
    )
    if done is None:
        return await show(turn, r)
    await svc.audit.record(
        turn, "data.erase_done", None, erased.model_dump(), target=f"request:{r.id}"
    )
    if identities:
        # The identity rows now hold nothing of the person: a message goes by address, which
        # gives that address a fresh row of its own, as anyone who writes to the bot has.
        turn.notify(identities[0].ref, _told(erased))
    text = _("Request #{id} is done: the booths are withdrawn and the data deleted.").format(
        id=r.id
    )
    return [Reply(text=f"{text}\n\n{summary(turn.lang, erased)}")]


def _told(erased: Erased) -> Build:
    """The person's last message: what was removed and what remains."""

    def build(lang: Lang) -> list[Reply]:
        _ = lang.gettext
        head = _(
            "The Department has withdrawn your approved booths, and your data is now deleted,"
            " as you asked. No announcement or reminder will reach you any more."
        )
        return [Reply(text=f"{head}\n\n{summary(lang, erased)}")]

    return build


async def on_button(turn: Turn) -> list[Reply]:
    """`datareq:list`, `datareq:show:ID`, `datareq:done:ID`."""
    pressed = turn.payload
    if not isinstance(pressed, DataRequestAction):
        return await request_list(turn)
    r = await turn.services.personal_data.get_request(pressed.request)
    if r is None:
        return await request_list(turn)
    if pressed.action == "done":
        return await finish(turn, r)
    return await show(turn, r)


async def remind_staff(router: Router) -> int:
    """Reminds the reviewers, once a day, of each erasure waiting for them; how many."""
    svc = router.services
    reminded = 0
    for r in await svc.personal_data.to_remind(utcnow() - REMIND_EVERY):
        held = await svc.personal_data.held_booths(r.account_id) if r.account_id else []

        def build(lang: Lang, r: DataRequest = r, held: list[HeldBooth] = held) -> list[Reply]:
            _ = lang.gettext
            due = lang.date_time(r.due_at) if r.due_at else "—"
            text = _(
                "Reminder: request #{id} ({subject}) to delete a person's data waits for staff"
                " to withdraw their approved booths. It is due by {due}."
            ).format(id=r.id, subject=r.subject, due=due)
            button = DataRequestAction("show", r.id).button(_("Open the request"))
            return [Reply(text="\n".join([text, *held_lines(lang, held)]), buttons=[[button]])]

        day = utcnow().strftime("%Y%m%d")
        async with svc.db.transaction():
            for target in await svc.roles.reviewers():
                await router.services.enqueue(
                    target, build, f"datareq:{r.id}:remind:{day}:{target}", lane="notice"
                )
            await svc.personal_data.mark_reminded(r.id)
        reminded += 1
    if reminded:
        router.on_queued()
        log.info("data requests: staff reminded of %d waiting erasures", reminded)
    return reminded
