"""Exports of registrations and booth applications, filtered, for the chat and the CLI."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Final, Literal

from pydantic import BaseModel

from bot.core.clock import utcnow
from bot.core.i18n import N_, Lang
from bot.core.types import Document
from bot.services.base import Services
from bot.services.export_tables import (
    Table,
    booth_table,
    enterprise_table,
    link_table,
    to_csv,
    to_xlsx,
)
from bot.services.link_figures import link_lines
from storage.booths import BoothStatus
from storage.enterprises import EnterpriseStatus

__all__ = [
    "PURPOSES",
    "Export",
    "ExportFilter",
    "Format",
    "What",
    "make_export",
    "statuses_of",
]

Format = Literal["xlsx", "csv"]
_MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


# Why staff take personal data out of the bot: chosen before each export in the chat and
# recorded with it in the audit log (the command line takes --purpose).
PURPOSES: Final = {
    "fair": N_("Organising a fair"),
    "review": N_("Reviewing registrations"),
    "report": N_("Figures and reports"),
    "contact": N_("Contacting the establishments"),
    "other": N_("Other work of the Department"),
}


class What(StrEnum):
    """What is exported."""

    ENTERPRISES = "enterprises"
    BOOTHS = "booths"
    LINKS = "links"  # requests to connect between members, counted (no personal data)


def statuses_of(what: What) -> list[str]:
    """The statuses a filter may name for `what`."""
    if what is What.ENTERPRISES:
        return [s.value for s in EnterpriseStatus]
    if what is What.LINKS:
        return []
    return [s.value for s in BoothStatus]


class ExportFilter(BaseModel):
    """Which rows: every filter given must hold (none given: every row)."""

    what: What
    status: str | None = None
    sector: str | None = None
    ward: str | None = None  # a ward code
    fair: int | None = None  # a fair id


class Export(BaseModel):
    """The file and how many rows it holds."""

    document: Document
    rows: int


async def _table(svc: Services, flt: ExportFilter, lang: Lang, personal: bool) -> Table:
    sectors = [flt.sector] if flt.sector else []
    wards = [flt.ward] if flt.ward else []
    if flt.what is What.LINKS:
        return link_table(link_lines(await svc.chain.link_rows(), svc.settings.tz), lang)
    if flt.what is What.BOOTHS:
        rows = await svc.reports.booth_rows(
            fair_ids=[flt.fair] if flt.fair else [],
            statuses=[flt.status] if flt.status else [],
            sectors=sectors,
            ward_codes=wards,
        )
        return booth_table(rows, lang, personal=personal)
    items = await svc.enterprises.find(
        statuses=[EnterpriseStatus(flt.status)] if flt.status else [],
        sectors=sectors,
        ward_codes=wards,
    )
    if flt.fair:
        at_fair = await svc.reports.enterprises_at([flt.fair])
        items = [e for e in items if e.id in at_fair]
    return enterprise_table(items, lang, personal=personal)


async def make_export(
    svc: Services, flt: ExportFilter, lang: Lang, fmt: Format, *, personal: bool
) -> Export:
    """The filtered rows as a file named for what it holds and today's date."""
    table = await _table(svc, flt, lang, personal)
    vi = lang.code == "vi"
    if flt.what is What.LINKS:
        base = "ket-noi" if vi else "links"
        sheet = lang.gettext("Links between members")
    elif flt.what is What.BOOTHS:
        base = "don-gian-hang" if vi else "booth-applications"
        sheet = lang.gettext("Booth applications")
    else:
        base = "co-so-dang-ky" if vi else "registrations"
        sheet = lang.gettext("Registrations")
    if flt.fair:
        fair = await svc.fairs.get(flt.fair)
        base += f"-{fair.key}" if fair else ""
    today = lang.local(utcnow()).date().isoformat()
    # Writing a big workbook takes a while: off the event loop, so the channels keep going.
    if fmt == "xlsx":
        content = await asyncio.to_thread(to_xlsx, table, sheet)
    else:
        content = to_csv(table)
    document = Document(filename=f"{base}-{today}.{fmt}", content=content, mime_type=_MIME[fmt])
    return Export(document=document, rows=len(table.rows))
