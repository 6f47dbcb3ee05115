"""Staff approve allocated applications with booth numbers (and a check-in QR code), or reject
them with a reason; `ketnoi checkin` admits genuine codes and refuses forged ones."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
import time_machine

import main
from bot.app import App
from bot.services.checkin import checkin_key, sign
from storage.booths import BoothApplication, BoothStatus
from storage.outbox import OutboxRow
from tests.chat import Chat
from tests.fair_data import HANOI, make_fair, outbox_rows, register_enterprise, tap

pytestmark = pytest.mark.today


@pytest.fixture
def admin(app: App) -> Chat:
    """An owner listed in KETNOI_ADMINS (console:admin in the test settings)."""
    return Chat(app.router, external_id="admin", name="Cán bộ Sở")


async def _applicant(app: App, who: str, booths: int) -> tuple[Chat, BoothApplication]:
    chat = Chat(app.router, external_id=who, name=who)
    await register_enterprise(app, chat, name=f"Cơ sở {who}")
    await chat.say("/start fair_test-fair")
    await chat.press("fair:test-fair:apply")
    await chat.press(f"apply:booths:{booths}")
    await chat.say("Bát đĩa men lam")
    await chat.press("apply:needs:power")
    await chat.press("apply:confirm")
    user = await app.router.services.users.find(chat.user)
    assert user is not None
    [mine] = await app.router.services.booths.for_account(user.account_id)
    return chat, mine


async def _notices(app: App, chat: Chat) -> list[OutboxRow]:
    return await outbox_rows(app, chat, "notice:")


async def _checkin(token: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`ketnoi checkin TOKEN` as staff run it (its own process-like App and connection)."""
    capsys.readouterr()
    code = await asyncio.to_thread(main.main, ["checkin", token])
    return code, capsys.readouterr().out


