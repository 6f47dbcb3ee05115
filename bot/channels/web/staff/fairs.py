"""/quan-tri/hoi-cho: the calendar for staff. Create, edit (and so move), clone last year's,
cancel and reinstate a fair (admins); the booth table of a fair with its applicants, approvals,
booth numbers, waiting list and check-ins, where moderators approve or reject applications."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.channels.web.auth import Staff, staff_page
from bot.channels.web.pages import web_of
from bot.channels.web.staff import Acting, back, render
from bot.core.clock import utcnow
from bot.core.i18n import Lang
from bot.domain.fair_input import parse_coordinates, parse_numbers
from bot.domain.phones import format_phone
from bot.domain.sectors import SECTORS, sector_name
from bot.services import booth_decisions as decisions
from bot.services import fair_admin
from bot.services.checkin import GRACE
from bot.services.fair_view import STATUS_NAMES, fair_dates, sectors_text
from bot.services.permissions import Permission
from storage.booths import LIVE, BoothApplication, BoothNumbersTaken, BoothStatus
from storage.fairs import Fair, FairFields, FairStatus

__all__ = ["routes"]

HERE: Final = "/quan-tri/hoi-cho"
PAGE: Final = 25
TITLE_MAX, TEXT_MAX, BOOTHS_MAX = 200, 2000, 5000
_ALL: Final = tuple(BoothStatus)


@dataclass
class _Listed:
    fair: Fair
    title: str
    dates: str
    held: int
    waiting: int = 0
    approved: int = 0
    waitlisted: int = 0
    over: bool = False


async def _listed(request: Request, lang: Lang, fairs: list[Fair]) -> list[_Listed]:
    svc = web_of(request).router.services
    held = await svc.booths.taken(f.id for f in fairs)
    tally = await svc.booths.tally(f.id for f in fairs)
    now = utcnow()
    return [
        _Listed(
            fair=f,
            title=f.title(lang.code),
            dates=fair_dates(lang, f),
            held=held[f.id],
            waiting=tally[f.id].get(BoothStatus.ALLOCATED, 0),
            approved=tally[f.id].get(BoothStatus.APPROVED, 0),
            waitlisted=tally[f.id].get(BoothStatus.WAITLISTED, 0),
            over=f.ends_at <= now,
        )
        for f in fairs
    ]


@staff_page(Permission.BOOTHS)
async def list_page(request: Request, staff: Staff) -> Response:
    """The upcoming fairs, soonest first (or the past ones, latest first), with their booths,
    a page at a time."""
    svc = web_of(request).router.services
    raw = request.query_params.get("page", "1")
    page = max(1, int(raw)) if raw.isdigit() else 1
    past = request.query_params.get("xem") == "qua"
    fetch = svc.fairs.past if past else svc.fairs.upcoming
    fairs, total = await fetch((page - 1) * PAGE, PAGE)
    return await render(
        request,
        staff,
        "staff/fairs.html",
        fairs=await _listed(request, staff.lang, fairs),
        past=past,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE)),
        done=_done(staff.lang, request.query_params.get("xong")),
    )


def _done(lang: Lang, code: str | None) -> str | None:
    """What the last action did, from `?xong=WHAT:N`."""
    if not code:
        return None
    what, _sep, raw = code.partition(":")
    n = int(raw) if raw.isdigit() else 0
    told = lang.ngettext(
        "{n} applicant or follower is being told.",
        "{n} applicants and followers are being told.",
        n,
    ).format(n=lang.number(n))
    _ = lang.gettext
    said = {
        "created": _("Published."),
        "saved": _("Saved."),
        "same": _("Nothing was changed."),
        "cancelled": _("Cancelled."),
        "reinstated": _("Reinstated."),
        "approved": _("Approved; the applicant is being told, with the check-in QR code."),
        "rejected": _("Rejected; the applicant is being told the reason."),
        "checkedin": _("Checked in."),
        "already": _("This booth had already been checked in."),
    }.get(what)
    if said is None:
        return None
    return f"{said} {told}" if n and what not in ("approved", "rejected") else said


# -- the form ---------------------------------------------------------------------------------


@dataclass
class _Form:
    """What the fair form shows: the values as typed, and what is wrong with them."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)


def _values_of(fields: FairFields | Fair, lang: Lang) -> dict[str, Any]:
    tz = lang.tz
    return {
        "title_vi": fields.title_vi,
        "title_en": fields.title_en,
        "sectors": list(fields.sectors),
        "starts_at": fields.starts_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": fields.ends_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        "venue_name": fields.venue_name,
        "venue_address": fields.venue_address,
        "coordinates": f"{fields.venue_latitude}, {fields.venue_longitude}",
        "booths": str(fields.booths),
        "apply_by": fields.apply_by.isoformat(),
        "max_booths": str(fields.max_booths),
        "description_vi": fields.description_vi,
        "description_en": fields.description_en,
    }


