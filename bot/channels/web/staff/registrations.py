"""/quan-tri/dang-ky: registrations filtered (status, craft, ward, fair, tag), searched without
diacritics, a page at a time; approve, reject with one reason, ask for a correction and tag
several at once, through the same services as the chat's review; one record with its history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.channels.web.auth import Staff, staff_page
from bot.channels.web.pages import web_of
from bot.channels.web.staff import Acting, back, render
from bot.core.i18n import Lang
from bot.domain.enterprise_terms import (
    FIELD_LABELS,
    KIND_NAMES,
    STATUS_NAMES,
    field_value,
    place_label,
    term,
    ward_label,
)
from bot.domain.phones import OldMobile, Phone, format_phone, parse_phone
from bot.domain.places import get_ward, match_ward, wards
from bot.domain.search_terms import search_words
from bot.domain.sectors import SECTORS, sector_name
from bot.domain.taxcode import TaxCode, parse_tax_code
from bot.services import reviews
from bot.services.fair_view import STATUS_NAMES as BOOTH_STATUS
from bot.services.permissions import Permission
from bot.services.staff_terms import ACTION_NAMES, changes
from storage.enterprises import Enterprise, EnterpriseFields, EnterpriseStatus
from storage.registrations import RegistrationFilter, clean_tag

__all__ = ["routes"]

PAGE: Final = 50
ALL_MOST: Final = 5000  # "all that match" acts on at most this many at once
HERE: Final = "/quan-tri/dang-ky"
_ACTIONS: Final = ("approve", "reject", "correct", "tag", "untag")


def _filter(request: Request) -> tuple[RegistrationFilter, dict[str, str]]:
    """The filter the query asks for, and the query values as given (for the form)."""
    return _filter_of(request.query_params)


def _filter_of(q: Mapping[str, str]) -> tuple[RegistrationFilter, dict[str, str]]:
    """The filter of a list page's query values."""
    given = {k: q.get(k, "").strip() for k in ("status", "craft", "ward", "fair", "tag", "q")}
    status = given["status"] if given["status"] in {s.value for s in EnterpriseStatus} else None
    ward = given["ward"]
    if ward and get_ward(ward) is None:
        found = match_ward(ward)
        ward = found[0].ward.code if found and found[0].score >= 90 else ""
    flt = RegistrationFilter(
        status=EnterpriseStatus(status) if status else None,
        sector=given["craft"] if given["craft"] in SECTORS else None,
        ward=ward or None,
        fair=int(given["fair"]) if given["fair"].isdigit() else None,
        tag=given["tag"] or None,
        words=search_words(given["q"][:100]),
    )
    return flt, given


@dataclass
class _Row:
    e: Enterprise
    kind: str
    place: str
    crafts: str
    phone: str
    sent: str
    status: str
    tags: list[str]


def _row(lang: Lang, e: Enterprise, tags: list[str]) -> _Row:
    _ = lang.gettext
    return _Row(
        e=e,
        kind=term(KIND_NAMES, e.kind, _),
        place=place_label(e.ward_code, e.province, _) or "—",
        crafts=", ".join(sector_name(k, _) for k in e.sectors),
        phone=format_phone(e.phone),
        sent=lang.short_datetime(e.submitted_at),
        status=term(STATUS_NAMES, e.status.value, _),
        tags=tags,
    )