async def test_approval_sends_a_qr_code_that_checkin_accepts(
    app: App,
    admin: Chat,
    capsys: pytest.CaptureFixture[str],
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    await make_fair(app, booths=5)
    lan, application = await _applicant(app, "lan", 2)

    await admin.say("/duyet_gian_hang")
    assert "Hội chợ thử nghiệm (1)" in [b.label for b in admin.options]
    await admin.press(1)
    await admin.press(f"boothadm:{application.id}:show")
    assert "Cơ sở lan" in admin.text and "Nhu cầu đặc biệt: Điện" in admin.text
    await admin.press("Duyệt: gian số 1, 2")

    assert f"Đã duyệt đơn #{application.id} với gian số 1, 2" in admin.text
    [approved] = await _notices(app, lan)
    reply = approved.replies[0]
    assert "đã được duyệt" in reply.text and "Số gian: 1, 2" in reply.text
    assert reply.photo is not None and reply.photo.startswith(b"\x89PNG")
    token = reply.text.split("(mã: ")[1].rstrip(").")

    code, out = await _checkin(token, capsys)
    assert code == 0 and "VALID, but the fair has not started" in out  # 23 November

    time_machine.move_to(datetime(2026, 12, 7, 7, 30, tzinfo=HANOI), tick=True)
    code, out = await _checkin(token, capsys)
    assert code == 0
    assert out.startswith("VALID: checked in.")
    assert "Establishment: Cơ sở lan" in out
    assert "Fair: Hội chợ thử nghiệm (test-fair)" in out
    assert "Booths: 1, 2" in out
    code, out = await _checkin(token, capsys)
    assert code == 0 and "already checked in at 2026-12-07 07:30" in out

    tampered = token.replace(f"KN1.{application.id}.", f"KN1.{application.id + 1}.")
    code, out = await _checkin(tampered, capsys)
    assert code == 1 and "REFUSED: this code is not genuine" in out
    code, out = await _checkin(token[:-2] + ("AA" if not token.endswith("AA") else "BB"), capsys)
    assert code == 1 and "not genuine" in out

    time_machine.move_to(datetime(2026, 12, 12, 0, 0, tzinfo=HANOI), tick=True)
    code, out = await _checkin(token, capsys)
    assert code == 1 and "REFUSED: the code has expired" in out


async def test_the_applicant_can_show_the_qr_code_again(app: App, admin: Chat) -> None:
    await make_fair(app, booths=5)
    lan, application = await _applicant(app, "lan", 1)
    await admin.say("/duyet_gian_hang")
    await admin.press(1)
    await admin.press(f"boothadm:{application.id}:show")
    await admin.press(f"boothadm:{application.id}:numbers")
    await admin.say("b7")

    await lan.say("/gian_hang")
    await lan.press(f"booth:{application.id}:show")
    assert "Số gian: B7" in lan.text
    await lan.press(f"booth:{application.id}:qr")
    assert lan.last.photo is not None
    key = await _key(app)
    assert f"(mã: {sign(key, application.id)})" in lan.text


async def _key(app: App) -> bytes:
    svc = app.router.services
    return await checkin_key(svc.settings, svc.signing_keys)


async def test_typed_booth_numbers_are_checked(app: App, admin: Chat) -> None:
    await make_fair(app, booths=5)
    _, first = await _applicant(app, "lan", 1)
    _, second = await _applicant(app, "mai", 2)
    await admin.say("/duyet_gian_hang")
    await admin.press(1)
    await admin.press(f"boothadm:{first.id}:show")
    await admin.press(f"boothadm:{first.id}:numbers")
    await admin.say("A1")

    await admin.press(f"boothadm:{second.id}:show")
    await admin.press(f"boothadm:{second.id}:numbers")
    await admin.say("A2")
    assert "Vui lòng nhập 2 số gian khác nhau." in admin.text
    await admin.say("A2 A2")
    assert "Vui lòng nhập 2 số gian khác nhau." in admin.text
    await admin.say("a1, a2")
    assert "Gian A1 đã được giao cho cơ sở khác." in admin.text
    await admin.say("gian #3!")
    assert "Số gian gồm chữ và số" in admin.text
    await admin.say("A2; A3")
    assert f"Đã duyệt đơn #{second.id} với gian số A2, A3" in admin.text
    stored = await app.router.services.booths.get(second.id)
    assert stored is not None and stored.booth_numbers == ["A2", "A3"]


async def test_rejection_tells_the_reason_and_frees_the_booths(app: App, admin: Chat) -> None:
    await make_fair(app, booths=2)
    lan, first = await _applicant(app, "lan", 2)
    mai, second = await _applicant(app, "mai", 1)
    await admin.say("/duyet_gian_hang")
    await admin.press(1)
    await admin.press(f"boothadm:{first.id}:show")
    await admin.press(f"boothadm:{first.id}:reject")
    await admin.say("ok")
    assert "Vui lòng nêu lý do" in admin.text
    await admin.say("Sản phẩm không thuộc ngành gốm sứ")

    assert f"Đã từ chối đơn #{first.id}" in admin.text
    [told] = await _notices(app, lan)
    assert "Lý do: Sản phẩm không thuộc ngành gốm sứ" in told.replies[0].text
    assert (await app.router.services.booths.get(second.id)).status is BoothStatus.OFFERED  # type: ignore[union-attr]
    assert len(await _notices(app, mai)) == 1

    await lan.say("/start fair_test-fair")
    await tap(lan, "fair:test-fair:apply")
    assert "Lý do: Sản phẩm không thuộc ngành gốm sứ" in lan.text  # refused, shown as it is


async def test_only_admins_approve(app: App) -> None:
    await make_fair(app, booths=2)
    lan, application = await _applicant(app, "lan", 1)
    await lan.say("/duyet_gian_hang")
    assert "bạn không có quyền" in lan.text
    await tap(lan, f"boothadm:{application.id}:ok:1")  # a forged button
    assert "bạn không có quyền" in lan.text
    assert (await app.router.services.booths.get(application.id)).status is BoothStatus.ALLOCATED  # type: ignore[union-attr]


async def test_nothing_to_approve(admin: Chat) -> None:
    await admin.say("/duyet_gian_hang")
    assert "Không có đơn đăng ký gian hàng nào đang chờ duyệt." in admin.text
