"""The smaller staff tools: exports (the .xlsx and .csv of /xuat), members reported by other
members, unanswered questions turned into FAQ entries in one step, the audit log in words and
local times, and staff roles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.channels.web.auth import Staff, staff_page
from bot.channels.web.pages import web_of
from bot.channels.web.staff import Acting, back, render
from bot.core.i18n import N_, Lang
from bot.core.types import UserRef
from bot.domain.enterprise_terms import ROLE_NAMES as ENTERPRISE_ROLES
from bot.domain.enterprise_terms import STATUS_NAMES, place_label, term, ward_label
from bot.domain.phones import format_phone
from bot.domain.places import get_ward, wards
from bot.domain.sectors import SECTORS, sector_name
from bot.domain.textnorm import fold
from bot.services import staff_roles
from bot.services.export_tables import BOOTH_STATUS
from bot.services.exports import PURPOSES, ExportFilter, Format, What, make_export
from bot.services.permissions import Permission
from bot.services.staff_terms import ACTION_NAMES, ROLE_DUTIES, ROLE_NAMES, readable_changes
from storage.chain import MemberReport
from storage.enterprises import Enterprise
from storage.faq import FaqEntry
from storage.roles import GRANTABLE, Role

__all__ = ["routes"]

AUDIT_PAGE: Final = 50
PICKER: Final = 100  # people offered in the roles form's list
_ADDRESS: Final = re.compile(r"^(telegram|zalo|console):([A-Za-z0-9_-]{1,64})$")

# -- exports ----------------------------------------------------------------------------------


@staff_page(Permission.EXPORT)
async def exports(request: Request, staff: Staff) -> Response:
    """What can be exported, with its filters."""
    svc = web_of(request).router.services
    _ = staff.lang.gettext
    upcoming, _n = await svc.fairs.upcoming(0, 30)
    past, _n = await svc.fairs.past(0, 20)
    return await render(
        request,
        staff,
        "staff/exports.html",
        problem=request.query_params.get("loi"),
        statuses=[(s, term(STATUS_NAMES, s, _)) for s in STATUS_NAMES],
        booth_statuses=[(k, _(v)) for k, v in BOOTH_STATUS.items()],
        crafts=sorted(((k, sector_name(k, _)) for k in SECTORS), key=lambda kv: kv[1]),
        ward_options=sorted(
            ((w.code, ward_label(w.code, _)) for w in wards()), key=lambda kv: kv[1]
        ),
        fairs=[(f.id, f.title(staff.lang.code)) for f in [*upcoming, *past]],
        personal=staff.may(Permission.PERSONAL_DATA),
        purposes=[(k, _(v)) for k, v in PURPOSES.items()],
    )


@staff_page(Permission.EXPORT)
async def download(request: Request, staff: Staff) -> Response:
    """The file, made now; phone numbers and tax codes only for the roles that see them."""
    router = web_of(request).router
    svc = router.services
    what = {"booths": What.BOOTHS, "links": What.LINKS}.get(staff.field("what"), What.ENTERPRISES)
    status = staff.field(f"status_{what.value}") or None
    ward = staff.field("ward")
    fair = staff.field("fair")
    flt = ExportFilter(
        what=what,
        status=status,
        sector=staff.field("sector") if staff.field("sector") in SECTORS else None,
        ward=ward if ward and get_ward(ward) else None,
        fair=int(fair) if fair.isdigit() else None,
    )
    if what is What.LINKS:  # counted whole, as in the chat: no filters
        flt = ExportFilter(what=what)
    fmt: Format = "csv" if staff.field("format") == "csv" else "xlsx"
    purpose = staff.field("purpose")
    if purpose not in PURPOSES:
        return back("/quan-tri/xuat", loi="purpose")
    personal = staff.may(Permission.PERSONAL_DATA)
    export = await make_export(svc, flt, staff.lang, fmt, personal=personal)
    after = {**flt.model_dump(mode="json", exclude_none=True), "format": fmt}
    after |= {"rows": export.rows, "personal": personal, "purpose": purpose, "on": "web"}
    async with Acting(router, staff) as acting:
        await svc.audit.record(
            acting, f"export.{what.value}", None, after, target=export.document.filename
        )
    doc = export.document
    return Response(
        doc.content,
        media_type=doc.mime_type,
        headers={"Content-Disposition": f'attachment; filename="{doc.filename}"'},
    )


# -- questions --------------------------------------------------------------------------------


def _faq_key(text: str, taken: set[str]) -> str:
    words = fold(text).split()[:6]
    base = "-".join(words)[:36].strip("-") or "cau-hoi"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


@staff_page(Permission.FAQ)
async def questions(request: Request, staff: Staff) -> Response:
    """What producers asked that the bot could not answer, the most frequent first."""
    svc = web_of(request).router.services
    groups = await svc.questions.unanswered(limit=100)
    return await render(
        request,
        staff,
        "staff/questions.html",
        groups=groups,
        done=request.query_params.get("xong"),
        problem=request.query_params.get("loi"),
    )


@staff_page(Permission.FAQ)
async def add_faq(request: Request, staff: Staff) -> Response:
    """Turns a question into a FAQ entry; the bot answers it (and its kind) from now on."""
    router = web_of(request).router
    svc = router.services
    folded = staff.field("folded")
    texts = {k: staff.field(k) for k in ("question_vi", "question_en", "answer_vi", "answer_en")}
    if not all(texts.values()) or any(len(v) > 1000 for v in texts.values()):
        return back("/quan-tri/cau-hoi", loi="missing")
    taken = {e.key for e in await svc.faq.all()}
    phrasings = [texts["question_vi"]]
    if staff.field("asked") and staff.field("asked") != texts["question_vi"]:
        phrasings.append(staff.field("asked"))
    entry = FaqEntry.model_validate(
        {
            "key": _faq_key(texts["question_vi"], taken),
            "questions": {"vi": phrasings, "en": [texts["question_en"]]},
            "answer": {"vi": texts["answer_vi"], "en": texts["answer_en"]},
        }
    )
    async with Acting(router, staff) as acting:
        await svc.faq.add(entry)
        resolved = await svc.questions.resolve(folded, entry.key) if folded else 0
        await svc.audit.record(
            acting,
            "faq.add",
            None,
            {**entry.model_dump(), "questions_answered": resolved},
            target=f"faq:{entry.key}",
        )
    return back("/quan-tri/cau-hoi", "added")


# -- members reported by other members --------------------------------------------------------

REPORTS_SHOWN: Final = 100


@dataclass(frozen=True, slots=True)
class _Reported:
    """A report with the two members it names (None: no longer in the network)."""

    report: MemberReport
    reported: Enterprise | None
    reporter: Enterprise | None
    times: int  # reports that name the member reported, this one included


@staff_page(Permission.REVIEW)
async def member_reports(request: Request, staff: Staff) -> Response:
    """Members reported by other members, those not dealt with first (as /bao_cao_thanh_vien)."""
    svc = web_of(request).router.services
    rows = []
    for r in await svc.chain.reports(REPORTS_SHOWN):
        reported = await svc.enterprises.get(r.reported_id) if r.reported_id else None
        reporter = await svc.enterprises.get(r.reporter_id) if r.reporter_id else None
        times = await svc.chain.reports_about(r.reported_id) if r.reported_id else 1
        rows.append(_Reported(r, reported, reporter, times))
    _ = staff.lang.gettext
    return await render(
        request,
        staff,
        "staff/member_reports.html",
        rows=rows,
        roles_of=lambda e: ", ".join(term(ENTERPRISE_ROLES, x, _) for x in e.roles),
        place_of=lambda e: place_label(e.ward_code, e.province, _),
        phone=format_phone,
        personal=staff.may(Permission.PERSONAL_DATA),
        done=request.query_params.get("xong"),
        problem=request.query_params.get("loi"),
    )


@staff_page(Permission.REVIEW)
async def report_seen(request: Request, staff: Staff) -> Response:
    """Marks a report dealt with, in the audit log as in the chat."""
    router = web_of(request).router
    svc = router.services
    raw = staff.field("report")
    if not raw.isdigit() or len(raw) > 12:
        return back("/quan-tri/bao-cao", loi="gone")
    async with Acting(router, staff) as acting:
        done = await svc.chain.seen(int(raw), acting.user.id)
        if done is not None:
            await svc.audit.record(
                acting, "member_report.seen", None, done, target=f"member_report:{done.id}"
            )
    if done is None:
        return back("/quan-tri/bao-cao", loi="gone")
    return back("/quan-tri/bao-cao", "seen")


# -- audit log --------------------------------------------------------------------------------


# what an entry is about, as people say it; linked to its page where there is one
_TARGETS: Final = {
    "enterprise": (N_("registration #{id}"), "/quan-tri/dang-ky/{id}"),
    "fair": (N_("fair #{id}"), "/quan-tri/hoi-cho/{id}"),
    "broadcast": (N_("announcement #{id}"), "/quan-tri/thong-bao/{id}"),
    "booth": (N_("booth application #{id}"), ""),
    "user": (N_("person #{id}"), ""),
    "account": (N_("account #{id}"), ""),
}


def _target(lang: Lang, target: str | None) -> tuple[str, str]:
    """(words, link) of an entry's target: `enterprise:12` reads "registration #12"."""
    if not target:
        return "—", ""
    kind, _sep, ident = target.partition(":")
    if kind not in _TARGETS or not ident.isdigit():
        return target, ""
    label, link = _TARGETS[kind]
    return lang.gettext(label).format(id=ident), link.format(id=ident)


