"""Producers imported from the Department's Excel (or CSV) lists: every row checked as the
registration checks what is typed, errors given per row, nothing kept unless every row is
right; each producer then gets an invitation to claim their registration in the chat."""

from __future__ import annotations

import csv
import io
import re
import secrets
from typing import Final

from pydantic import BaseModel, Field

from bot.core.config import Settings
from bot.core.i18n import Lang
from bot.domain.enterprise_terms import KIND_NAMES
from bot.domain.phones import OldMobile, Phone, parse_phone
from bot.domain.places import match_province, match_ward
from bot.domain.sectors import SECTORS
from bot.domain.taxcode import TaxCode, parse_tax_code
from bot.domain.textnorm import fold
from bot.services.base import Services
from storage.enterprises import EnterpriseFields

__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "ImportError_",
    "RowCheck",
    "check_rows",
    "invitation_code",
    "invite_links",
    "read_table",
]

MAX_ROWS: Final = 5000
NAME_MAX: Final = 200
_CODE_LETTERS: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone

# field -> headers it is known by, folded (Vietnamese with or without diacritics, English)
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "name": ("ten co so", "ten", "co so", "ten doanh nghiep", "name", "establishment"),
    "kind": ("loai hinh", "loai", "kind"),
    "sectors": ("nganh nghe", "nganh hang", "nganh", "crafts", "craft", "sectors"),
    "ward": ("xa phuong", "phuong xa", "dia ban", "xa", "phuong", "ward", "commune"),
    "address": ("dia chi", "address"),
    "contact_name": ("nguoi lien he", "lien he", "chu co so", "contact", "contact person"),
    "phone": ("so dien thoai", "dien thoai", "sdt", "phone"),
    "tax_code": ("ma so thue", "mst", "tax code"),
    "products": ("san pham", "san pham chinh", "products"),
}
_REQUIRED: Final = ("name", "contact_name", "phone", "ward")
_KIND_ALIASES: Final = {
    "ho kinh doanh": "household",
    "ho gia dinh": "household",
    "hkd": "household",
    "hop tac xa": "cooperative",
    "htx": "cooperative",
    "doanh nghiep": "company",
    "cong ty": "company",
    "cty": "company",
    "dn": "company",
    "ca nhan": "individual",
    "nghe nhan": "individual",
}


class ImportError_(Exception):
    """The file cannot be read as a list at all; the message says why (in the reader's
    language)."""


class RowCheck(BaseModel):
    """One row of the list: its number in the file, what it said, and what it will be."""

    number: int
    values: dict[str, str]
    fields: EnterpriseFields | None = None
    errors: list[str] = Field(default_factory=list)


def invitation_code() -> str:
    """Eight letters and digits that cannot be mistaken for one another."""
    return "".join(secrets.choice(_CODE_LETTERS) for _ in range(8))


def invite_links(settings: Settings, code: str) -> tuple[str, str]:
    """The Telegram link that opens the invitation, and what to send the bot on Zalo."""
    telegram = f"https://t.me/{settings.telegram_username.lstrip('@')}?start=moi_{code}"
    return telegram, f"/moi {code}"


def _header(text: str) -> str | None:
    folded = fold(text)
    for name, known in COLUMNS.items():
        if folded in known:
            return name
    return None


def read_table(content: bytes, filename: str, lang: Lang) -> list[tuple[int, dict[str, str]]]:
    """The rows of an .xlsx or .csv list as (row number, {field: text}); the first row that
    names a known column is the header. ImportError_ when it cannot be read."""
    _ = lang.gettext
    rows: list[list[str]]
    if filename.lower().endswith(".csv"):
        text = content.decode("utf-8-sig", errors="replace")
        rows = [list(r) for r in csv.reader(io.StringIO(text))]
    else:
        rows = _xlsx_rows(content, lang)
    start = _header_row(rows)
    if start is None:
        raise ImportError_(
            _(
                "No header row found: the list needs columns such as “Tên cơ sở” and"
                " “Số điện thoại”."
            )
        )
    columns = [_header(cell) for cell in rows[start]]
    missing = [f for f in _REQUIRED if f not in columns]
    if missing:
        raise ImportError_(
            _("These columns are missing: {columns}.").format(columns=", ".join(missing))
        )
    found: list[tuple[int, dict[str, str]]] = []
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        values = {
            col: " ".join(str(cell).split())
            for col, cell in zip(columns, row, strict=False)
            if col is not None and cell is not None
        }
        if any(values.values()):
            found.append((number, values))
    if len(found) > MAX_ROWS:
        raise ImportError_(_("At most {n} rows at a time.").format(n=MAX_ROWS))
    return found


def _header_row(rows: list[list[str]]) -> int | None:
    """The first row that names at least two known columns."""
    for number, row in enumerate(rows):
        if sum(_header(cell) is not None for cell in row) >= 2:
            return number
    return None