def _flash(lang: Lang, code: str | None) -> str | None:
    """What the last action did, from `?xong=ACTION:DONE:SKIPPED`."""
    if not code:
        return None
    action, _sep, rest = code.partition(":")
    done_raw, _sep, skipped_raw = rest.partition(":")
    done = int(done_raw) if done_raw.isdigit() else 0
    skipped = int(skipped_raw) if skipped_raw.isdigit() else 0
    _ = lang.gettext
    text = {
        "approve": lang.ngettext(
            "Approved {n} registration; the applicant is being told.",
            "Approved {n} registrations; each applicant is being told.",
            done,
        ),
        "reject": lang.ngettext(
            "Rejected {n} registration; the applicant is being told the reason.",
            "Rejected {n} registrations; each applicant is being told the reason.",
            done,
        ),
        "correct": lang.ngettext(
            "Asked {n} applicant for a correction.",
            "Asked {n} applicants for a correction.",
            done,
        ),
        "tag": lang.ngettext("Tagged {n} registration.", "Tagged {n} registrations.", done),
        "untag": lang.ngettext(
            "Took the tag off {n} registration.", "Took the tag off {n} registrations.", done
        ),
        "edited": lang.ngettext(
            "Saved {n} change; the producer is being told what now reads differently.",
            "Saved {n} changes; the producer is being told what now reads differently.",
            done,
        )
        if done
        else _("Nothing was changed."),
    }.get(action)
    if text is None:
        return None
    text = text.format(n=lang.number(done))
    if skipped:
        text += " " + _("{n} had already been reviewed and were left as they were.").format(
            n=lang.number(skipped)
        )
    return text


def _problem(lang: Lang, code: str | None) -> str | None:
    """Why the last form did nothing, from `?loi=…`."""
    _ = lang.gettext
    return {
        "none": _("Tick at least one registration first."),
        "reason": _("Please give the reason (at most {limit} characters).").format(
            limit=reviews.REASON_MAX
        ),
        "note": _("Please write {low} to {high} characters.").format(
            low=reviews.NOTE_MIN, high=reviews.NOTE_MAX
        ),
        "tag": _("Please type the tag."),
        "changed": _(
            "The number of registrations that match changed while you were looking; nothing was"
            " done. Check the list and try again."
        ),
        "many": _(
            "At most {n} registrations at once: narrow the filters, or act on them in parts."
        ).format(n=lang.number(ALL_MOST)),
    }.get(code or "")


async def _fairs(request: Request, lang: Lang) -> list[tuple[int, str]]:
    """Fairs to filter by: the upcoming ones and the latest past ones."""
    svc = web_of(request).router.services
    upcoming, _ = await svc.fairs.upcoming(0, 30)
    past, _ = await svc.fairs.past(0, 20)
    return [(f.id, f.title(lang.code)) for f in [*upcoming, *past]]


_CHOICES: dict[str, dict[str, Any]] = {}


def _choices(lang: Lang) -> dict[str, Any]:
    """The statuses, crafts and wards to filter by, named in `lang` (made once per language)."""
    if lang.code not in _CHOICES:
        _ = lang.gettext
        _CHOICES[lang.code] = {
            "statuses": [(s.value, term(STATUS_NAMES, s.value, _)) for s in EnterpriseStatus],
            "crafts": sorted(((k, sector_name(k, _)) for k in SECTORS), key=lambda kv: kv[1]),
            "ward_options": sorted(
                ((w.code, ward_label(w.code, _)) for w in wards()), key=lambda kv: kv[1]
            ),
        }
    return _CHOICES[lang.code]


