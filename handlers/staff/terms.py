"""Names of staff roles and audited actions, translated where shown."""

from __future__ import annotations

from typing import Final

from bot.core.i18n import N_
from storage.roles import Role

__all__ = ["ACTION_NAMES", "ROLE_DUTIES", "ROLE_NAMES"]

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
    "data.copy": N_("asked for a copy of their data"),
    "data.restrict": N_("stopped announcements to themselves"),
    "data.erase": N_("withdrew consent and asked for their data to be deleted"),
    "data.erase_done": N_("withdrew a person's booths and deleted their data"),
}
