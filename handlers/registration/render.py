"""A registration as people read it: one line per field, Edit buttons, and its status."""

from __future__ import annotations

import functools
from collections.abc import Callable

from bot.core.i18n import Lang
from bot.core.payloads import Payload
from bot.core.types import Button
from bot.domain.enterprise_terms import FIELD_LABELS, STATUS_NAMES, field_value, term
from storage.enterprises import Enterprise, EnterpriseFields, EnterpriseStatus

__all__ = ["FIELD_LABELS", "edit_buttons", "field_value", "status_text", "summary_lines"]

Gettext = Callable[[str], str]


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
