"""/quan-tri/thong-bao: announcements. Write one, choose its audience and see the exact
number of people it reaches and how it will read, send it now or at a set time, watch it go
out, stop it; and the history of every announcement. The same outbox and rate limits as
/thong_bao in the chat."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.web.auth import Staff, staff_page
from bot.channels.web.pages import web_of
from bot.channels.web.staff import Acting, back, render
from bot.core.clock import utcnow
from bot.core.config import quiet_until
from bot.core.i18n import Lang
from bot.domain.enterprise_terms import ROLE_NAMES, STATUS_NAMES, term, ward_label
from bot.domain.places import wards
from bot.domain.sectors import SECTORS, sector_name
from bot.services.broadcasts import (
    AUDIENCE_KINDS,
    MAX_ANNOUNCEMENT,
    announcement,
    describe_audience,
    known_audience,
    progress_text,
    start_broadcast,
)
from bot.services.permissions import Permission
from storage.broadcasts import Broadcast, Progress, parse_audience

__all__ = ["routes"]

HERE: Final = "/quan-tri/thong-bao"
PAGE: Final = 20


async def _audiences(request: Request, lang: Lang) -> list[tuple[str, list[tuple[str, str]]]]:
    """The audiences to choose from, in groups: (group, [(value, label)])."""
    _ = lang.gettext
    fairs, _total = await web_of(request).router.services.fairs.upcoming(0, 30)
    places = _by_name((f"ward:{w.code}", ward_label(w.code, _)) for w in wards())
    choices = {
        "all": [("all", _("everyone"))],
        "sector": _by_name((f"sector:{k}", sector_name(k, _)) for k in SECTORS),
        "role": [(f"role:{k}", term(ROLE_NAMES, k, _)) for k in ROLE_NAMES],
        "status": [(f"status:{k}", term(STATUS_NAMES, k, _)) for k in STATUS_NAMES],
        "fair": [(f"fair:{f.key}", f.title(lang.code)) for f in fairs],
        "ward": places,  # the longest list last
    }
    return [(_(AUDIENCE_KINDS[kind]), values) for kind, values in choices.items()]


def _by_name(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(pairs, key=lambda kv: kv[1])


async def _valid(request: Request, audience: str) -> bool:
    try:
        kind, arg = parse_audience(audience)
    except ValueError:
        return False
    if kind == "fair":
        return await web_of(request).router.services.fairs.by_key(arg) is not None
    return known_audience(kind, arg)


def _quiet_end(request: Request) -> datetime | None:
    settings = web_of(request).router.services.settings
    return quiet_until(settings.quiet_hours, settings.tz, utcnow())


@staff_page(Permission.BROADCAST)
async def compose(request: Request, staff: Staff) -> Response:
    """A new announcement, and the history of the earlier ones."""
    svc = web_of(request).router.services
    raw = request.query_params.get("page", "1")
    page = max(1, int(raw)) if raw.isdigit() else 1
    history, total = await svc.broadcasts.page((page - 1) * PAGE, PAGE)
    return await render(
        request,
        staff,
        "staff/broadcasts.html",
        audiences=await _audiences(request, staff.lang),
        text="",
        audience="all",
        limit=MAX_ANNOUNCEMENT,
        history=[await _listed(request, staff.lang, b) for b in history],
        page=page,
        pages=max(1, -(-total // PAGE)),
        problem=None,
    )


async def _listed(request: Request, lang: Lang, b: Broadcast) -> dict[str, Any]:
    svc = web_of(request).router.services
    progress = b.progress or Progress(total=b.total)
    if b.status != "sending":
        progress = await svc.broadcasts.progress(b)
    return {
        "b": b,
        "audience": await describe_audience(svc.fairs, lang, b.audience),
        "when": lang.short_datetime(b.send_at or b.created_at),
        "progress": progress,
    }


@staff_page(Permission.BROADCAST)
async def preview(request: Request, staff: Staff) -> Response:
    """The announcement as people will read it, and exactly how many will get it."""
    svc = web_of(request).router.services
    lang = staff.lang
    _ = lang.gettext
    text = staff.field("text")
    audience = staff.field("audience")
    problem = None
    if not text:
        problem = _("Write the announcement first.")
    elif len(text) > MAX_ANNOUNCEMENT:
        problem = _(
            "That is {length} characters; an announcement can have at most {limit}."
            " Please shorten it and send it again."
        ).format(length=lang.number(len(text)), limit=lang.number(MAX_ANNOUNCEMENT))
    elif not await _valid(request, audience):
        problem = _("Choose who should get it.")
    if problem is not None:
        return await render(
            request,
            staff,
            "staff/broadcasts.html",
            status_code=400,
            audiences=await _audiences(request, lang),
            text=text,
            audience=audience,
            limit=MAX_ANNOUNCEMENT,
            history=[],
            page=1,
            pages=1,
            problem=problem,
        )
    recipients = await svc.broadcasts.recipients(audience)
    quiet = _quiet_end(request)
    return await render(
        request,
        staff,
        "staff/broadcast_preview.html",
        text=text,
        audience=audience,
        audience_label=await describe_audience(svc.fairs, lang, audience),
        shown=announcement(lang, text)[0].text,
        count=len(recipients),
        blocked=sum(r.blocked for r in recipients),
        quiet=lang.time(quiet) if quiet else None,
        now_local=utcnow().astimezone(lang.tz).strftime("%Y-%m-%dT%H:%M"),
    )


@staff_page(Permission.BROADCAST)
async def send(request: Request, staff: Staff) -> Response:
    """Queues the announcement for everyone in the audience, now or at the time given."""
    router = web_of(request).router
    svc = router.services
    text, audience = staff.field("text"), staff.field("audience")
    if not text or len(text) > MAX_ANNOUNCEMENT or not await _valid(request, audience):
        return back(HERE)
    at: datetime | None = None
    if staff.field("when") == "later":
        try:
            at = datetime.fromisoformat(staff.field("send_at")).replace(tzinfo=staff.lang.tz)
        except ValueError:
            return back(HERE, loi="time")
        if at <= utcnow():
            at = None  # a time already past: at once
    async with Acting(router, staff) as acting:
        broadcast = await start_broadcast(
            svc.broadcasts, svc.i18n, audience, text, staff.user.id, not_before=at
        )
        after: dict[str, Any] = {"audience": audience, "text": text, "total": broadcast.total}
        if at is not None:
            after["send_at"] = at
        await svc.audit.record(
            acting, "broadcast.send", None, after, target=f"broadcast:{broadcast.id}"
        )
    router.on_queued()
    return back(f"{HERE}/{broadcast.id}")


async def _state(request: Request, lang: Lang, b: Broadcast) -> dict[str, Any]:
    """Where a broadcast stands, as the page and its live updates show it."""
    svc = web_of(request).router.services
    p = await svc.broadcasts.progress(b)
    later = b.send_at is not None and b.send_at > utcnow() and b.status == "sending"
    if later and b.send_at is not None:
        text = lang.gettext("Waits until {moment}; {n} people will get it.").format(
            moment=lang.date_time(b.send_at), n=lang.number(p.total)
        )
    else:
        text = progress_text(lang, b.id, p, None, _quiet_end(request))
    percent = round(100 * p.done / p.total) if p.total else 100
    return {
        "status": "sending" if b.status == "sending" else b.status,
        "percent": percent,
        "text": text,
        "progress": p,
        "later": later,
    }


@staff_page(Permission.BROADCAST)
async def show(request: Request, staff: Staff) -> Response:
    """One announcement: its text, audience and progress, updated live while it goes out."""
    svc = web_of(request).router.services
    b = await svc.broadcasts.get(request.path_params["id"])
    if b is None:
        return await render(request, staff, "staff/gone.html", status_code=404)
    sender = await svc.users.get(b.created_by) if b.created_by else None
    return await render(
        request,
        staff,
        "staff/broadcast.html",
        b=b,
        audience_label=await describe_audience(svc.fairs, staff.lang, b.audience),
        sender=sender,
        state=await _state(request, staff.lang, b),
        done=request.query_params.get("xong"),
        problem=None,
    )


@staff_page(Permission.BROADCAST)
async def progress(request: Request, staff: Staff) -> Response:
    """The progress as JSON, read every two seconds by the page."""
    svc = web_of(request).router.services
    b = await svc.broadcasts.get(request.path_params["id"])
    if b is None:
        return JSONResponse({"status": "gone"}, status_code=404)
    state = await _state(request, staff.lang, b)
    p: Progress = state["progress"]
    return JSONResponse(
        {
            "status": state["status"],
            "percent": state["percent"],
            "text": state["text"],
            "sent": p.sent,
            "total": p.total,
            "reload": state["status"] != "sending",
        }
    )


@staff_page(Permission.BROADCAST)
async def stop(request: Request, staff: Staff) -> Response:
    """Withdraws the messages that have not gone yet."""
    router = web_of(request).router
    svc = router.services
    b = await svc.broadcasts.get(request.path_params["id"])
    if b is None or b.status != "sending":
        return back(HERE)
    async with Acting(router, staff) as acting:
        withdrawn = await svc.broadcasts.stop(b.id)
        await svc.audit.record(
            acting, "broadcast.stop", None, {"withdrawn": withdrawn}, target=f"broadcast:{b.id}"
        )
    return back(f"{HERE}/{b.id}", "stopped")


def routes() -> list[BaseRoute]:
    """The announcements tool."""
    return [
        Route(HERE, compose, methods=["GET"]),
        Route(HERE + "/xem-truoc", preview, methods=["POST"]),
        Route(HERE + "/gui", send, methods=["POST"]),
        Route(HERE + "/{id:int}", show, methods=["GET"]),
        Route(HERE + "/{id:int}/tien-do", progress, methods=["GET"]),
        Route(HERE + "/{id:int}/dung", stop, methods=["POST"]),
    ]