@staff_page(Permission.REVIEW)
async def list_page(request: Request, staff: Staff) -> Response:
    """The registrations the filters let through, a page at a time."""
    svc = web_of(request).router.services
    lang = staff.lang
    flt, given = _filter(request)
    raw_page = request.query_params.get("page", "1")
    page = max(1, int(raw_page)) if raw_page.isdigit() else 1
    found, total = await svc.registrations.page(flt, (page - 1) * PAGE, PAGE)
    tags = await svc.registrations.tags_of(e.id for e in found)
    rows = [_row(lang, e, tags[e.id]) for e in found]
    pages = max(1, -(-total // PAGE))
    query = {k: v for k, v in given.items() if v}
    _ = lang.gettext
    return await render(
        request,
        staff,
        "staff/registrations.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        given=given,
        query=urlencode(query),
        page_link=lambda n: HERE + "?" + urlencode({**query, "page": n}),
        **_choices(lang),
        ward_code=flt.ward or "",
        fairs=await _fairs(request, lang),
        all_tags=await svc.registrations.tags(),
        done=_flash(lang, request.query_params.get("xong")),
        problem=_problem(lang, request.query_params.get("loi")),
        here=HERE + ("?" + urlencode(query) if query else ""),
        all_most=ALL_MOST,
    )


def _back_to(raw: str) -> str:
    """Where to go after an action: a page of this tool, never elsewhere."""
    return raw if raw.startswith(HERE) and "//" not in raw else HERE


@staff_page(Permission.REVIEW)
async def act(request: Request, staff: Staff) -> Response:
    """Approve, reject (one reason), ask for a correction, tag or untag the ticked ones."""
    router = web_of(request).router
    svc = router.services
    target = _back_to(staff.field("back"))
    action = staff.field("action")
    ids = sorted({int(i) for i in staff.fields("ids") if i.isdigit()})
    if action not in _ACTIONS:
        return back(target)
    if staff.field("scope") == "all":
        # every registration the list's filters let through, not only the ticked ones: the
        # count the officer confirmed must still be the count now
        flt, _given = _filter_of(dict(parse_qsl(urlsplit(target).query)))
        expected = staff.field("expected")
        if not expected.isdigit() or int(expected) > ALL_MOST:
            return back(target, loi="many")
        ids = await svc.registrations.ids(flt, limit=ALL_MOST + 1)
        if len(ids) != int(expected):
            return back(target, loi="changed")
    if not ids:
        return back(target, loi="none")
    text = " ".join(staff.field("text").split()) if action != "reject" else staff.field("text")
    if action == "reject" and not 0 < len(text) <= reviews.REASON_MAX:
        return back(target, loi="reason")
    if action == "correct" and not reviews.NOTE_MIN <= len(text) <= reviews.NOTE_MAX:
        return back(target, loi="note")
    tag = clean_tag(text) if action in ("tag", "untag") else None
    if action in ("tag", "untag") and tag is None:
        return back(target, loi="tag")
    done = skipped = 0
    async with Acting(router, staff) as acting:
        if action == "tag" and tag is not None:
            done = await svc.registrations.tag(ids, tag, staff.user.id)
            await svc.audit.record(acting, "registration.tag", None, {"tag": tag, "ids": ids})
        elif action == "untag" and tag is not None:
            done = await svc.registrations.untag(ids, tag)
            await svc.audit.record(acting, "registration.untag", None, {"tag": tag, "ids": ids})
        else:
            for i in ids:
                e = await svc.enterprises.get(i)
                if e is None:
                    skipped += 1
                elif action == "correct":
                    await reviews.ask_correction(svc, acting, e, text)
                    done += 1
                elif e.status is not EnterpriseStatus.PENDING:
                    skipped += 1
                elif action == "approve":
                    ok = await reviews.approve(svc, acting, e)
                    done, skipped = (done + 1, skipped) if ok else (done, skipped + 1)
                else:
                    ok = await reviews.reject(svc, acting, e, text)
                    done, skipped = (done + 1, skipped) if ok else (done, skipped + 1)
    return back(target, f"{action}:{done}:{skipped}")


@staff_page(Permission.REVIEW)
async def record(request: Request, staff: Staff) -> Response:
    """One registration in full: its answers, account, applications, tags and history."""
    svc = web_of(request).router.services
    lang = staff.lang
    _ = lang.gettext
    e = await svc.enterprises.get(request.path_params["id"])
    if e is None:
        return await render(request, staff, "staff/gone.html", status_code=404)
    people = await svc.users.identities(e.account_id)
    reviewer = await svc.users.get(e.reviewed_by) if e.reviewed_by else None
    applications = []
    entries = await svc.audit.repo.for_target(f"enterprise:{e.id}")
    about: dict[int, str] = {}  # audit entry id -> the fair its booth application is for
    for app in await svc.booths.for_account(e.account_id):
        fair = await svc.fairs.get(app.fair_id)
        title = fair.title(lang.code) if fair else "—"
        applications.append((app, title, _(BOOTH_STATUS[app.status])))
        for x in await svc.audit.repo.for_target(f"booth:{app.id}"):
            entries.append(x)
            about[x.id] = title
    entries.sort(key=lambda x: x.id)  # the registration's and its booths' history, in order
    names: dict[int, str] = {}
    for x in entries:
        if x.actor_id is not None and x.actor_id not in names:
            who = await svc.users.get(x.actor_id)
            names[x.actor_id] = (who.display_name or str(who.ref)) if who else x.actor
    history: list[dict[str, Any]] = [
        {
            "when": lang.short_datetime(x.at),
            "who": names.get(x.actor_id, x.actor) if x.actor_id is not None else x.actor,
            "what": (_(ACTION_NAMES[x.action]) if x.action in ACTION_NAMES else x.action)
            + (f" · {about[x.id]}" if x.id in about else ""),
            "changes": changes(x.before, x.after)[:8],
            "refused": x.outcome == "refused",
        }
        for x in entries
    ]
    fields = [(_(label), field_value(name, e, _)) for name, label in FIELD_LABELS.items()]
    here = f"{HERE}/{e.id}"
    return await render(
        request,
        staff,
        "staff/registration.html",
        e=e,
        status=term(STATUS_NAMES, e.status.value, _),
        fields=fields,
        people=people,
        reviewer=reviewer,
        applications=applications,
        history=history,
        tags=(await svc.registrations.tags_of([e.id]))[e.id],
        all_tags=await svc.registrations.tags(),
        here=here,
        done=_flash(lang, request.query_params.get("xong")),
        problem=_problem(lang, request.query_params.get("loi")),
    )


# -- correcting a registration ----------------------------------------------------------------

# the lengths the chat's registration allows (handlers/registration/basics.py)
_LONGEST: Final = {"name": 120, "contact_name": 80, "address": 200, "products": 500}
_TEXTS: Final = ("name", "address", "contact_name", "phone", "tax_code", "products", "province")


def _form_values(e: Enterprise) -> dict[str, Any]:
    return {
        "name": e.name,
        "kind": e.kind,
        "sectors": list(e.sectors),
        "ward": e.ward_code or "",
        "province": e.province or "",
        "address": e.address or "",
        "contact_name": e.contact_name,
        "phone": format_phone(e.phone),
        "tax_code": e.tax_code or "",
        "products": e.products or "",
    }


async def _read_form(
    request: Request, staff: Staff, e: Enterprise
) -> tuple[dict[str, Any], dict[str, str], EnterpriseFields | None]:
    """The form's answers checked as the chat checks them: values as typed, what is wrong
    with each, and the answers when all are right."""
    svc = web_of(request).router.services
    _ = staff.lang.gettext
    values: dict[str, Any] = {k: " ".join(staff.field(k).split()) for k in _TEXTS}
    values["kind"] = staff.field("kind")
    values["ward"] = staff.field("ward")
    values["sectors"] = [k for k in staff.fields("sectors") if k in SECTORS]
    errors: dict[str, str] = {}
    for name, longest in _LONGEST.items():
        if len(values[name]) > longest:
            errors[name] = _("At most {n} characters.").format(n=longest)
    for name in ("name", "contact_name"):
        if len(values[name]) < 2:
            errors[name] = _("This is still missing.")
    if values["kind"] not in KIND_NAMES:
        errors["kind"] = _("Choose one.")
    if not values["sectors"]:
        errors["sectors"] = _("Choose at least one craft.")
    ward = values["ward"] if get_ward(values["ward"]) is not None else None
    if ward is None and not values["province"]:
        errors["place"] = _("Choose a ward or commune of Hanoi, or type the province.")
    phone = parse_phone(values["phone"])
    e164 = phone.e164 if isinstance(phone, Phone) else None
    if isinstance(phone, OldMobile):
        errors["phone"] = _("{old} is an old 11-digit mobile number: it is now {new}.").format(
            old=phone.old, new=phone.suggested
        )
    elif e164 is None:
        errors["phone"] = _(
            "A phone number has only digits (spaces, dots and dashes are fine), e.g. 0912 345"
            " 678 or 024 3825 1234."
        )
    elif e164 != e.phone and await svc.enterprises.phone_taken(e164, e.account_id):
        errors["phone"] = _("Another establishment in the network already has this number.")
    tax_code: str | None = None
    if values["tax_code"]:
        parsed = parse_tax_code(values["tax_code"])
        if isinstance(parsed, TaxCode):
            tax_code = parsed.value
            if tax_code != e.tax_code and await svc.enterprises.tax_code_taken(
                tax_code, e.account_id
            ):
                errors["tax_code"] = _(
                    "Another establishment in the network already has this tax code."
                )
        else:
            errors["tax_code"] = _(
                "A tax code has only digits (a dash before a branch number is fine), e.g."
                " 0100109106 or 0100109106-001."
            )
    elif values["kind"] in ("company", "cooperative"):
        errors["tax_code"] = _("A company or cooperative needs its 10-digit tax code (MST).")
    if errors:
        return values, errors, None
    fields = EnterpriseFields.model_validate(
        e.model_dump()
        | {
            "name": values["name"],
            "kind": values["kind"],
            "sectors": values["sectors"],
            "ward_code": ward,
            "province": None if ward else values["province"],
            "address": values["address"] or None,
            "contact_name": values["contact_name"],
            "phone": e164,
            "tax_code": tax_code,
            "products": values["products"] or None,
        }
    )
    return values, errors, fields


async def _show_edit(
    request: Request,
    staff: Staff,
    e: Enterprise,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    _ = staff.lang.gettext
    return await render(
        request,
        staff,
        "staff/registration_form.html",
        status_code=status,
        e=e,
        values=values,
        errors=errors,
        kinds=[(k, _(n)) for k, n in KIND_NAMES.items()],
        **_choices(staff.lang),
    )


@staff_page(Permission.REVIEW)
async def edit_form(request: Request, staff: Staff) -> Response:
    """A registration's answers to correct (what the producer said on the phone, a typo)."""
    svc = web_of(request).router.services
    e = await svc.enterprises.get(request.path_params["id"])
    if e is None:
        return await render(request, staff, "staff/gone.html", status_code=404)
    return await _show_edit(request, staff, e, _form_values(e), {})


@staff_page(Permission.REVIEW)
async def save(request: Request, staff: Staff) -> Response:
    """Saves the corrections; the producer is told what now reads differently, as when staff
    act in the chat, and the audit log keeps before and after."""
    router = web_of(request).router
    svc = router.services
    e = await svc.enterprises.get(request.path_params["id"])
    if e is None:
        return await render(request, staff, "staff/gone.html", status_code=404)
    values, errors, fields = await _read_form(request, staff, e)
    if fields is None:
        return await _show_edit(request, staff, e, values, errors, status=400)
    async with Acting(router, staff) as acting:
        _done, changed = await reviews.edit(svc, acting, e, fields)
    return back(f"{HERE}/{e.id}", f"edited:{len(changed)}:0")


def routes() -> list[BaseRoute]:
    """The registrations tool."""
    return [
        Route(HERE, list_page, methods=["GET"]),
        Route(HERE, act, methods=["POST"]),
        Route(HERE + "/{id:int}", record, methods=["GET"]),
        Route(HERE + "/{id:int}/sua", edit_form, methods=["GET"]),
        Route(HERE + "/{id:int}/sua", save, methods=["POST"]),
    ]
