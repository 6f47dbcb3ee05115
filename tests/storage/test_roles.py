"""Staff roles: owners by address (any identity of their account), granted roles per account,
the highest one counting, and who gets review requests."""

from __future__ import annotations

from bot.app import App
from bot.core.types import UserRef
from storage.roles import Role
from storage.users import User


async def _user(app: App, channel: str, external_id: str) -> User:
    svc = app.router.services
    async with svc.db.transaction():
        user, _ = await svc.users.touch(UserRef(channel=channel, external_id=external_id))
    return user


async def _link(app: App, user: User, into: User) -> User:
    """Join `user` to the account of `into`, as /lien_ket does."""
    svc = app.router.services
    await svc.db.execute("UPDATE users SET account_id = ? WHERE id = ?", (into.account_id, user.id))
    found = await svc.users.get(user.id)
    assert found is not None
    return found


async def test_a_role_belongs_to_the_account_and_the_highest_counts(app: App) -> None:
    svc = app.router.services
    telegram = await _user(app, "telegram", "1")
    zalo = await _user(app, "zalo", "z1")
    assert await svc.roles.role_of(telegram) is None
    async with svc.db.transaction():
        await svc.roles.grant(telegram.account_id, Role.VIEWER, None)
        # a second row, as when two staff accounts are linked
        await svc.db.execute(
            "INSERT INTO staff_roles (account_id, role, granted_at)"
            " VALUES (?, 'moderator', '2026-11-01T00:00:00+00:00')",
            (telegram.account_id,),
        )
    zalo = await _link(app, zalo, telegram)
    assert await svc.roles.role_of(zalo) is Role.MODERATOR
    assert [(g.account_id, g.role) for g in await svc.roles.grants()] == [
        (telegram.account_id, Role.MODERATOR)
    ]
    async with svc.db.transaction():
        await svc.roles.grant(telegram.account_id, Role.ADMIN, None)  # replaces both
    assert await svc.roles.granted(telegram.account_id) is Role.ADMIN
    assert await svc.roles.revoke(telegram.account_id)
    assert await svc.roles.role_of(zalo) is None
    assert not await svc.roles.revoke(telegram.account_id)


async def test_an_owner_is_an_owner_on_every_linked_app(app: App) -> None:
    svc = app.router.services
    owner = await _user(app, "console", "admin")  # KETNOI_ADMINS in the test settings
    zalo = await _link(app, await _user(app, "zalo", "z9"), owner)
    assert await svc.roles.role_of(owner) is Role.OWNER
    assert await svc.roles.role_of(zalo) is Role.OWNER
    assert await svc.roles.is_owner_account(owner.account_id)


async def test_reviewers_are_owners_admins_and_moderators_once_each(app: App) -> None:
    svc = app.router.services
    admin = await _user(app, "telegram", "2")
    moderator = await _user(app, "zalo", "m")
    viewer = await _user(app, "telegram", "3")
    async with svc.db.transaction():
        await svc.roles.grant(admin.account_id, Role.ADMIN, None)
        await svc.roles.grant(moderator.account_id, Role.MODERATOR, None)
        await svc.roles.grant(viewer.account_id, Role.VIEWER, None)
    assert await svc.roles.reviewers() == [
        UserRef(channel="console", external_id="admin"),
        admin.account_id,
        moderator.account_id,
    ]
    recent = await svc.roles.recent_people()
    assert [u.id for u in recent] == []  # everyone who wrote is staff
