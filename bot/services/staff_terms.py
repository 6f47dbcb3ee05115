"""Names of staff roles and audited actions, translated where shown (chat and web pages), and
how an audited change reads."""

from __future__ import annotations

from typing import Any, Final

from bot.core.i18n import N_
from bot.domain.taxcode import redact_personal_ids
from storage.roles import Role

__all__ = ["ACTION_NAMES", "ROLE_DUTIES", "ROLE_NAMES", "changes"]

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