def _blank() -> dict[str, Any]:
    return {
        "title_vi": "",
        "title_en": "",
        "sectors": [],
        "starts_at": "",
        "ends_at": "",
        "venue_name": "",
        "venue_address": "",
        "coordinates": "",
        "booths": "",
        "apply_by": "",
        "max_booths": "2",
        "description_vi": "",
        "description_en": "",
    }


def _read(staff: Staff) -> tuple[_Form, FairFields | None]:
    """The form's fields checked one by one; the fair when all are right."""
    _ = staff.lang.gettext
    tz = staff.lang.tz
    values: dict[str, Any] = {k: staff.field(k) for k in _blank() if k != "sectors"}
    values["sectors"] = [s for s in staff.fields("sectors") if s in SECTORS]
    form = _Form(values)
    err = form.errors

    def moment(name: str) -> datetime | None:
        try:
            return datetime.fromisoformat(values[name]).replace(tzinfo=tz)
        except ValueError:
            err[name] = _("Give a date and a time.")
            return None

    def number(name: str, low: int, high: int) -> int | None:
        raw = values[name]
        if not raw.isdigit() or not low <= int(raw) <= high:
            err[name] = _("A whole number from {low} to {high}.").format(low=low, high=high)
            return None
        return int(raw)

    for name in ("title_vi", "venue_name", "venue_address"):
        if not values[name]:
            err[name] = _("This is still missing.")
        elif len(values[name]) > TITLE_MAX:
            err[name] = _("At most {n} characters.").format(n=TITLE_MAX)
    for name in ("description_vi", "description_en"):
        if len(values[name]) > TEXT_MAX:
            err[name] = _("At most {n} characters.").format(n=TEXT_MAX)
    if not values["sectors"]:
        err["sectors"] = _("Choose at least one craft.")
    starts, ends = moment("starts_at"), moment("ends_at")
    if starts and ends and ends <= starts:
        err["ends_at"] = _("The fair must close after it opens.")
    try:
        apply_by: date | None = date.fromisoformat(values["apply_by"])
    except ValueError:
        apply_by = None
        err["apply_by"] = _("Give a date.")
    if apply_by and starts and apply_by > starts.date():
        err["apply_by"] = _("Applications must close before the fair opens.")
    coordinates = parse_coordinates(values["coordinates"])
    if coordinates is None:
        err["coordinates"] = _(
            "Latitude and longitude, like 20.977, 105.915, or a map link that holds them."
        )
    booths = number("booths", 1, BOOTHS_MAX)
    most = number("max_booths", 1, 20)
    if err or not (starts and ends and apply_by and coordinates and booths and most):
        return form, None
    fields = FairFields(
        key="new",
        title_vi=values["title_vi"],
        title_en=values["title_en"],
        sectors=values["sectors"],
        starts_at=starts,
        ends_at=ends,
        venue_name=values["venue_name"],
        venue_address=values["venue_address"],
        venue_latitude=coordinates[0],
        venue_longitude=coordinates[1],
        booths=booths,
        apply_by=apply_by,
        max_booths=most,
        description_vi=values["description_vi"],
        description_en=values["description_en"],
    )
    return form, fields


async def _show_form(
    request: Request, staff: Staff, form: _Form, fair: Fair | None, status: int = 200
) -> Response:
    _ = staff.lang.gettext
    crafts = sorted(((k, sector_name(k, _)) for k in SECTORS), key=lambda kv: kv[1])
    return await render(
        request,
        staff,
        "staff/fair_form.html",
        status_code=status,
        form=form,
        fair=fair,
        crafts=crafts,
        action=f"{HERE}/{fair.id}/sua" if fair else f"{HERE}/moi",
    )


@staff_page(Permission.FAIRS)
async def new_form(request: Request, staff: Staff) -> Response:
    """A blank fair, or last year's (`?tu=ID`) a year on."""
    svc = web_of(request).router.services
    source = request.query_params.get("tu", "")
    fair = await svc.fairs.get(int(source)) if source.isdigit() else None
    if fair is None:
        return await _show_form(request, staff, _Form(_blank()), None)
    draft = fair_admin.next_year(fair, svc.settings.timezone)
    return await _show_form(request, staff, _Form(_values_of(draft, staff.lang)), None)


