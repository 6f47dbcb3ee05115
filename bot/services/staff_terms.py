"""Names of staff roles and audited actions, translated where shown (chat and web pages), and
how an audited change reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from bot.core.i18n import N_, Lang
from bot.domain.enterprise_terms import FIELD_LABELS, KIND_NAMES, STATUS_NAMES, term
from bot.domain.taxcode import redact_personal_ids
from storage.roles import Role

__all__ = [
    "ACTION_NAMES",
    "CHANGE_LABELS",
    "ROLE_DUTIES",
    "ROLE_NAMES",
    "changes",
    "readable_changes",
]

_VALUE_MAX: Final = 60

ROLE_NAMES: Final = {
    Role.OWNER: N_("owner"),
    Role.ADMIN: N_("administrator"),
    Role.MODERATOR: N_("moderator"),
    Role.VIEWER: N_("viewer"),
}

ROLE_DUTIES: Final = {
    Role.OWNER: N_("everything, including who else is staff"),
    Role.ADMIN: N_("fairs, broadcasts and the audit log, as well as what moderators do"),
    Role.MODERATOR: N_("approves registrations and booth applications; figures and exports"),
    Role.VIEWER: N_("figures and exports, without phone numbers or tax codes"),
}

ACTION_NAMES: Final = {
    "refused": N_("tried something not allowed"),
    "registration.approve": N_("approved a registration"),
    "registration.reject": N_("rejected a registration"),
    "registration.correction": N_("asked for a correction of a registration"),
    "booth.approve": N_("approved a booth application"),
    "booth.reject": N_("rejected a booth application"),
    "booth.check_in": N_("checked a booth in at the fair"),
    "registration.edit": N_("edited a registration"),
    "fair.create": N_("created a fair"),
    "fair.edit": N_("edited a fair"),
    "fair.dates": N_("changed the dates of a fair"),
    "fair.cancel": N_("cancelled a fair"),
    "fair.reinstate": N_("reinstated a cancelled fair"),
    "role.grant": N_("gave a staff role"),
    "role.revoke": N_("took a staff role away"),
    "export.enterprises": N_("exported registrations"),
    "export.booths": N_("exported booth applications"),
    "broadcast.send": N_("sent a broadcast"),
    "broadcast.stop": N_("stopped a broadcast"),
    "registration.tag": N_("tagged registrations"),
    "registration.untag": N_("took a tag off registrations"),
    "faq.add": N_("added a FAQ entry"),
    "producers.import": N_("imported producers from a list"),
    "web.link": N_("asked for a link to the web pages"),
    "web.login": N_("signed in to the web pages"),
    "web.logout": N_("logged out of the web pages"),
    "data.copy": N_("asked for a copy of their data"),
    "data.restrict": N_("stopped announcements to themselves"),
    "data.erase": N_("withdrew consent and asked for their data to be deleted"),
    "data.erase_done": N_("withdrew a person's booths and deleted their data"),
}


def _short(value: Any) -> str:
    # Snapshots of a registration hold its tax code: a personal ID number shows masked.
    text = "—" if value is None or value == "" else redact_personal_ids(str(value))
    return text if len(text) <= _VALUE_MAX else text[: _VALUE_MAX - 1] + "…"


def changes(before: Any, after: Any) -> list[str]:
    """`field: old → new` for every field that differs (all of `after` when there was no
    before); timestamps of the change itself are left out."""
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    skip = {"updated_at", "reviewed_at", "decided_by", "reviewed_by"}
    lines = []
    for key in sorted(set(old) | set(new)):
        if key in skip or old.get(key) == new.get(key):
            continue
        if old:
            lines.append(f"{key}: {_short(old.get(key))} → {_short(new.get(key))}")
        else:
            lines.append(f"{key}: {_short(new.get(key))}")
    return lines


# The fields of what the log keeps (registrations, fairs, booth applications, roles), as staff
# read them.
CHANGE_LABELS: Final = {
    **FIELD_LABELS,
    "status": N_("Status"),
    "reject_reason": N_("Reason"),
    "reason": N_("Reason"),
    "ward_code": N_("Place"),
    "province": N_("Province"),
    "title_vi": N_("Title (Vietnamese)"),
    "title_en": N_("Title (English)"),
    "starts_at": N_("Opens"),
    "ends_at": N_("Closes"),
    "venue_name": N_("Venue"),
    "venue_address": N_("Venue address"),
    "booths": N_("Booths"),
    "max_booths": N_("Booths per establishment"),
    "apply_by": N_("Apply by"),
    "description_vi": N_("Description (Vietnamese)"),
    "description_en": N_("Description (English)"),
    "booth_numbers": N_("Booth numbers"),
    "needs": N_("Special needs"),
    "cancelled_at": N_("Cancelled"),
    "role": N_("Role"),
    "tags": N_("Tags"),
}
_BOOTH_STATUS: Final = {
    "approved": N_("approved"),
    "rejected": N_("not approved"),
    "waitlisted": N_("on the waiting list"),
    "withdrawn": N_("withdrawn"),
    "offered": N_("offered a place"),
}


def _value(key: str, value: Any, lang: Lang) -> Any:
    """A value as staff read it: statuses and kinds in words, moments in local time."""
    _ = lang.gettext
    if key == "status" and isinstance(value, str):
        return _(STATUS_NAMES.get(value) or _BOOTH_STATUS.get(value) or value)
    if key == "kind" and isinstance(value, str):
        return term(KIND_NAMES, value, _)
    if key == "role" and isinstance(value, str) and value in set(Role):
        return _(ROLE_NAMES[Role(value)])
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return lang.short_datetime(moment)
    return value


def readable_changes(before: Any, after: Any, lang: Lang) -> list[str]:
    """`changes`, with each field's name in the reader's language and values in words (local
    times, statuses), as the chat's audit log shows them."""

    def label(key: str) -> str:
        return lang.gettext(CHANGE_LABELS[key]) if key in CHANGE_LABELS else key

    old = before if isinstance(before, dict) else None
    new = after if isinstance(after, dict) else None
    shown_old = {k: _value(k, v, lang) for k, v in old.items()} if old else old
    shown_new = {k: _value(k, v, lang) for k, v in new.items()} if new else new
    lines = changes(shown_old, shown_new)
    return [f"{label(line.split(': ', 1)[0])}: {line.split(': ', 1)[1]}" for line in lines]
