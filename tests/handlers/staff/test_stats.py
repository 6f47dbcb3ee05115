"""/thong_ke: registrations by status, role, craft and ward, growth per week, booth fill and
messages sent, as text and as a PNG chart."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from bot.app import App
from bot.core.types import Reply
from storage.enterprises import EnterpriseStatus
from storage.roles import Role
from tests.fair_data import TODAY, make_fair
from tests.handlers.registration_walk import ward_code
from tests.handlers.staff.staff_data import add_enterprise, member

pytestmark = pytest.mark.today


async def test_figures_as_text_and_as_a_chart(app: App, tmp_path: Path) -> None:
    svc = app.router.services
    a = await add_enterprise(app, "p1", "Cơ sở gốm Minh Hải", status=EnterpriseStatus.APPROVED)
    await add_enterprise(
        app,
        "p2",
        "Hợp tác xã mây tre Phú Vinh",
        sectors=("bamboo_rattan",),
        ward_code=ward_code("Phú Nghĩa"),
    )
    await add_enterprise(app, "p3", "Lò gốm Đức Ánh", status=EnterpriseStatus.REJECTED)
    fair = await make_fair(app, booths=10)
    async with svc.db.transaction():
        await svc.booths.apply(fair.id, a.id, a.account_id, 2, "Bát đĩa")
        user = await svc.users.find(member_ref := (await member(app, None, "p9")).user)
        assert user is not None
        await svc.outbox.enqueue(user.id, [Reply(text="x")], "reminder:1", topic="fair:t:x")
        await svc.db.execute("UPDATE outbox SET status = 'sent' WHERE dedupe_key = 'reminder:1'")
    assert member_ref is not None
    viewer = await member(app, Role.VIEWER)
    await viewer.say("/thong_ke")
    text, chart = viewer.replies[-2], viewer.replies[-1]
    assert "Hồ sơ đăng ký: 3 (đã duyệt 1, đang chờ duyệt 1, không được duyệt 1)" in text.text
    assert "• theo ngành nghề: Mây tre đan 1 · Gốm sứ 1" in text.text  # not the rejected one
    assert "• theo xã, phường: Xã Bát Tràng 1 · Xã Phú Nghĩa 1" in text.text
    assert "23/11 +3" in text.text
    assert "Hội chợ thử nghiệm (07/12): đã giữ 2/10 gian hàng" in text.text
    assert "nhắc lịch đã gửi 1" in text.text
    assert chart.document is not None and chart.document.mime_type == "image/png"
    image = Image.open(io.BytesIO(chart.document.content))
    assert image.format == "PNG" and image.size[0] >= 1200
    # KEEP_CHART_DIR=/some/dir keeps the chart to look at (it was looked at: Vietnamese
    # labels render with their diacritics, no missing-glyph boxes).
    (Path(os.environ.get("KEEP_CHART_DIR", tmp_path)) / chart.document.filename).write_bytes(
        chart.document.content
    )


async def test_zalo_oa_template_messages_and_notices_out_of_reach(app: App) -> None:
    svc = app.router.services
    user = await svc.users.find((await member(app, None, "p9")).user)
    assert user is not None
    await svc.outbox.enqueue(user.id, [Reply(text="x")], "reminder:1", topic="fair:t:x")
    await svc.db.execute("UPDATE outbox SET status = 'unreachable'")
    for n, (status, cost) in enumerate([("sent", 200), ("sent", 200), ("failed", 0)]):
        await svc.db.execute(
            "INSERT INTO zalo_oa_template_messages (kind, template_id, tracking_id, status,"
            " cost, created_at) VALUES ('fair_reminder', '412001', ?, ?, ?, ?)",
            (f"t{n}", status, cost, TODAY.isoformat()),
        )
    await svc.db.execute(
        "INSERT INTO zalo_oa_paid_messages (day, messages) VALUES (?, 3)",
        (TODAY.date().isoformat(),),
    )
    viewer = await member(app, Role.VIEWER)
    await viewer.say("/thong_ke")
    lines = viewer.replies[-2].text.splitlines()

    assert (
        "Không gửi tới được: 1 (trên Zalo OA, đã hơn 7 ngày không nhắn và không có tin mẫu để gửi)"
    ) in lines
    assert (
        "Tin mẫu Zalo OA: 2 hôm nay, 2 trong 7 ngày, 2 trong 30 ngày; chi phí 400 ₫ trong 7 ngày,"
        " 400 ₫ trong 30 ngày; 1 lỗi trong 30 ngày; 3 tin tư vấn sau 48 giờ miễn phí trong 30 ngày"
    ) in lines


async def test_no_zalo_oa_lines_without_the_oa(app: App) -> None:
    viewer = await member(app, Role.VIEWER)
    await viewer.say("/thong_ke")
    assert "Zalo OA" not in viewer.replies[-2].text
