"""Registrations waiting for review: the list, approve and reject through the registration
module, ask for a correction (the applicant gets an Edit button), search, approve several."""

from __future__ import annotations

import pytest

from bot.app import App
from storage.enterprises import Enterprise, EnterpriseStatus
from storage.roles import Role
from tests.chat import Chat
from tests.fair_data import outbox_rows, tap
from tests.handlers.registration_walk import ward_code
from tests.handlers.staff.staff_data import add_enterprise, audit_entries, member


@pytest.fixture
async def pending(app: App) -> list[Enterprise]:
    return [
        await add_enterprise(app, "p1", "Cơ sở gốm Minh Hải", tax_code="0100109106"),
        await add_enterprise(
            app,
            "p2",
            "Hợp tác xã mây tre Phú Vinh",
            ward_code=ward_code("Phú Nghĩa"),
            phone="+84987654321",
            sectors=("bamboo_rattan",),
        ),
        await add_enterprise(
            app,
            "p3",
            "Xưởng sơn mài Hạ Thái",
            ward_code=ward_code("Thường Tín"),
            phone="+84903111222",
            status=EnterpriseStatus.APPROVED,
        ),
    ]


async def _status(app: App, e: Enterprise) -> EnterpriseStatus:
    found = await app.router.services.enterprises.get(e.id)
    assert found is not None
    return found.status


async def test_approve_and_reject_from_the_list(app: App, pending: list[Enterprise]) -> None:
    moderator = await member(app, Role.MODERATOR)
    await moderator.say("/admin")
    await moderator.press("Hồ sơ đăng ký chờ duyệt (2)")
    assert "(1–2 trên 2)" in moderator.text and "Xưởng sơn mài" not in moderator.text
    await moderator.press(pending[0].reference)
    assert "0100109106" in moderator.text and "console:p1" in moderator.text
    await moderator.press("Duyệt")
    await tap(moderator, f"review:show:{pending[1].id}")
    await moderator.press("Từ chối")
    await moderator.say("Chưa có giấy phép kinh doanh")
    assert await _status(app, pending[0]) is EnterpriseStatus.APPROVED
    assert await _status(app, pending[1]) is EnterpriseStatus.REJECTED
    [approved, rejected] = await audit_entries(app)
    assert (approved.action, approved.target) == (
        "registration.approve",
        f"enterprise:{pending[0].id}",
    )
    assert (approved.before["status"], approved.after["status"]) == ("pending", "approved")
    assert rejected.action == "registration.reject"
    assert rejected.after["reject_reason"] == "Chưa có giấy phép kinh doanh"
    assert approved.role == rejected.role == "moderator"


async def test_a_correction_reaches_the_applicant_with_an_edit_button(
    app: App, pending: list[Enterprise]
) -> None:
    moderator = await member(app, Role.MODERATOR)
    await tap(moderator, f"review:show:{pending[0].id}")
    await moderator.press("Đề nghị sửa hồ sơ")
    await moderator.say("Xin bổ sung địa chỉ xưởng sản xuất.")
    assert "Đã gửi cho người đăng ký hồ sơ" in moderator.text
    applicant = Chat(app.router, external_id="p1")
    [message] = await outbox_rows(app, applicant, "notice:")
    [reply] = message.replies
    assert (
        "Xin bổ sung địa chỉ xưởng sản xuất." in reply.text and pending[0].reference in reply.text
    )
    assert "Chọn “✏️ Sửa hồ sơ của tôi”" in reply.text  # the option's own name: on Zalo, typed
    await tap(applicant, reply.options[0].payload)
    assert "Hồ sơ đăng ký của bạn" in applicant.text or pending[0].reference in applicant.text
    assert any(b.payload.startswith("reg:profile:edit:") for b in applicant.options)
    assert await _status(app, pending[0]) is EnterpriseStatus.PENDING
    [entry] = await audit_entries(app)
    assert entry.action == "registration.correction"
    assert entry.after == {"message": "Xin bổ sung địa chỉ xưởng sản xuất."}


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("phu vinh", ["Hợp tác xã mây tre Phú Vinh"]),
        ("0987 654 321", ["Hợp tác xã mây tre Phú Vinh"]),
        ("0100109106", ["Cơ sở gốm Minh Hải"]),
        ("Thường Tín", ["Xưởng sơn mài Hạ Thái"]),
        ("hn-2026-000001", ["Cơ sở gốm Minh Hải"]),
        ("gom", ["Cơ sở gốm Minh Hải"]),
    ],
)
async def test_search_by_name_phone_tax_code_ward_or_reference(
    app: App, pending: list[Enterprise], query: str, found: list[str]
) -> None:
    moderator = await member(app, Role.MODERATOR)
    await moderator.say("/duyet_dang_ky")
    await moderator.press("Tìm kiếm")
    await moderator.say(query)
    names = [
        b.label.split(" ", 1)[1] for b in moderator.options if b.payload.startswith("review:show:")
    ]
    assert names == found


async def test_approve_several_at_once(app: App, pending: list[Enterprise]) -> None:
    moderator = await member(app, Role.MODERATOR)
    await moderator.say("/duyet_dang_ky")
    await moderator.press("Duyệt nhiều hồ sơ")
    await moderator.press(f"review:tog:{pending[0].id}:0")
    await moderator.press(f"review:tog:{pending[1].id}:0")
    await moderator.press(f"review:tog:{pending[1].id}:0")  # changed their mind
    await moderator.press("Chọn cả trang này")
    assert "đã chọn 2" in moderator.text
    await moderator.press("Duyệt 2 hồ sơ đã chọn")
    assert pending[0].reference in moderator.text and pending[1].reference in moderator.text
    await moderator.press("Đồng ý, duyệt 2 hồ sơ")
    assert "Đã duyệt 2 hồ sơ" in moderator.text
    assert "Không có hồ sơ nào đang chờ duyệt" in moderator.text
    for e in pending[:2]:
        assert await _status(app, e) is EnterpriseStatus.APPROVED
    assert [e.action for e in await audit_entries(app)] == ["registration.approve"] * 2
    for who in ("p1", "p2"):
        [told] = await outbox_rows(app, Chat(app.router, external_id=who), "notice:")
        assert "đã được Sở Công Thương Hà Nội duyệt" in told.replies[0].text
    await tap(moderator, "review:bulkok")  # pressed again: nothing more happens
    assert len(await audit_entries(app)) == 2


async def test_on_a_numbered_channel_the_registrations_are_chosen_by_typing(
    app: App, pending: list[Enterprise]
) -> None:
    moderator = await member(app, Role.MODERATOR)  # the console numbers its options, as Zalo does
    await moderator.say("/duyet_dang_ky")
    await moderator.press("Duyệt nhiều hồ sơ")
    assert "Gõ số của các hồ sơ muốn duyệt" in moderator.text and "Bấm" not in moderator.text
    await moderator.say("1")
    assert "đã chọn 1" in moderator.text
    said = await moderator.say("ok")  # not a number: how to choose, never a guess
    assert "Gõ số của các hồ sơ để chọn" in said[0].text and "đã chọn 1" in said[-1].text
