"""Announcements: how recipients see one, starting one, and the progress its sender is shown."""

from __future__ import annotations

import logging
import time
from collections import deque
from datetime import datetime
from typing import Final

from bot.core.clock import utcnow
from bot.core.config import quiet_until
from bot.core.i18n import N_, I18n, Lang
from bot.core.payloads import BroadcastStop
from bot.core.types import Attachment, Button, Reply
from bot.domain.enterprise_terms import ROLE_NAMES, STATUS_NAMES, term, ward_label
from bot.domain.places import get_ward
from bot.domain.sectors import SECTORS, sector_name
from bot.services.base import Services
from storage.broadcasts import Broadcast, BroadcastRepo, Progress, parse_audience
from storage.fairs import FairRepo

__all__ = [
    "AUDIENCE_KINDS",
    "MAX_ANNOUNCEMENT",
    "PROGRESS_EVERY",
    "Broadcaster",
    "announcement",
    "attachment_note",
    "describe_audience",
    "final_report",
    "known_audience",
    "progress_text",
    "start_broadcast",
]

log = logging.getLogger("ketnoi.broadcasts")

PROGRESS_EVERY = 3.0  # seconds between looks at the broadcasts being sent
MAX_ANNOUNCEMENT = 1800  # with the header and footer it still fits one Zalo message (2,000)
_SAMPLES = 20  # progress samples kept per broadcast for the time estimate
# Channels that can edit a sent message; elsewhere progress is shown at each quarter only,
# not as a new message every few seconds.
EDITABLE = frozenset({"telegram"})


def announcement(lang: Lang, text: str, attachment: Attachment | None = None) -> list[Reply]:
    """The announcement as one recipient sees it, framed in their language."""
    _ = lang.gettext
    header = _("Announcement from the Hanoi Department of Industry and Trade")
    stop = "stop" if lang.code == "en" else "dung"
    footer = _("To stop receiving announcements, send /{command}.").format(command=stop)
    note = attachment_note(lang, attachment) if attachment is not None else None
    return [
        Reply(
            text=f"📢 {header}\n\n{text}\n\n{footer}",
            attachment=attachment,
            attachment_note=note,
        )
    ]


def attachment_note(lang: Lang, attachment: Attachment) -> str:
    """What recipients on another platform than the attachment's read in its place."""
    platform = attachment.channel.capitalize()
    if attachment.kind == "photo":
        return lang.gettext(
            "(This announcement comes with a photo, which can only be seen on {platform}.)"
        ).format(platform=platform)
    if not attachment.file_name:
        return lang.gettext(
            "(This announcement comes with a file, which can only be opened on {platform}.)"
        ).format(platform=platform)
    return lang.gettext(
        "(This announcement comes with the file {name}, which can only be opened on {platform}.)"
    ).format(name=attachment.file_name, platform=platform)


async def start_broadcast(
    repo: BroadcastRepo,
    i18n: I18n,
    audience: str,
    text: str,
    created_by: int | None,
    attachment: Attachment | None = None,
    not_before: datetime | None = None,
) -> Broadcast:
    """Record the broadcast and queue its messages (to go at `not_before`, or at once).
    Call inside a transaction."""
    return await repo.create(
        audience,
        text,
        created_by,
        lambda locale: announcement(i18n.get(locale), text, attachment),
        not_before=not_before,
    )


# The kinds of audience, as the chat's buttons and the web page's groups name them, in order.
AUDIENCE_KINDS: Final = {
    "all": N_("Everyone"),
    "sector": N_("A sector"),
    "role": N_("A role in the chain"),
    "ward": N_("A ward or commune"),
    "fair": N_("Applicants of a fair"),
    "status": N_("A registration status"),
}


def known_audience(kind: str, arg: str) -> bool:
    """Whether `kind:arg` names an audience we know (fairs aside, which are looked up)."""
    if kind == "all":
        return not arg
    if kind == "ward":
        return get_ward(arg) is not None
    known = {"sector": SECTORS, "role": ROLE_NAMES, "status": STATUS_NAMES}.get(kind, {})
    return arg in known


async def describe_audience(fairs: FairRepo, lang: Lang, audience: str) -> str:
    """An audience in words: 'sector: Ceramics', 'applicants of the fair: …'."""
    _ = lang.gettext
    kind, arg = parse_audience(audience)
    if kind == "all":
        return _("everyone")
    if kind == "sector":
        return _("sector: {name}").format(name=sector_name(arg, _))
    if kind == "role":
        return _("role: {name}").format(name=term(ROLE_NAMES, arg, _))
    if kind == "ward":
        return _("ward or commune: {name}").format(name=ward_label(arg, _))
    if kind == "status":
        return _("registrations {status}").format(status=term(STATUS_NAMES, arg, _))
    fair = await fairs.by_key(arg)
    title = fair.title(lang.code) if fair else arg
    return _("applicants of the fair: {title}").format(title=title)


