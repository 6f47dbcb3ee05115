"""/quan_tri: an owner makes someone staff by picking them from the people who wrote lately or
by their address, changes and takes roles away; the person is told and the log keeps it."""

from __future__ import annotations

from bot.app import App
from bot.core.types import UserRef
from storage.roles import Role
from tests.chat import Chat
from tests.fair_data import outbox_rows, tap
from tests.handlers.staff.staff_data import audit_entries, owner


async def test_an_owner_picks_a_recent_person_by_number(app: App) -> None:
    lan = Chat(app.router, external_id="lan", name="Nguyễn Thị Lan")
    await lan.say("/start")
    await Chat(app.router, external_id="hai", name="Trần Văn Hải").say("/start")
    boss = owner(app)
    await boss.say("/quan_tri")
    assert "Chưa có ai khác là cán bộ" in boss.text
    await boss.press("Thêm cán bộ")
    assert "2. Nguyễn Thị Lan — console:lan" in boss.text  # the latest first
    await boss.say("2")
    assert "Vai trò hiện tại: không phải cán bộ" in boss.text
    await boss.press("người kiểm duyệt")
    assert "Nguyễn Thị Lan — console:lan giờ là người kiểm duyệt" in boss.text
    assert "• Nguyễn Thị Lan — console:lan: người kiểm duyệt" in boss.text
    svc = app.router.services
    user = await svc.users.find(lan.user)
    assert user is not None and await svc.roles.role_of(user) is Role.MODERATOR
    [told] = await outbox_rows(app, lan, "notice:")
    assert "người kiểm duyệt" in told.replies[0].text and "/admin" in told.replies[0].text
    await lan.say("/duyet_dang_ky")
    assert "Không có hồ sơ nào đang chờ duyệt" in lan.text
    [entry] = await audit_entries(app)
    assert (entry.action, entry.target) == ("role.grant", f"account:{user.account_id}")
    assert (entry.before, entry.after) == ({"role": None}, {"role": "moderator"})
    assert entry.role == "owner"


async def test_someone_who_never_wrote_is_added_by_address_then_changed_and_removed(
    app: App,
) -> None:
    boss = owner(app)
    await boss.say("/quan_tri")
    await boss.press("roles:add")
    await boss.say("zalo 8f3a")
    assert "Đó không phải là một địa chỉ" in boss.text
    await boss.say("telegram:555")
    await boss.press("người xem")
    svc = app.router.services
    user = await svc.users.find(UserRef(channel="telegram", external_id="555"))
    assert user is not None and await svc.roles.role_of(user) is Role.VIEWER
    await tap(boss, f"roles:{user.account_id}:set:admin")
    assert await svc.roles.role_of(user) is Role.ADMIN
    await tap(boss, f"roles:{user.account_id}:revoke")
    assert "không còn là cán bộ" in boss.text
    assert await svc.roles.role_of(user) is None
    actions = [(e.action, e.after) for e in await audit_entries(app)]
    assert actions == [
        ("role.grant", {"role": "viewer"}),
        ("role.grant", {"role": "admin"}),
        ("role.revoke", {"role": None}),
    ]
    texts = [r.replies[0].text for r in await outbox_rows(app, Chat(app.router, "555", "telegram"))]
    assert len(texts) == 3 and "thu hồi" in texts[-1]


async def test_owners_cannot_be_changed_in_the_chat_and_owner_is_not_grantable(app: App) -> None:
    boss = owner(app)
    await boss.say("/start")
    svc = app.router.services
    me = await svc.users.find(boss.user)
    assert me is not None
    await tap(boss, f"roles:{me.account_id}:set:viewer")
    assert "là chủ quản" in boss.text
    assert await svc.roles.granted(me.account_id) is None
    lan = Chat(app.router, external_id="lan")
    await lan.say("/start")
    user = await svc.users.find(lan.user)
    assert user is not None
    await tap(boss, f"roles:{user.account_id}:set:owner")
    assert await svc.roles.role_of(user) is None
    assert await audit_entries(app) == []