@staff_page(Permission.FAIRS)
async def create(request: Request, staff: Staff) -> Response:
    """Publishes the fair if every field is right; else the form again, saying what is not."""
    router = web_of(request).router
    form, fields = _read(staff)
    if fields is None:
        return await _show_form(request, staff, form, None, status=400)
    async with Acting(router, staff) as acting:
        fair, report = await fair_admin.publish(router.services, acting, fields, None)
    return back(f"{HERE}/{fair.id}", f"created:{report.messages}")


@staff_page(Permission.FAIRS)
async def edit_form(request: Request, staff: Staff) -> Response:
    """The fair's details to change (its dates too: applicants are told of a move)."""
    fair = await _fair(request)
    if fair is None:
        return await render(request, staff, "staff/gone.html", status_code=404)
    if fair.ends_at <= utcnow():
        return back(f"{HERE}/{fair.id}", loi="over")
    return await _show_form(request, staff, _Form(_values_of(fair, staff.lang)), fair)


@staff_page(Permission.FAIRS)
async def save(request: Request, staff: Staff) -> Response:
    """Saves the changes; a move tells the applicants and followers, reminders follow."""
    router = web_of(request).router
    fair = await _fair(request)
    if fair is None:
        return await render(request, staff, "staff/gone.html", status_code=404)
    if fair.ends_at <= utcnow():
        return back(f"{HERE}/{fair.id}", loi="over")
    form, fields = _read(staff)
    if fields is None:
        return await _show_form(request, staff, form, fair, status=400)
    async with Acting(router, staff) as acting:
        after, report = await fair_admin.publish(router.services, acting, fields, fair)
    what = "same" if report.unchanged else "saved"
    return back(f"{HERE}/{after.id}", f"{what}:{report.messages}")


@staff_page(Permission.FAIRS)
async def change_status(request: Request, staff: Staff) -> Response:
    """Cancel the fair, or reinstate a cancelled one that has not ended."""
    router = web_of(request).router
    fair = await _fair(request)
    if fair is None:
        return await render(request, staff, "staff/gone.html", status_code=404)
    wanted = staff.field("status")
    here = f"{HERE}/{fair.id}"
    if wanted == "cancelled" and not fair.cancelled:
        status, what = FairStatus.CANCELLED, "cancelled"
    elif wanted == "scheduled" and fair.cancelled and fair.ends_at > utcnow():
        status, what = FairStatus.SCHEDULED, "reinstated"
    else:
        return back(here)
    async with Acting(router, staff) as acting:
        _after, report = await fair_admin.set_status(router.services, acting, fair, status)
    return back(here, f"{what}:{report.messages}")


async def _fair(request: Request) -> Fair | None:
    return await web_of(request).router.services.fairs.get(request.path_params["id"])


# -- one fair and its booths ------------------------------------------------------------------


@dataclass
class _Booth:
    app: BoothApplication
    name: str
    reference: str
    enterprise_id: int
    contact: str
    phone: str
    status: str
    position: int = 0
    suggested: str = ""


@staff_page(Permission.BOOTHS)
async def fair_page(request: Request, staff: Staff) -> Response:
    """The fair and its booth table: every application, in arrival order."""
    svc = web_of(request).router.services
    lang = staff.lang
    _ = lang.gettext
    fair = await _fair(request)
    if fair is None:
        return await render(request, staff, "staff/gone.html", status_code=404)
    apps = await svc.booths.for_fair(fair.id, _ALL)
    rows: list[_Booth] = []
    line = 0
    proposed: set[str] = set()  # each waiting application is offered other numbers
    for app in apps:
        e = await svc.enterprises.get(app.enterprise_id)
        if app.status is BoothStatus.WAITLISTED:
            line += 1
        suggested = ""
        if app.status is BoothStatus.ALLOCATED:
            numbers = await decisions.suggest(svc, fair, app.booths, proposed)
            proposed.update(numbers)
            suggested = ", ".join(numbers)
        rows.append(
            _Booth(
                app=app,
                name=e.name if e else "?",
                reference=e.reference if e else "",
                enterprise_id=e.id if e else 0,
                contact=e.contact_name if e else "",
                phone=format_phone(e.phone) if e else "",
                status=_(STATUS_NAMES[app.status]),
                position=line if app.status is BoothStatus.WAITLISTED else 0,
                suggested=suggested,
            )
        )
    held = (await svc.booths.taken([fair.id]))[fair.id]
    live = [r for r in rows if r.app.status in LIVE]
    audience = len({r.app.account_id for r in live} | set(await svc.fairs.followers(fair.id)))
    return await render(
        request,
        staff,
        "staff/fair.html",
        fair=fair,
        title=fair.title(lang.code),
        dates=fair_dates(lang, fair),
        sectors=sectors_text(lang, fair),
        held=held,
        rows=rows,
        counts={s: sum(1 for r in rows if r.app.status is s) for s in BoothStatus},
        checked_in=sum(1 for r in rows if r.app.checked_in_at),
        over=fair.ends_at <= utcnow(),
        gate_open=_gate_open(fair),
        audience=audience,
        done=_done(lang, request.query_params.get("xong")),
        problem=_problem(lang, request.query_params.get("loi"), request.query_params.get("so")),
    )


