"""/nhat_ky: who did what, when, and what changed, the latest first, page by page."""

from __future__ import annotations

from bot.app import App
from storage.roles import Role
from tests.fair_data import make_fair, tap
from tests.handlers.staff.staff_data import add_enterprise, audit_entries, member, owner


async def test_the_latest_entries_come_first_with_what_changed(app: App) -> None:
    e = await add_enterprise(app, "p1", "Cơ sở gốm Minh Hải")
    moderator = await member(app, Role.MODERATOR)
    await tap(moderator, f"regadm:ok:{e.id}")
    producer = await member(app, None, "p9")
    await tap(producer, "fairadm:1:cancelok")
    admin = await member(app, Role.ADMIN)
    await admin.say("/nhat_ky")
    text = admin.text
    assert "(1–2 trên 2)" in text
    refused, approved = text.index("#2 ·"), text.index("#1 ·")
    assert refused < approved
    assert "console:p9 (Cán bộ producer) (không phải cán bộ)" in text
    assert "⛔ đã thử một thao tác không được phép: fairadm:1:cancelok" in text
    assert "console:staff-moderator (Cán bộ moderator) (người kiểm duyệt)" in text
    assert f"đã duyệt một hồ sơ đăng ký: enterprise:{e.id}" in text
    assert "status: pending → approved" in text
    assert admin.options == []


async def test_the_log_is_paged(app: App) -> None:
    producer = await member(app, None)
    for n in range(8):
        await tap(producer, f"roles:{n}:revoke")
    boss = owner(app)
    await boss.say("/nhat_ky")
    assert "(1–6 trên 8)" in boss.text
    await boss.press("Cũ hơn")
    assert "(7–8 trên 8)" in boss.text
    await boss.press("Mới hơn")
    assert "(1–6 trên 8)" in boss.text


async def test_booth_decisions_are_logged_with_before_and_after(app: App) -> None:
    svc = app.router.services
    fair = await make_fair(app)
    first = await add_enterprise(app, "p1", "Cơ sở gốm Minh Hải")
    second = await add_enterprise(app, "p2", "Xưởng mây tre Phú Vinh", phone="+84987654321")
    async with svc.db.transaction():
        a = await svc.booths.apply(fair.id, first.id, first.account_id, 1, "Bát đĩa")
        b = await svc.booths.apply(fair.id, second.id, second.account_id, 1, "Giỏ mây")
    assert a is not None and b is not None
    moderator = await member(app, Role.MODERATOR)
    await tap(moderator, f"boothadm:{a.id}:ok:7")
    await tap(moderator, f"boothadm:{b.id}:reject")
    await moderator.say("Sản phẩm không thuộc ngành gốm sứ")
    entries = await audit_entries(app)
    assert [(e.action, e.target) for e in entries] == [
        ("booth.approve", f"booth:{a.id}"),
        ("booth.reject", f"booth:{b.id}"),
    ]
    assert (entries[0].before["status"], entries[0].after["booth_numbers"]) == ("allocated", ["7"])
    assert entries[1].after["reason"] == "Sản phẩm không thuộc ngành gốm sứ"
