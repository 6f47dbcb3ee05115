"""/quan-tri/nhap: producers imported from the Department's Excel lists. The file is checked
row by row and shown; only a list without a single error can be imported, all of it at once;
each producer gets an invitation link to claim their registration in the chat."""

from __future__ import annotations

import csv
import io
import json
from typing import Final
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.channels.web.auth import Staff, staff_page
from bot.channels.web.pages import web_of
from bot.channels.web.staff import Acting, render
from bot.domain.enterprise_terms import FIELD_LABELS, field_value
from bot.domain.phones import format_phone
from bot.services import producer_import as importing
from bot.services.permissions import Permission

__all__ = ["routes"]

HERE: Final = "/quan-tri/nhap"
MAX_BYTES: Final = 5 * 1024 * 1024
_SHOWN: Final = ("name", "kind", "sectors", "place", "contact_name", "phone", "tax_code")


@staff_page(Permission.IMPORT)
async def start(request: Request, staff: Staff) -> Response:
    """The upload form and what the list should look like."""
    return await render(request, staff, "staff/import.html", columns=importing.COLUMNS)


@staff_page(Permission.IMPORT)
async def check(request: Request, staff: Staff) -> Response:
    """Reads the uploaded list and shows every row, with what is wrong in each."""
    _ = staff.lang.gettext
    upload = staff.form.get("file") if staff.form is not None else None
    problem = None
    rows: list[tuple[int, dict[str, str]]] = []
    if not isinstance(upload, UploadFile) or not upload.filename:
        problem = _("Choose the .xlsx or .csv file of the list.")
    else:
        content = await upload.read(MAX_BYTES + 1)
        if len(content) > MAX_BYTES:
            problem = _("The file is larger than 5 MB.")
        else:
            try:
                rows = importing.read_table(content, upload.filename, staff.lang)
            except importing.ImportError_ as exc:
                problem = str(exc)
    if problem is not None:
        return await render(
            request,
            staff,
            "staff/import.html",
            status_code=400,
            columns=importing.COLUMNS,
            problem=problem,
        )
    return await _preview(request, staff, rows)


async def _preview(
    request: Request, staff: Staff, rows: list[tuple[int, dict[str, str]]]
) -> Response:
    svc = web_of(request).router.services
    _ = staff.lang.gettext
    checked = await importing.check_rows(svc, rows, staff.lang)
    shown = []
    for row in checked:
        cells = (
            [field_value(f, row.fields, _) for f in _SHOWN]
            if row.fields is not None
            else [
                row.values.get(k, "")
                for k in ("name", "kind", "sectors", "ward", "contact_name", "phone", "tax_code")
            ]
        )
        shown.append((row, cells))
    bad = sum(1 for r in checked if r.errors)
    return await render(
        request,
        staff,
        "staff/import_preview.html",
        status_code=200 if not bad else 422,
        rows=shown,
        headers=[_(FIELD_LABELS[f]) for f in _SHOWN],
        bad=bad,
        payload=json.dumps([[n, v] for n, v in rows], ensure_ascii=False),
    )


@staff_page(Permission.IMPORT)
async def commit(request: Request, staff: Staff) -> Response:
    """Imports every producer of a list checked again now; nothing if any row is wrong."""
    router = web_of(request).router
    svc = router.services
    try:
        raw = json.loads(staff.field("rows"))
        rows = [(int(n), {str(k): str(v) for k, v in values.items()}) for n, values in raw]
    except (ValueError, TypeError, AttributeError):
        return await render(
            request, staff, "staff/import.html", status_code=400, columns=importing.COLUMNS
        )
    checked = await importing.check_rows(svc, rows, staff.lang)
    if any(r.errors for r in checked) or not checked:
        return await _preview(request, staff, rows)  # something changed since: shown again
    made = [(importing.invitation_code(), r.fields) for r in checked if r.fields is not None]
    async with Acting(router, staff) as acting:
        await svc.invitations.add_many(made, staff.user.id)
        await svc.audit.record(
            acting,
            "producers.import",
            None,
            {"rows": len(made), "codes": [code for code, _f in made]},
            target=f"invitations:{len(made)}",
        )
    invited = []
    out = io.StringIO()
    writer = csv.writer(out)
    _ = staff.lang.gettext
    writer.writerow([_("Establishment name"), _("Phone"), "Telegram", "Zalo", _("Code")])
    for code, fields in made:
        telegram, zalo = importing.invite_links(svc.settings, code)
        phone = format_phone(fields.phone) if fields.phone else ""
        invited.append((fields, phone, telegram, zalo))
        writer.writerow([fields.name, phone, telegram, zalo, code])
    return await render(
        request,
        staff,
        "staff/import_done.html",
        invited=invited,
        csv_href="data:text/csv;charset=utf-8," + quote("\ufeff" + out.getvalue()),
    )


def routes() -> list[BaseRoute]:
    """The import tool."""
    return [
        Route(HERE, start, methods=["GET"]),
        Route(HERE + "/kiem-tra", check, methods=["POST"]),
        Route(HERE + "/nhap", commit, methods=["POST"]),
    ]