def _gate_open(fair: Fair) -> bool:
    """Whether booths can be checked in now: as at the gate, from the day before the fair
    opens to the day after it closes, unless it is cancelled."""
    now = utcnow()
    return not fair.cancelled and fair.starts_at - GRACE <= now <= fair.ends_at + GRACE


@staff_page(Permission.BOOTHS)
async def check_in(request: Request, staff: Staff) -> Response:
    """Checks an approved booth in at the desk, as scanning its QR code at the gate does
    (for a producer whose phone is flat, or who never got the code)."""
    router = web_of(request).router
    svc = router.services
    fair = await _fair(request)
    raw = staff.field("app")
    app = await svc.booths.get(int(raw)) if raw.isdigit() else None
    if fair is None or app is None or app.fair_id != fair.id:
        return back(HERE)
    here = f"{HERE}/{fair.id}"
    if not _gate_open(fair):
        return back(here, loi="gate")
    if app.status is not BoothStatus.APPROVED:
        return back(here, loi="gone")
    async with Acting(router, staff) as acting:
        earlier = await svc.booths.check_in(app.id)
        if earlier is None:
            await svc.audit.record(
                acting, "booth.check_in", None, {"booth_numbers": app.booth_numbers},
                target=f"booth:{app.id}",
            )  # fmt: skip
    return back(here, "checkedin:0" if earlier is None else "already:0")


def _problem(lang: Lang, code: str | None, numbers: str | None) -> str | None:
    """Why the last decision did nothing, from `?loi=…`."""
    _ = lang.gettext
    return {
        "numbers": _("Give as many different booth numbers as booths asked for."),
        "taken": _("Booth {numbers} is already given to another establishment.").format(
            numbers=numbers or "?"
        ),
        "reason": _("Please give a reason of {low} to {high} characters.").format(
            low=decisions.REASON_MIN, high=decisions.REASON_MAX
        ),
        "gone": _("This application no longer waits for a decision."),
        "over": _(
            "This fair is over: it can no longer be edited or moved. Copy it for next year instead."
        ),
        "gate": _("Booths can be checked in from the day before the fair to the day after."),
    }.get(code or "")


@staff_page(Permission.BOOTHS)
async def decide(request: Request, staff: Staff) -> Response:
    """Approve an application with booth numbers, or reject it with a reason."""
    router = web_of(request).router
    svc = router.services
    fair = await _fair(request)
    raw = staff.field("app")
    app = await svc.booths.get(int(raw)) if raw.isdigit() else None
    if fair is None or app is None or app.fair_id != fair.id:
        return back(HERE)
    here = f"{HERE}/{fair.id}"
    if staff.field("action") == "approve":
        numbers = parse_numbers(staff.field("numbers")) or []
        if len(numbers) != app.booths or len(set(numbers)) != len(numbers):
            return back(here, loi="numbers")
        try:
            async with Acting(router, staff) as acting:
                done = await decisions.approve(svc, acting, app, fair, numbers)
        except BoothNumbersTaken as exc:
            return back(here, loi="taken", so=", ".join(exc.numbers))
        return back(here, "approved:0" if done else None, loi=None if done else "gone")
    reason = " ".join(staff.field("reason").split())
    if not decisions.REASON_MIN <= len(reason) <= decisions.REASON_MAX:
        return back(here, loi="reason")
    async with Acting(router, staff) as acting:
        done = await decisions.reject(svc, acting, app, fair, reason)
    return back(here, "rejected:0" if done else None, loi=None if done else "gone")


def routes() -> list[BaseRoute]:
    """The calendar and booth tools."""
    return [
        Route(HERE, list_page, methods=["GET"]),
        Route(HERE + "/moi", new_form, methods=["GET"]),
        Route(HERE + "/moi", create, methods=["POST"]),
        Route(HERE + "/{id:int}", fair_page, methods=["GET"]),
        Route(HERE + "/{id:int}/sua", edit_form, methods=["GET"]),
        Route(HERE + "/{id:int}/sua", save, methods=["POST"]),
        Route(HERE + "/{id:int}/trang-thai", change_status, methods=["POST"]),
        Route(HERE + "/{id:int}/gian-hang", decide, methods=["POST"]),
        Route(HERE + "/{id:int}/check-in", check_in, methods=["POST"]),
    ]
