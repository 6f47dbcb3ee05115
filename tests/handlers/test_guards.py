"""Role guards: what each role may and may not do, forged buttons from people who are not
staff, refusals in the audit log, and a role taken away counting at once."""

from __future__ import annotations

import logging

import pytest

from bot.app import App
from storage.enterprises import EnterpriseStatus
from storage.roles import Role
from tests.chat import Chat
from tests.fair_data import make_fair, tap
from tests.handlers.registration_walk import outbox_for, register
from tests.handlers.staff.staff_data import (
    add_enterprise,
    audit_entries,
    english,
    member,
    owner,
)

REFUSED = "not allowed"
# what a user does -> the least role that may do it
ACTIONS: dict[str, Role] = {
    "/admin": Role.VIEWER,
    "/xuat": Role.VIEWER,
    "export:e:-:-:-:-:show": Role.VIEWER,
    "review:list:0": Role.MODERATOR,
    "/duyet_dang_ky": Role.MODERATOR,
    "/duyet_gian_hang": Role.MODERATOR,
    "fairadm:list": Role.ADMIN,
    "/thong_bao": Role.ADMIN,
    "/nhat_ky": Role.ADMIN,
    "/quan_tri": Role.OWNER,
    "roles:add": Role.OWNER,
}


async def _do(chat: Chat, action: str) -> str:
    if action.startswith("/"):
        await chat.say(action)
    else:
        await tap(chat, action)
    await chat.say("/huy")  # leave any flow the action started
    return chat.replies[-2].text


@pytest.mark.parametrize("role", [None, Role.VIEWER, Role.MODERATOR, Role.ADMIN, Role.OWNER])
async def test_each_role_may_do_what_it_allows_and_nothing_more(
    app: App, role: Role | None
) -> None:
    chat = await english(app, owner(app)) if role is Role.OWNER else await member(app, role)
    await english(app, chat)
    for action, needed in ACTIONS.items():
        said = await _do(chat, action)
        allowed = role is not None and role.allows(needed)
        assert (REFUSED not in said) == allowed, (action, said)
    refused = [e for e in await audit_entries(app) if e.outcome == "refused"]
    assert len(refused) == sum(1 for n in ACTIONS.values() if role is None or not role.allows(n))
    assert all(e.role == (role.value if role else None) for e in refused)


async def test_admin_menu_shows_only_what_the_role_allows(app: App) -> None:
    viewer = await member(app, Role.VIEWER)
    await viewer.say("/admin")
    assert {b.payload for b in viewer.options} == {"stats:show", "export:menu", "admin:web"}
    moderator = await member(app, Role.MODERATOR)
    await moderator.say("/admin")
    payloads = {b.payload for b in moderator.options}
    assert {"review:list:0", "boothadm:list", "stats:show"} <= payloads
    assert not payloads & {"fairadm:list", "auditlog:0", "roles:list", "admin:run:thong_bao"}
    admin = await member(app, Role.ADMIN)
    await admin.say("/admin")
    payloads = {b.payload for b in admin.options}
    assert {"fairadm:list", "auditlog:0", "admin:run:thong_bao"} <= payloads
    assert "roles:list" not in payloads
    boss = owner(app)
    await boss.say("/admin")
    assert "roles:list" in {b.payload for b in boss.options}


async def test_a_forged_approval_from_a_producer_changes_nothing_and_is_logged(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    e = await add_enterprise(app, "p1", "Cơ sở gốm Minh Hải")
    producer = await member(app, None, "p1", locale="en")
    caplog.set_level(logging.WARNING, logger="ketnoi.guards")
    await tap(producer, f"regadm:ok:{e.id}")
    assert REFUSED in producer.text
    await tap(producer, f"review:tog:{e.id}:0")
    await tap(producer, "review:bulkok")
    after = await app.router.services.enterprises.get(e.id)
    assert after is not None and after.status is EnterpriseStatus.PENDING
    refused = [x for x in await audit_entries(app) if x.outcome == "refused"]
    assert [x.target for x in refused] == [
        f"regadm:ok:{e.id}",
        f"review:tog:{e.id}:0",
        "review:bulkok",
    ]
    assert refused[0].actor.startswith("console:p1")
    assert refused[0].after == {
        "kind": "button",
        "payload": f"regadm:ok:{e.id}",
        "needed": "moderator",
    }
    assert sum("refused" in r.message for r in caplog.records) == 3
    assert not any(x.outcome == "done" for x in await audit_entries(app))


async def test_forged_role_and_fair_buttons_from_lower_staff_change_nothing(app: App) -> None:
    fair = await make_fair(app)
    viewer = await member(app, Role.VIEWER)
    moderator = await member(app, Role.MODERATOR)
    svc = app.router.services
    viewer_user = await svc.users.find(viewer.user)
    assert viewer_user is not None
    await tap(viewer, f"roles:{viewer_user.account_id}:set:admin")
    await tap(moderator, f"fairadm:{fair.id}:cancelok")
    await tap(moderator, "fairflow:summary:save")
    assert await svc.roles.role_of(viewer_user) is Role.VIEWER
    again = await svc.fairs.get(fair.id)
    assert again is not None and not again.cancelled
    refused = [x.target for x in await audit_entries(app) if x.outcome == "refused"]
    assert refused == [
        f"roles:{viewer_user.account_id}:set:admin",
        f"fairadm:{fair.id}:cancelok",
        "fairflow:summary:save",
    ]


async def test_a_role_taken_away_counts_at_once_even_mid_flow(app: App) -> None:
    e = await add_enterprise(app, "p1", "Cơ sở gốm Minh Hải")
    moderator = await member(app, Role.MODERATOR, locale="en")
    await tap(moderator, f"regadm:no:{e.id}")
    assert "Why is" in moderator.text
    boss = owner(app)
    svc = app.router.services
    user = await svc.users.find(moderator.user)
    assert user is not None
    await tap(boss, f"roles:{user.account_id}:revoke")
    await moderator.say("Thiếu ảnh sản phẩm")
    assert REFUSED in moderator.text
    after = await svc.enterprises.get(e.id)
    assert after is not None and after.status is EnterpriseStatus.PENDING
    assert (await svc.conversations.get(user.id)).flow is None
    await moderator.say("/admin")
    assert REFUSED in moderator.text


async def test_moderators_and_admins_get_review_requests_viewers_do_not(app: App) -> None:
    moderator = await member(app, Role.MODERATOR)
    admin = await member(app, Role.ADMIN)
    viewer = await member(app, Role.VIEWER)
    await register(Chat(app.router, external_id="applicant"))
    for chat, count in ((owner(app), 1), (moderator, 1), (admin, 1), (viewer, 0)):
        rows = await outbox_for(app, chat)
        assert len(rows) == count, chat.user
        if count:
            assert rows[0].replies[0].options[0].payload.startswith("regadm:ok:")
