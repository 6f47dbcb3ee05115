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
    assert "Cán bộ producer (console:p9), không phải cán bộ" in text  # names, in Vietnamese
    assert "⛔ đã thử một thao tác không được phép: fairadm:1:cancelok" in text
    assert "Cán bộ moderator (console:staff-moderator), người kiểm duyệt" in text
    assert "đã duyệt một hồ sơ đăng ký: hồ sơ đăng ký của “Cơ sở gốm Minh Hải”" in text
    assert "Trạng thái: đang chờ duyệt → đã duyệt" in text
    assert "enterprise:" not in text and "status" not in text
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


async def test_fairs_and_booths_are_named_and_times_are_local(app: App) -> None:
    fair = await make_fair(app, "gom-2026", title_vi="Hội chợ gốm Bát Tràng")
    e = await add_enterprise(app, "p1", "Cơ sở gốm Minh Hải")
    svc = app.router.services
    async with svc.db.transaction():
        a = await svc.booths.apply(fair.id, e.id, e.account_id, 1, "Bát đĩa")
    assert a is not None
    moderator = await member(app, Role.MODERATOR)
    await tap(moderator, f"boothadm:{a.id}:ok:7")
    admin = await member(app, Role.ADMIN)
    await tap(admin, f"fairadm:{fair.id}:cancel")
    await tap(admin, f"fairadm:{fair.id}:cancelok")
    await admin.say("/nhat_ky")
    text = admin.text
    assert "đơn gian hàng của “Cơ sở gốm Minh Hải” tại “Hội chợ gốm Bát Tràng”" in text
    assert "hội chợ “Hội chợ gốm Bát Tràng”" in text
    assert "fair:" not in text and "booth:" not in text
    [entry] = [x for x in await audit_entries(app) if x.action == "fair.cancel"]
    local = admin.router.services.i18n.get("vi").short_datetime(entry.at)
    assert f"#{entry.id} · {local} ·" in text  # Hanoi time, as Babel writes it