def _local_day(lang: Lang, raw: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(raw), time(), tzinfo=lang.tz)
    except ValueError:
        return None


@staff_page(Permission.AUDIT)
async def audit(request: Request, staff: Staff) -> Response:
    """The audit log, the latest first: who (by name, and their role then), what (in words),
    on what (linked), when (local time); filtered by who, what and from/to which day."""
    svc = web_of(request).router.services
    lang = staff.lang
    _ = lang.gettext
    q = request.query_params
    raw = q.get("page", "1")
    page = max(1, int(raw)) if raw.isdigit() else 1
    given = {k: q.get(k, "").strip() for k in ("ai", "viec", "tu", "den")}
    since = _local_day(lang, given["tu"])
    until = _local_day(lang, given["den"])
    entries, total = await svc.audit.repo.page(
        (page - 1) * AUDIT_PAGE,
        AUDIT_PAGE,
        actor_id=int(given["ai"]) if given["ai"].isdigit() else None,
        action=given["viec"] if given["viec"] in ACTION_NAMES else None,
        since=since,
        until=until + timedelta(days=1) if until else None,
    )
    roles = {r.value: _(name) for r, name in ROLE_NAMES.items()}
    names: dict[int, str] = {}
    for x in entries:
        if x.actor_id is not None and x.actor_id not in names:
            user = await svc.users.get(x.actor_id)
            names[x.actor_id] = (user.display_name or str(user.ref)) if user else x.actor
    rows: list[dict[str, Any]] = []
    for x in entries:
        on, link = _target(lang, x.target)
        rows.append(
            {
                "e": x,
                "when": lang.short_datetime(x.at),
                "who": names.get(x.actor_id, x.actor)
                if x.actor_id is not None
                else _("the server (command line)")
                if x.actor == "cli"
                else x.actor,
                "role": roles.get(x.role or "", _("not staff")),
                "what": _(ACTION_NAMES[x.action]) if x.action in ACTION_NAMES else x.action,
                "on": on,
                "link": link,
                "changes": readable_changes(x.before, x.after, lang)[:8],
            }
        )
    query = {k: v for k, v in given.items() if v}
    actions = sorted(((k, _(v)) for k, v in ACTION_NAMES.items()), key=lambda kv: kv[1])
    return await render(
        request,
        staff,
        "staff/audit.html",
        rows=rows,
        page=page,
        pages=max(1, -(-total // AUDIT_PAGE)),
        total=total,
        given=given,
        actors=await svc.audit.repo.actors(),
        actions=actions,
        filtered=bool(query),
        page_link=lambda n: "/quan-tri/nhat-ky?" + urlencode({**query, "page": n}),
    )


# -- roles ------------------------------------------------------------------------------------


@staff_page(Permission.ROLES)
async def roles(request: Request, staff: Staff) -> Response:
    """The owners, everyone with a role, and a form to give one."""
    svc = web_of(request).router.services
    _ = staff.lang.gettext
    owners = []
    for ref in svc.settings.admins:
        user = await svc.users.find(ref)
        owners.append((ref, user.display_name if user and user.display_name else "—"))
    members = []
    for grant in await svc.roles.grants():
        people = await svc.users.identities(grant.account_id)
        name = next((u.display_name for u in people if u.display_name), None) or "—"
        members.append((grant, name, ", ".join(str(u.ref) for u in people)))
    pickable: list[
        tuple[int, str]
    ] = []  # who may be given a role: those who wrote to the bot lately, not yet staff
    for user in await svc.roles.recent_people(PICKER):
        e = await svc.enterprises.for_account(user.account_id)
        label = " · ".join(
            x for x in (user.display_name, e.name if e else None, str(user.ref)) if x
        )
        pickable.append((user.account_id, label))
    return await render(
        request,
        staff,
        "staff/roles.html",
        people=pickable,
        owners=owners,
        members=members,
        grantable=[(r.value, _(ROLE_NAMES[r]), _(ROLE_DUTIES[r])) for r in GRANTABLE],
        role_names={r.value: _(n) for r, n in ROLE_NAMES.items()},
        done=request.query_params.get("xong"),
        problem=request.query_params.get("loi"),
    )


@staff_page(Permission.ROLES)
async def set_role(request: Request, staff: Staff) -> Response:
    """Gives a role to the person at an address (or takes it away), and tells them."""
    router = web_of(request).router
    svc = router.services
    wanted = staff.field("role")
    role = Role(wanted) if wanted in {r.value for r in GRANTABLE} else None
    if wanted not in ("", "none") and role is None:
        return back("/quan-tri/vai-tro")
    raw = staff.field("account")
    if raw.isdigit():
        account_id = int(raw)
        if not await svc.users.identities(account_id):
            return back("/quan-tri/vai-tro", loi="address")
    else:
        match = _ADDRESS.match(staff.field("address").strip())
        if match is None:
            return back("/quan-tri/vai-tro", loi="address")
        async with svc.db.transaction():
            user = await svc.users.ensure(UserRef(channel=match[1], external_id=match[2]))
        account_id = user.account_id
    async with Acting(router, staff) as acting:
        changed = await staff_roles.set_role(svc, acting, account_id, role)
    return back("/quan-tri/vai-tro", "changed" if changed else "same")


def routes() -> list[BaseRoute]:
    """Exports, reported members, questions, the audit log and roles."""
    return [
        Route("/quan-tri/bao-cao", member_reports, methods=["GET"]),
        Route("/quan-tri/bao-cao", report_seen, methods=["POST"]),
        Route("/quan-tri/xuat", exports, methods=["GET"]),
        Route("/quan-tri/xuat", download, methods=["POST"]),
        Route("/quan-tri/cau-hoi", questions, methods=["GET"]),
        Route("/quan-tri/cau-hoi", add_faq, methods=["POST"]),
        Route("/quan-tri/nhat-ky", audit, methods=["GET"]),
        Route("/quan-tri/vai-tro", roles, methods=["GET"]),
        Route("/quan-tri/vai-tro", set_role, methods=["POST"]),
    ]
