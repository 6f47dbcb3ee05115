"""Fairs in the chat: an admin creates one step by step, edits it, moves its dates (applicants
told, reminders for the old dates withdrawn), cancels it and reinstates it; each is in the
audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from bot.app import App
from bot.core.types import Incoming, Kind, Reply
from storage.roles import Role
from tests.chat import Chat
from tests.fair_data import TODAY, make_fair, outbox_rows, register_enterprise, tap
from tests.handlers.staff.staff_data import audit_entries, member

pytestmark = pytest.mark.today


async def test_an_admin_creates_a_fair_step_by_step(app: App) -> None:
    admin = await member(app, Role.ADMIN)
    await admin.say("/admin")
    await admin.press("fairadm:list")
    await admin.press("fairadm:new")
    assert "Tên hội chợ bằng tiếng Việt" in admin.text
    await admin.say("Hội chợ Gốm sứ Bát Tràng 2026")
    await admin.press("Bỏ qua")
    await admin.press("fairflow:sectors:ceramics")
    await admin.press("fairflow:sectors:lacquer")
    assert "☑ Gốm sứ" in [b.label for b in admin.options]
    await admin.press("Xong")
    await admin.say("31/02/2026 8h")
    assert "không đọc được ngày giờ" in admin.text
    await admin.say("10/12/2026 8h")
    await admin.say("7h")  # the same day, before it opens
    assert "phải sau giờ khai mạc" in admin.text
    await admin.say("14/12/2026 17:00")
    await admin.say("Bảo tàng Gốm sứ Kim Lan")
    await admin.say("xã Bát Tràng, Hà Nội")
    await admin.send(
        Incoming(user=admin.user, kind=Kind.LOCATION, latitude=20.977, longitude=105.915)
    )
    await admin.say("80")
    await admin.press("fairflow:max_booths:3")
    await admin.press("Trước 7 ngày")
    await admin.say("Trưng bày và giao thương sản phẩm gốm sứ của làng nghề.")
    await admin.press("Bỏ qua")
    assert "Hội chợ mới, như sẽ được công bố" in admin.text
    assert "Xã Bát Tràng" not in admin.text and "xã Bát Tràng, Hà Nội" in admin.text
    await admin.press("fairflow:summary:edit:booths")
    await admin.say("90")
    assert "• Số gian hàng: 90" in admin.text
    await admin.press("Công bố hội chợ")
    assert "Đã công bố" in admin.text
    fair = await app.router.services.fairs.by_key("hoi-cho-gom-su-bat-trang-2026")
    assert fair is not None
    assert fair.title_vi == "Hội chợ Gốm sứ Bát Tràng 2026" and fair.title_en == ""
    assert fair.sectors == ["ceramics", "lacquer"]
    assert fair.starts_at == datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
    assert fair.ends_at == datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
    assert (fair.venue_latitude, fair.venue_longitude) == (20.977, 105.915)
    assert (fair.booths, fair.max_booths, fair.apply_by) == (90, 3, date(2026, 12, 3))
    assert fair.description_en == ""
    [entry] = [e for e in await audit_entries(app) if e.action == "fair.create"]
    assert entry.before is None and entry.after["booths"] == 90
    assert entry.target == f"fair:{fair.id}"
    producer = Chat(app.router, external_id="p1")
    await producer.say("/hoi_cho")
    assert "Hội chợ Gốm sứ Bát Tràng 2026" in producer.text
    assert (await app.router.services.conversations.get(1)).flow is None


async def _applicant(app: App, who: str) -> Chat:
    """Someone with a live application for test-fair."""
    chat = Chat(app.router, external_id=who, name=who)
    e = await register_enterprise(app, chat, name=f"Cơ sở {who}")
    svc = app.router.services
    fair = await svc.fairs.by_key("test-fair")
    assert fair is not None
    async with svc.db.transaction():
        await svc.booths.apply(fair.id, e.id, e.account_id, 1, "Bát đĩa")
    return chat


async def test_changing_the_dates_tells_applicants_and_moves_reminders(app: App) -> None:
    fair = await make_fair(app)
    applicant = await _applicant(app, "p1")
    svc = app.router.services
    user = await svc.users.find(applicant.user)
    assert user is not None
    old = "fair:test-fair:before_start:20261207T0100"
    await svc.outbox.enqueue(user.id, [Reply(text="Nhắc lịch")], "r1", not_before=TODAY, topic=old)
    admin = await member(app, Role.ADMIN)
    await tap(admin, f"fairadm:{fair.id}:dates")
    await admin.say("09/12/2026 08:00")
    await admin.say("12/12/2026 17:00")
    assert "Hội chợ với ngày mới" in admin.text
    await admin.press("fairflow:summary:save")
    assert "Đã lưu" in admin.text
    moved = await svc.fairs.get(fair.id)
    assert moved is not None and moved.starts_at == datetime(2026, 12, 9, 1, 0, tzinfo=UTC)
    [told] = await outbox_rows(app, applicant, f"fair:{fair.id}:dates:")
    assert "đã đổi thời gian" in told.replies[0].text
    withdrawn = await svc.outbox.get("r1")
    assert withdrawn is not None and withdrawn.status == "cancelled"
    [entry] = [e for e in await audit_entries(app) if e.action == "fair.dates"]
    assert entry.before["starts_at"] == "2026-12-07T01:00:00Z"
    assert entry.after["starts_at"] == "2026-12-09T01:00:00Z"


async def test_editing_a_field_keeps_the_rest(app: App) -> None:
    fair = await make_fair(app)
    admin = await member(app, Role.ADMIN)
    await tap(admin, f"fairadm:{fair.id}:edit")
    await admin.press("Lưu thay đổi")
    assert "Không có gì thay đổi" in admin.text
    await tap(admin, f"fairadm:{fair.id}:edit")
    await admin.press("fairflow:summary:edit:booths")
    await admin.say("1")  # fewer than the 2 booths one establishment may ask for
    assert "nhiều hơn tổng số gian hàng" in admin.text
    await admin.press("fairflow:max_booths:1")
    await admin.press("Lưu thay đổi")
    after = await app.router.services.fairs.get(fair.id)
    assert after is not None
    assert (after.booths, after.max_booths) == (1, 1)
    assert after.model_dump(exclude={"booths", "max_booths", "updated_at"}) == fair.model_dump(
        exclude={"booths", "max_booths", "updated_at"}
    )
    [entry] = [e for e in await audit_entries(app) if e.action == "fair.edit"]
    assert (entry.before["booths"], entry.after["booths"]) == (3, 1)


@pytest.mark.parametrize(
    ("channel", "how"),
    [
        ("zalo", "Bạn vui lòng gõ số của một lựa chọn."),
        ("telegram", "Vui lòng dùng các nút ở trên."),
    ],
)
async def test_words_at_the_fair_summary_are_told_how_to_choose_on_that_app(
    app: App, channel: str, how: str
) -> None:
    fair = await make_fair(app)
    admin = await member(app, Role.ADMIN, channel=channel)
    await tap(admin, f"fairadm:{fair.id}:edit")
    await admin.say("luu lai nhe")  # no option's label: Zalo shows numbers, Telegram buttons
    assert how in admin.text
    assert "✅ Lưu thay đổi" in [b.label for b in admin.options]  # the summary, asked again
    await admin.say("1" if channel == "zalo" else "luu thay doi")
    assert "Không có gì thay đổi" in admin.text


async def test_cancelling_a_fair_asks_first_and_tells_applicants(app: App) -> None:
    fair = await make_fair(app)
    applicant = await _applicant(app, "p1")
    admin = await member(app, Role.ADMIN)
    await tap(admin, f"fairadm:{fair.id}:card")
    await admin.press("Hủy hội chợ")
    assert "1 người" in admin.text
    await admin.press(f"fairadm:{fair.id}:card")
    still = await app.router.services.fairs.get(fair.id)
    assert still is not None and not still.cancelled
    await tap(admin, f"fairadm:{fair.id}:cancel")
    await admin.press("Đồng ý, hủy hội chợ")
    assert "Đã hủy" in admin.text
    gone = await app.router.services.fairs.get(fair.id)
    assert gone is not None and gone.cancelled
    [told] = await outbox_rows(app, applicant, f"fair:{fair.id}:cancelled:")
    assert "đã hủy" in told.replies[0].text.lower()
    assert [e.action for e in await audit_entries(app)] == ["fair.cancel"]


async def test_a_cancelled_fair_can_be_reinstated_and_everyone_is_told_each_time(
    app: App, time_machine: time_machine.TimeMachineFixture
) -> None:
    fair = await make_fair(app)
    applicant = await _applicant(app, "p1")
    admin = await member(app, Role.ADMIN)
    await tap(admin, f"fairadm:{fair.id}:cancel")
    await admin.press("Đồng ý, hủy hội chợ")
    await admin.press("Khôi phục hội chợ")
    assert "1 người" in admin.text and "có hiệu lực trở lại" in admin.text
    await admin.press("Không, vẫn hủy")
    still = await app.router.services.fairs.get(fair.id)
    assert still is not None and still.cancelled
    await tap(admin, f"fairadm:{fair.id}:reinstate")
    await admin.press("Đồng ý, khôi phục hội chợ")
    assert "Đã khôi phục. Đang báo cho 1 người." in admin.text
    back = await app.router.services.fairs.get(fair.id)
    assert back is not None and not back.cancelled
    [told] = await outbox_rows(app, applicant, f"fair:{fair.id}:reinstated:")
    assert "vẫn diễn ra" in told.replies[0].text
    assert [b.payload for b in told.replies[0].options] == ["menu:booths"]
    # The application stands again: the applicant sees it as before the cancellation.
    await applicant.say("/gian_hang")
    assert "Hội chợ thử nghiệm" in applicant.text and "đã hủy" not in applicant.text.lower()
    # Called off a second time, the applicant hears of it again.
    await tap(admin, f"fairadm:{fair.id}:cancel")
    await admin.press("Đồng ý, hủy hội chợ")
    assert len(await outbox_rows(app, applicant, f"fair:{fair.id}:cancelled:")) == 2
    actions = [e.action for e in await audit_entries(app)]
    assert actions == ["fair.cancel", "fair.reinstate", "fair.cancel"]
    # Once the fair's last day is over, it cannot be brought back (nor by a forged button).
    time_machine.move_to(fair.ends_at + timedelta(days=1), tick=True)
    await tap(admin, f"fairadm:{fair.id}:card")
    assert "Khôi phục hội chợ" not in [b.label for b in admin.options]
    await tap(admin, f"fairadm:{fair.id}:reinstateok")
    over = await app.router.services.fairs.get(fair.id)
    assert over is not None and over.cancelled
