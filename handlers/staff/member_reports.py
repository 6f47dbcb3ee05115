"""/bao_cao_thanh_vien (/member_reports): members reported by other members, newest first, each
with the member reported (and how often they were), who reported them and why; staff mark one
dealt with (recorded in the audit log)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.core.payloads import Id, Payload
from bot.core.types import Reply
from bot.dialog.router import Turn
from bot.domain.enterprise_terms import ROLE_NAMES, place_label, term
from bot.domain.phones import format_phone
from storage.chain import MemberReport

__all__ = ["ReportSeen", "on_button", "show_reports"]

SHOWN: Final = 10


@dataclass(frozen=True, slots=True)
class ReportSeen(Payload, prefix="mreport:seen"):
    """Mark a report dealt with: `mreport:seen:12`."""

    report: Id


async def _lines(turn: Turn, r: MemberReport, n: int) -> str:
    _ = turn._
    svc = turn.services
    reported = await svc.enterprises.get(r.reported_id or 0)
    reporter = await svc.enterprises.get(r.reporter_id or 0)
    if reported is None:
        who = _("a member no longer in the network")
    else:
        roles = ", ".join(term(ROLE_NAMES, x, _) for x in reported.roles)
        who = (
            f"{reported.name} ({reported.reference}) · {roles} · "
            f"{place_label(reported.ward_code, reported.province, _)} · "
            f"{format_phone(reported.phone)}"
        )
    times = await svc.chain.reports_about(r.reported_id) if r.reported_id else 1
    lines = [
        f"{n}. {who}",
        _("   reported {times} times in all; this time by {reporter} on {date}").format(
            times=times,
            reporter=reporter.name if reporter else "—",
            date=turn.lang.date(r.created_at, "short"),
        ),
        _("   why: «{reason}»").format(reason=r.reason),
    ]
    if r.seen_at:
        lines.append(_("   dealt with on {date}").format(date=turn.lang.date(r.seen_at, "short")))
    return "\n".join(lines)


async def show_reports(turn: Turn, note: str | None = None) -> list[Reply]:
    """The newest reports, those not dealt with first."""
    _ = turn._
    reports = await turn.services.chain.reports(SHOWN)
    if not reports:
        return [Reply(text="\n\n".join(filter(None, [note, _("No member has been reported.")])))]
    blocks = [await _lines(turn, r, i) for i, r in enumerate(reports, start=1)]
    buttons = [
        [ReportSeen(r.id).button(_("✔ No. {n} dealt with").format(n=i))]
        for i, r in enumerate(reports, start=1)
        if r.seen_at is None
    ]
    text = "\n\n".join(filter(None, [note, _("Members reported by other members:"), *blocks]))
    return [Reply(text=text, buttons=buttons)]


async def on_button(turn: Turn) -> list[Reply]:
    """`mreport:seen:ID`: marks a report dealt with."""
    picked = turn.payload
    if not isinstance(picked, ReportSeen):
        return await show_reports(turn)
    done = await turn.services.chain.seen(picked.report, turn.user.id)
    if done is None:
        return await show_reports(turn, turn._("That report was dealt with already."))
    await turn.services.audit.record(
        turn, "member_report.seen", None, done, target=f"member_report:{done.id}"
    )
    return await show_reports(turn, turn._("Marked as dealt with."))