def _xlsx_rows(content: bytes, lang: Lang) -> list[list[str]]:
    from openpyxl import load_workbook  # here: only imports need it (see export_tables)

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportError_(lang.gettext("This is not an .xlsx file that can be read.")) from exc
    sheet = book.worksheets[0]
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def _kind(text: str, vi: Lang) -> str | None:
    folded = fold(text)
    if not folded:
        return "household"  # the villages' lists are mostly of households
    for key, name in KIND_NAMES.items():
        if folded in (key, fold(name), fold(vi.gettext(name))):
            return key
    return _KIND_ALIASES.get(folded)


def _sectors(text: str, vi: Lang) -> tuple[list[str], list[str]]:
    """The sector keys named, and the words that named none."""
    keys: list[str] = []
    unknown: list[str] = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;/\n]+", text))):
        folded = fold(part)
        hits = [key for key, name in SECTORS.items() if _names(folded, key, name, vi)]
        if len(hits) != 1:
            unknown.append(part)
        elif hits[0] not in keys:
            keys.append(hits[0])
    return keys, unknown


def _names(folded: str, key: str, name: str, vi: Lang) -> bool:
    """Whether `folded` names the sector: its key, or its name or the start of it."""
    names = (fold(name), fold(vi.gettext(name)))
    return folded == key or any(n == folded or n.startswith(folded + " ") for n in names)


async def check_rows(
    svc: Services, rows: list[tuple[int, dict[str, str]]], lang: Lang
) -> list[RowCheck]:
    """Every row checked: a registration's fields, or what is wrong with it (duplicates in
    the file, among registrations and among invitations not claimed yet included)."""
    _ = lang.gettext
    vi = svc.i18n.get("vi")
    waiting_phones, waiting_taxes = await svc.invitations.waiting_contacts()
    seen_phones: dict[str, int] = {}
    seen_taxes: dict[str, int] = {}
    checked: list[RowCheck] = []
    for number, values in rows:
        errors: list[str] = []
        name = values.get("name", "")
        contact = values.get("contact_name", "")
        if not name:
            errors.append(_("The name of the establishment is missing."))
        elif len(name) > NAME_MAX:
            errors.append(_("The name is longer than {n} characters.").format(n=NAME_MAX))
        if not contact:
            errors.append(_("The contact person is missing."))
        kind = _kind(values.get("kind", ""), vi)
        if kind is None:
            errors.append(_("Unknown kind “{text}”.").format(text=values.get("kind", "")))
        sectors, unknown = _sectors(values.get("sectors", ""), vi)
        if unknown:
            errors.append(_("Unknown craft “{text}”.").format(text=", ".join(unknown)))
        ward_code = province = None
        place = values.get("ward", "")
        wards = match_ward(place) if place else []
        if wards and wards[0].score >= 90:
            ward_code = wards[0].ward.code
        elif place and (found := match_province(place)) and found[0].name != "Hà Nội":
            province = found[0].name
        else:
            errors.append(_("Ward or commune not found: “{text}”.").format(text=place))
        phone = parse_phone(values.get("phone", ""))
        e164 = (
            phone.e164
            if isinstance(phone, Phone)
            else phone.suggested
            if isinstance(phone, OldMobile)
            else None
        )
        if e164 is None:
            errors.append(_("Not a phone number: “{text}”.").format(text=values.get("phone", "")))
        elif e164 in seen_phones:
            errors.append(_("The same phone as row {n}.").format(n=seen_phones[e164]))
        elif e164 in waiting_phones or await svc.enterprises.phone_taken(e164, 0):
            errors.append(_("This phone number is already in the network."))
        tax: str | None = None
        if values.get("tax_code"):
            parsed = parse_tax_code(values["tax_code"])
            if isinstance(parsed, TaxCode):
                tax = parsed.value
                if tax in seen_taxes:
                    errors.append(_("The same tax code as row {n}.").format(n=seen_taxes[tax]))
                elif tax in waiting_taxes or await svc.enterprises.tax_code_taken(tax, 0):
                    errors.append(_("This tax code is already in the network."))
            else:
                errors.append(_("Not a tax code: “{text}”.").format(text=values["tax_code"]))
        if e164:
            seen_phones.setdefault(e164, number)
        if tax:
            seen_taxes.setdefault(tax, number)
        fields = None
        if not errors:
            fields = EnterpriseFields(
                name=name,
                kind=kind,
                roles=["producer"],
                sectors=sectors,
                ward_code=ward_code,
                province=province,
                address=values.get("address") or None,
                contact_name=contact,
                phone=e164,
                tax_code=tax,
                products=values.get("products") or None,
            )
        checked.append(RowCheck(number=number, values=values, fields=fields, errors=errors))
    return checked
