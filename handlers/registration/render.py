"""A registration as people read it: one line per field, Edit buttons, and its status."""

from __future__ import annotations

import functools
from collections.abc import Callable

from bot.core.i18n import N_, Lang
from bot.core.payloads import Payload
from bot.core.types import Button
from bot.domain.enterprise_terms import (
    KIND_NAMES,
    PRACTICE_NAMES,
    ROLE_NAMES,
    STATUS_NAMES,
    place_label,
    term,
)
from bot.domain.phones import format_phone
from bot.domain.sectors import sector_name
from bot.domain.taxcode import mask_tax_code
from storage.enterprises import Enterprise, EnterpriseFields, EnterpriseStatus

__all__ = ["FIELD_LABELS", "edit_buttons", "field_value", "status_text", "summary_lines"]

Gettext = Callable[[str], str]

FIELD_LABELS: dict[str, str] = {
    "name": N_("Establishment name"),
    "kind": N_("Kind"),
    "roles": N_("Role in the chain"),
    "sectors": N_("Crafts"),
    "place": N_("Place"),
    "address": N_("Address"),
    "contact_name": N_("Contact person"),
    "phone": N_("Phone"),
    "tax_code": N_("Tax code"),
    "products": N_("Main products"),
    "ocop_stars": N_("OCOP rating"),
    "practices": N_("Sustainable practices"),
}


def field_value(field: str, f: EnterpriseFields, _: Gettext, *, reveal: bool = True) -> str:
    """One answer in words; 'not given' when it is empty. Without `reveal`, a personal ID
    number used as tax code is masked (`0011******89`)."""
    match field:
        case "tax_code" if not reveal:
            value = mask_tax_code(f.tax_code)
        case "kind":
            value = term(KIND_NAMES, f.kind, _) if f.kind else ""
        case "roles":
            value = ", ".join(term(ROLE_NAMES, k, _) for k in f.roles)
        case "sectors":
            value = ", ".join(sector_name(k, _) for k in f.sectors)
        case "place":
            value = place_label(f.ward_code, f.province, _)
        case "phone":
            value = format_phone(f.phone) if f.phone else ""
        case "ocop_stars":
            value = _("{stars} stars").format(stars=f.ocop_stars) if f.ocop_stars else _("none")
        case "practices":
            value = ", ".join(term(PRACTICE_NAMES, k, _) for k in f.practices)
        case _:
            value = str(getattr(f, field) or "")
    return value or _("not given")


def summary_lines(f: EnterpriseFields, _: Gettext, *, reveal: bool = True) -> str:
    """Every answer, one line each; `reveal`: as for field_value (reviewers see it whole)."""
    return "\n".join(
        f"• {_(label)}: {field_value(field, f, _, reveal=reveal)}"
        for field, label in FIELD_LABELS.items()
    )


def edit_buttons(edit: Callable[[str], Payload], _: Gettext) -> list[list[Button]]:
    """One Edit button per field, two a row; `edit(field)` is the payload of each."""
    payloads = _edit_payloads(edit)
    buttons = [
        Button(_("✏️ {field}").format(field=_(label)), payloads[field])
        for field, label in FIELD_LABELS.items()
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


@functools.cache  # made once: the same twelve on every summary and profile shown
def _edit_payloads(edit: Callable[[str], Payload]) -> dict[str, str]:
    return {field: edit(field).pack() for field in FIELD_LABELS}


def status_text(e: Enterprise, lang: Lang) -> str:
    """Where the registration stands, with the reason when it was not approved."""
    _ = lang.gettext
    status = term(STATUS_NAMES, e.status.value, _)
    text = _("Status: {status}").format(status=status)
    if e.status is EnterpriseStatus.APPROVED and e.reviewed_at:
        text = _("Status: approved on {date}").format(date=lang.date(e.reviewed_at, "long"))
    if e.status is EnterpriseStatus.REJECTED and e.reject_reason:
        text += "\n" + _("Reason: {reason}").format(reason=e.reject_reason)
    return text
