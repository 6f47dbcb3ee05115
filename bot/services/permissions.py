"""What each staff role may do: one table, read by the chat's guards and the web pages alike."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from storage.roles import Role

__all__ = ["NEEDED", "Permission", "allowed", "needed"]


class Permission(StrEnum):
    """A group of staff tools."""

    STAFF = "staff"  # /admin, the web overview, logging in to the web pages
    STATS = "stats"  # /thong_ke
    EXPORT = "export"  # /xuat, without phone numbers and tax codes
    PERSONAL_DATA = "personal_data"  # phone numbers and tax codes in lists and exports
    REVIEW = "review"  # registrations: approve, reject, ask for a correction, tags
    BOOTHS = "booths"  # booth applications: approve, reject
    DATA_REQUESTS = "data_requests"  # people's requests about their data (/yeu_cau_du_lieu)
    FAIRS = "fairs"  # the calendar: create, edit, move, cancel, reinstate
    BROADCAST = "broadcast"  # announcements
    AUDIT = "audit"  # the audit log
    FAQ = "faq"  # unanswered questions turned into FAQ entries
    IMPORT = "import"  # producers imported from the Department's lists
    ROLES = "roles"  # who is staff


NEEDED: Final[dict[Permission, Role]] = {
    Permission.STAFF: Role.VIEWER,
    Permission.STATS: Role.VIEWER,
    Permission.EXPORT: Role.VIEWER,
    Permission.PERSONAL_DATA: Role.MODERATOR,
    Permission.REVIEW: Role.MODERATOR,
    Permission.BOOTHS: Role.MODERATOR,
    Permission.DATA_REQUESTS: Role.MODERATOR,
    Permission.FAIRS: Role.ADMIN,
    Permission.BROADCAST: Role.ADMIN,
    Permission.AUDIT: Role.ADMIN,
    Permission.FAQ: Role.ADMIN,
    Permission.IMPORT: Role.ADMIN,
    Permission.ROLES: Role.OWNER,
}


def needed(permission: Permission) -> Role:
    """The lowest role that has `permission`."""
    return NEEDED[permission]


def allowed(role: Role | None, permission: Permission) -> bool:
    """Whether someone with `role` (None: not staff) has `permission`."""
    return role is not None and role.allows(NEEDED[permission])