def progress_text(
    lang: Lang, broadcast_id: int, p: Progress, eta: float | None, quiet_end: datetime | None
) -> str:
    """'Đã gửi 1.234 / 10.000 — 12 đã chặn bot — 2 không rõ đã đến chưa — còn khoảng 5 phút'."""
    _ = lang.gettext
    parts = [
        _("Broadcast #{id}: sent {sent} / {total}").format(
            id=broadcast_id, sent=lang.number(p.sent), total=lang.number(p.total)
        )
    ]
    if p.blocked:
        parts.append(
            lang.ngettext("{n} blocked the bot", "{n} blocked the bot", p.blocked).format(
                n=lang.number(p.blocked)
            )
        )
    if p.failed:
        parts.append(
            lang.ngettext("{n} failed", "{n} failed", p.failed).format(n=lang.number(p.failed))
        )
    if p.unknown:
        parts.append(
            lang.ngettext("{n} unconfirmed", "{n} unconfirmed", p.unknown).format(
                n=lang.number(p.unknown)
            )
        )
    if p.unreachable:
        parts.append(
            lang.ngettext("{n} out of reach", "{n} out of reach", p.unreachable).format(
                n=lang.number(p.unreachable)
            )
        )
    if quiet_end is not None:
        parts.append(
            _("waiting for the quiet hours to end at {time}").format(time=lang.time(quiet_end))
        )
    elif eta is not None:
        parts.append(_eta(lang, eta))
    return " — ".join(parts)


def _eta(lang: Lang, seconds: float) -> str:
    if seconds < 60:
        return lang.gettext("less than a minute left")
    minutes = round(seconds / 60)
    return lang.ngettext("about {n} minute left", "about {n} minutes left", minutes).format(
        n=lang.number(minutes)
    )


def final_report(lang: Lang, broadcast_id: int, p: Progress) -> str:
    """What became of every message of a broadcast."""
    _ = lang.gettext
    lines = [
        _("Broadcast #{id} is over.").format(id=broadcast_id),
        _("Sent: {n}").format(n=lang.number(p.sent)),
        _("Blocked the bot: {n}").format(n=lang.number(p.blocked)),
        _("Failed: {n}").format(n=lang.number(p.failed)),
        _(
            "Unconfirmed (the platform did not answer, or the bot stopped while sending; may"
            " or may not have arrived, not sent again): {n}"
        ).format(n=lang.number(p.unknown)),
    ]
    if p.unreachable:
        lines.append(
            _(
                "Out of reach (on the Zalo OA, silent for more than 7 days: an announcement"
                " cannot go as a template message): {n}"
            ).format(n=lang.number(p.unreachable))
        )
    if p.cancelled:
        lines.append(_("Not sent (stopped): {n}").format(n=lang.number(p.cancelled)))
    return "\n".join(lines)


def stop_button(lang: Lang, broadcast_id: int) -> list[list[Button]]:
    """The button that withdraws what has not gone yet."""
    return [[BroadcastStop(broadcast_id).button(lang.gettext("Stop sending"))]]


class Broadcaster:
    """Every few seconds: edits each running broadcast's progress message; reports the end."""

    def __init__(self, svc: Services, repo: BroadcastRepo) -> None:
        self.svc = svc
        self.repo = repo
        self._samples: dict[int, deque[tuple[float, int]]] = {}

    async def tick(self) -> None:
        """Look at every broadcast still sending once."""
        for broadcast in await self.repo.sending():
            progress = await self.repo.progress(broadcast)
            if progress.finished:
                if await self.repo.finish(broadcast.id):
                    await self._report(broadcast, progress)
                self._samples.pop(broadcast.id, None)
                continue
            eta = self._eta(broadcast.id, progress)
            if await self._worth_showing(broadcast, progress):
                await self._show(broadcast, progress, eta)
                await self.repo.save_progress(broadcast.id, progress)

    async def _worth_showing(self, b: Broadcast, p: Progress) -> bool:
        if b.created_by is None or p == b.progress:
            return False
        sender = await self.svc.users.get(b.created_by)
        if sender is None:
            return False
        if sender.channel in EDITABLE:
            return True
        before = b.progress.done if b.progress else -1
        return _quarter(before, p.total) != _quarter(p.done, p.total)

    def _eta(self, broadcast_id: int, p: Progress) -> float | None:
        samples = self._samples.setdefault(broadcast_id, deque(maxlen=_SAMPLES))
        samples.append((time.monotonic(), p.done))
        (t0, done0), (t1, done1) = samples[0], samples[-1]
        if done1 <= done0 or t1 <= t0:
            return None
        return (p.total - p.done) / ((done1 - done0) / (t1 - t0))

    async def _show(self, b: Broadcast, p: Progress, eta: float | None) -> None:
        quiet_end = self._quiet_end()

        def build(lang: Lang) -> list[Reply]:
            text = progress_text(lang, b.id, p, eta, quiet_end)
            return [Reply(text=text, buttons=stop_button(lang, b.id), edit_key=_key(b.id))]

        assert b.created_by is not None
        await self.svc.enqueue(
            b.created_by, build, f"broadcast:{b.id}:progress:{p.done}", lane="notice"
        )
        self.svc.on_queued()

    async def _report(self, b: Broadcast, p: Progress) -> None:
        def edited(lang: Lang) -> list[Reply]:
            return [Reply(text=progress_text(lang, b.id, p, None, None), edit_key=_key(b.id))]

        def report(lang: Lang) -> list[Reply]:
            return [Reply(text=final_report(lang, b.id, p))]

        if b.created_by is not None:
            await self.svc.enqueue(
                b.created_by, edited, f"broadcast:{b.id}:progress:final", lane="notice"
            )
            await self.svc.enqueue(b.created_by, report, f"broadcast:{b.id}:report", lane="notice")
        else:
            for ref in self.svc.settings.admins:
                await self.svc.enqueue(ref, report, f"broadcast:{b.id}:report:{ref}", lane="notice")
        log.info("broadcast %s over: %s", b.id, p.model_dump())
        self.svc.on_queued()

    def _quiet_end(self) -> datetime | None:
        settings = self.svc.settings
        return quiet_until(settings.quiet_hours, settings.tz, utcnow())


def _quarter(done: int, total: int) -> int:
    return -1 if done < 0 else done * 4 // max(total, 1)


def _key(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}"
