"""Staff roles: owners come from KETNOI_ADMINS; admins, moderators and viewers are granted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Final

from pydantic import BaseModel

from bot.core.clock import utcnow
from bot.core.types import UserRef
from storage.engine import Database
from storage.users import User

__all__ = ["GRANTABLE", "Role", "RoleRepo", "StaffGrant"]


class Role(StrEnum):
    """What a member of staff may do; each role may do all that the ones below it may."""

    VIEWER = "viewer"  # figures and exports (without personal data)
    MODERATOR = "moderator"  # + approves registrations and booth applications
    ADMIN = "admin"  # + fairs, broadcasts, the audit log
    OWNER = "owner"  # + roles; everyone in KETNOI_ADMINS, never stored

    @property
    def rank(self) -> int:
        """Higher is more."""
        return _RANK[self]

    def allows(self, needed: Role) -> bool:
        """Whether this role may do what `needed` may."""
        return self.rank >= needed.rank


_RANK: Final = {Role.VIEWER: 1, Role.MODERATOR: 2, Role.ADMIN: 3, Role.OWNER: 4}
GRANTABLE: Final = (Role.ADMIN, Role.MODERATOR, Role.VIEWER)


class StaffGrant(BaseModel):
    """A role an owner gave an account."""

    account_id: int
    role: Role
    granted_by: int | None = None
    granted_at: datetime


class RoleRepo:
    """Reads and writes `staff_roles`; knows the owners' addresses."""

    def __init__(self, db: Database, owners: Sequence[UserRef]) -> None:
        self.db = db
        self.owners = frozenset(owners)

    async def role_of(self, user: User) -> Role | None:
        """The role of the user's account now: owner if any identity of it is in
        KETNOI_ADMINS, else the highest role granted, else None."""
        if user.ref in self.owners:
            return Role.OWNER
        account = user.account_id

        refs = await self.db.fetchall(
            "SELECT channel, external_id FROM users WHERE account_id = ?", (account,), quick=True
        )
        roles = await self.db.fetchall(
            "SELECT role FROM staff_roles WHERE account_id = ?", (account,), quick=True
        )
        if any(UserRef(channel=r[0], external_id=r[1]) in self.owners for r in refs):
            return Role.OWNER
        granted = [Role(r[0]) for r in roles]
        return max(granted, key=lambda r: r.rank) if granted else None

    async def is_owner_account(self, account_id: int) -> bool:
        """Whether an identity of the account is listed in KETNOI_ADMINS."""
        rows = await self.db.fetchall(
            "SELECT channel, external_id FROM users WHERE account_id = ?", (account_id,)
        )
        return any(UserRef(channel=r[0], external_id=r[1]) in self.owners for r in rows)

    async def granted(self, account_id: int) -> Role | None:
        """The highest role granted to the account (owners aside)."""
        rows = await self.db.fetchall(
            "SELECT role FROM staff_roles WHERE account_id = ?", (account_id,)
        )
        roles = [Role(r[0]) for r in rows]
        return max(roles, key=lambda r: r.rank) if roles else None

    async def grant(self, account_id: int, role: Role, by: int | None) -> None:
        """Give the account `role` instead of any it had. Call inside a transaction."""
        if role not in GRANTABLE:
            raise ValueError(f"{role} is not granted in the bot")

        async with self.db.transaction():
            await self.db.execute("DELETE FROM staff_roles WHERE account_id = ?", (account_id,))
            await self.db.execute(
                "INSERT INTO staff_roles (account_id, role, granted_by, granted_at)"
                " VALUES (?, ?, ?, ?)",
                (account_id, role.value, by, utcnow().isoformat()),
            )

    async def revoke(self, account_id: int) -> bool:
        """Take every granted role from the account; False if it had none."""
        changed = await self.db.execute(
            "DELETE FROM staff_roles WHERE account_id = ?", (account_id,)
        )
        return changed > 0

    async def grants(self) -> list[StaffGrant]:
        """Every account with a granted role (its highest), the highest roles first."""
        rows = await self.db.fetchall(
            "SELECT account_id, role, granted_by, granted_at FROM staff_roles"
            " ORDER BY account_id, granted_at DESC"
        )
        best: dict[int, StaffGrant] = {}
        for row in rows:
            grant = StaffGrant.model_validate(dict(row))
            have = best.get(grant.account_id)
            if have is None or grant.role.rank > have.role.rank:
                best[grant.account_id] = grant
        return sorted(best.values(), key=lambda g: (-g.role.rank, g.granted_at))

    async def reviewers(self) -> list[int | UserRef]:
        """Who gets review requests: the owners' addresses, and one user id (the account id)
        per account that is an admin or moderator and not already an owner."""
        # CROSS JOIN keeps the few staff rows outside: with a plain JOIN SQLite scanned every
        # user, on every registration sent (https://sqlite.org/optoverview.html#crossjoin)
        rows = await self.db.fetchall(
            "SELECT DISTINCT s.account_id, u.channel, u.external_id FROM staff_roles s"
            " CROSS JOIN users u ON u.account_id = s.account_id"
            " WHERE s.role IN ('admin', 'moderator')",
            quick=True,
        )
        owned = {r[0] for r in rows if UserRef(channel=r[1], external_id=r[2]) in self.owners}
        accounts = sorted({int(r[0]) for r in rows} - owned)
        return [*sorted(self.owners, key=str), *accounts]

    async def recent_people(self, limit: int = 10) -> list[User]:
        """The identities seen last, one per account, leaving out staff and owners."""
        rows = await self.db.fetchall(
            "SELECT * FROM users WHERE account_id NOT IN (SELECT account_id FROM staff_roles)"
            " ORDER BY last_seen_at DESC, id DESC LIMIT ?",
            (limit * 4,),
        )
        found: dict[int, User] = {}
        for row in rows:
            user = User.model_validate(dict(row))
            if user.account_id not in found and user.ref not in self.owners:
                found[user.account_id] = user
        return list(found.values())[:limit]
