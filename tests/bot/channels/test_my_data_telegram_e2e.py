"""Personal data rights end to end on Telegram (python-telegram-bot against the fake Bot API):
a producer registers, asks for a copy and receives both files, withdraws her consent and is
told; afterwards an announcement reaches others but not her, her phone and tax code are in no
table and no new export, and the audit log has her requests under a pseudonym. An approved
booth at a fair not yet over is withdrawn by staff first, then she is told."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import main
from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.core.clock import utcnow
from bot.core.types import UserRef
from bot.engine.ratelimit import Limiter
from bot.services.fair_import import import_fairs
from storage.enterprises import EnterpriseFields, EnterpriseStatus
from tests.conftest import make_settings
from tests.fair_data import fair_fields
from tests.fakes.telegram_api import FakeTelegram
from tests.handlers.registration_walk import BAT_TRANG

TOKEN = "123456:TEST-token"
ADMIN, LAN, MAI = 1, 4343, 4444
PHONE_FORMS = ("+84912345678", "0912 345 678", "0912345678")
TAX_CODE = "001085012345"

Json = dict[str, Any]


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN) as server:
        yield server


@contextlib.asynccontextmanager
async def serving(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[App]:
    """The App with its Telegram channel and outbox, as `ketnoi run` has them."""
    settings = make_settings(
        tmp_path,
        telegram_token=TOKEN,
        telegram_api_url=fake.url,
        admins=f"telegram:{ADMIN}",
        quiet_hours="off",
    )
    app = App(settings)
    await app.open()
    channel = TelegramChannel(settings, app.dispatcher)
    channel.limiter = app.outlets.limiters["telegram"] = Limiter(30, chat_rate=1000, chat_burst=100)
    await channel.start()
    outbox = asyncio.get_running_loop().create_task(app.outbox.run())
    try:
        yield app
    finally:
        outbox.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await outbox
        await channel.stop()
        await app.close()


def _payloads(message: Json) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


async def _press(fake: FakeTelegram, chat: int, data: str, **match: str) -> Json:
    fake.press_button(chat, data)
    return await _next(fake, chat, **match)


async def _say(fake: FakeTelegram, chat: int, text: str, **match: str) -> Json:
    fake.send_text(chat, text)
    return await _next(fake, chat, **match)


async def _next(fake: FakeTelegram, chat: int, *, has: str = "", button: str = "") -> Json:
    """The next message in the chat holding the text `has` and the button `button`."""
    return await fake.await_message(
        chat,
        lambda m: (
            has in (m["text"] or m["caption"] or "") and (not button or button in _payloads(m))
        ),
    )


async def _register(fake: FakeTelegram) -> None:
    """Lan registers her household with the buttons, as on her phone."""
    await _say(fake, LAN, "/dang_ky", button="reg:consent:yes")
    await _press(fake, LAN, "reg:consent:yes", has="Tên cơ sở")
    await _say(fake, LAN, "Cơ sở gốm Minh Hải", button="reg:kind:household")
    await _press(fake, LAN, "reg:kind:household", button="reg:roles:producer")
    fake.press_button(LAN, "reg:roles:producer")
    await fake.await_call("editMessageText")
    await _press(fake, LAN, "reg:roles:done", button="reg:sectors:ceramics")
    fake.press_button(LAN, "reg:sectors:ceramics")
    await fake.await_call("editMessageText")
    await _press(fake, LAN, "reg:sectors:done", has="phường, xã nào")
    await _say(fake, LAN, "bat trang", button=f"reg:ward_pick:{BAT_TRANG}")
    await _press(fake, LAN, f"reg:ward_pick:{BAT_TRANG}", button="reg:address:skip")
    await _press(fake, LAN, "reg:address:skip", has="Người liên hệ")
    await _say(fake, LAN, "Nguyễn Thị Lan", has="số điện thoại")
    await _say(fake, LAN, "0912 345 678", has="Mã số thuế")
    await _say(fake, LAN, TAX_CODE, has="Sản phẩm chính")
    await _say(fake, LAN, "Bát đĩa men lam", button="reg:ocop:4")
    await _press(fake, LAN, "reg:ocop:4", button="reg:practices:energy_saving")
    fake.press_button(LAN, "reg:practices:energy_saving")
    await fake.await_call("editMessageText")
    await _press(fake, LAN, "reg:practices:done", button="reg:summary:confirm")
    await _press(fake, LAN, "reg:summary:confirm", has="Mã hồ sơ: HN-")


async def _everything_stored(app: App) -> str:
    db = app.router.services.db
    values: list[str] = []
    for table in await db.schema():
        for row in await db.fetchall(f"SELECT * FROM {table}"):
            values += [str(v) for v in tuple(row) if v is not None]
    return "\n".join(values)


async def test_a_copy_then_consent_withdrawn_and_nothing_left(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    announcement = tmp_path / "announcement.txt"
    announcement.write_text("Hội chợ gốm sứ mở đăng ký gian hàng.", encoding="utf-8")
    async with serving(fake, tmp_path) as app:
        await _register(fake)
        await _say(fake, MAI, "/start", has="Xin chào")

        overview = await _say(fake, LAN, "/du_lieu_cua_toi", button="mydata:copy")
        assert "Sở Công Thương Hà Nội" in overview["text"] and "0010******45" in overview["text"]
        await _press(fake, LAN, "mydata:copy", has="bản sao")
        readable = await fake.await_message(LAN, lambda m: m["document"] is not None)
        machine = await fake.await_message(LAN, lambda m: m["document"] is not None)
        assert readable["document"]["filename"].endswith(".txt")
        assert f"Mã số thuế: {TAX_CODE}" in bytes(readable["document"]["bytes"]).decode()
        data = json.loads(bytes(machine["document"]["bytes"]))
        assert data["registration"]["tax_code"] == TAX_CODE
        assert data["registration"]["phone"] == "+84912345678"

        await _say(fake, LAN, "/du_lieu_cua_toi", button="mydata:erase")
        await _press(fake, LAN, "mydata:erase", button="mydata:erase_yes")
        told = await _press(fake, LAN, "mydata:erase_yes", has="Xong")
        assert "dữ liệu của bạn đã được xóa" in told["text"] and "P-" in told["text"]

        argv = ["broadcast", "--audience", "all", "--text-file", str(announcement), "--yes"]
        assert await asyncio.to_thread(main.main, [*argv, "--no-wait"]) == 0
        await fake.await_message(MAI, lambda m: "mở đăng ký gian hàng" in (m["text"] or ""))
        rows = await app.router.services.db.fetchall(
            "SELECT u.external_id FROM outbox o JOIN users u ON u.id = o.user_id"
            " WHERE broadcast_id IS NOT NULL"
        )
        # Mai and the admin (written to about Lan's registration); Lan is not a recipient
        assert sorted(r[0] for r in rows) == [str(ADMIN), str(MAI)]
        await asyncio.sleep(0.3)
        assert not any("mở đăng ký gian hàng" in (m["text"] or "") for m in fake.sent(LAN))

        everything = await _everything_stored(app)
        for needle in (*PHONE_FORMS, TAX_CODE, "Minh Hải", str(LAN)):
            assert needle not in everything, needle
        export = tmp_path / "export.csv"
        argv = ["export", "enterprises", "--purpose", "report", "-o", str(export)]
        assert await asyncio.to_thread(main.main, argv) == 0
        exported = export.read_text(encoding="utf-8-sig")
        assert not any(n in exported for n in (*PHONE_FORMS, TAX_CODE, "Minh Hải"))
        entries, _ = await app.router.services.audit.repo.page(0, 50)
        mine = [e for e in entries if e.action.startswith("data.")]
        assert [e.action for e in mine] == ["data.erase", "data.copy"]
        assert {e.actor for e in mine} == {mine[0].actor} and mine[0].actor.startswith("P-")
        assert mine[0].actor_id is None and mine[0].after["removed"]["registration"] == 1


async def test_an_approved_booth_is_withdrawn_by_staff_then_she_is_told(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    async with serving(fake, tmp_path) as app:
        svc = app.router.services
        starts = utcnow() + timedelta(days=14)
        await import_fairs(
            app.router.services,
            [
                fair_fields(
                    "e2e-gom-su",
                    starts_at=starts,
                    ends_at=starts + timedelta(days=2),
                    apply_by=(starts - timedelta(days=3)).date(),
                )
            ],
        )
        await _say(fake, LAN, "/start", has="Xin chào")
        await _say(fake, ADMIN, "/start", has="Xin chào")
        lan = await svc.users.find(UserRef(channel="telegram", external_id=str(LAN)))
        assert lan is not None
        fields = EnterpriseFields(
            name="Cơ sở gốm Minh Hải",
            kind="household",
            roles=["producer"],
            sectors=["ceramics"],
            ward_code=BAT_TRANG,
            contact_name="Nguyễn Thị Lan",
            phone="+84912345678",
            tax_code=TAX_CODE,
        )
        e = await svc.enterprises.create(lan.account_id, fields, utcnow(), "2026.1")
        await svc.enterprises.set_status(e.id, EnterpriseStatus.APPROVED)
        await _say(fake, LAN, "/start fair_e2e-gom-su", button="fair:e2e-gom-su:apply")
        await _press(fake, LAN, "fair:e2e-gom-su:apply", button="apply:booths:1")
        await _press(fake, LAN, "apply:booths:1", has="trưng bày")
        await _say(fake, LAN, "Bát đĩa men lam", button="apply:needs:power")
        await _press(fake, LAN, "apply:needs:power", button="apply:confirm")
        await _press(fake, LAN, "apply:confirm", has="giữ")
        [application] = await svc.booths.for_account(lan.account_id)
        async with svc.db.transaction():
            assert await svc.booths.approve(application.id, ["B7"], lan.id) is not None

        await _say(fake, LAN, "/du_lieu_cua_toi", button="mydata:erase")
        ask = await _press(fake, LAN, "mydata:erase", button="mydata:erase_yes")
        assert "B7" in ask["text"] and "72 giờ" in ask["text"]
        kept = await _press(fake, LAN, "mydata:erase_yes", has="B7")
        assert "Thông báo và lời nhắc đã dừng" in kept["text"]

        notice = await fake.await_message(ADMIN, lambda m: "B7" in (m["text"] or ""))
        [show] = _payloads(notice)
        request = await _press(fake, ADMIN, show, button=show.replace("show", "done"))
        assert "B7" in request["text"]
        done = await _press(fake, ADMIN, show.replace("show", "done"), has="Đã xử lý xong")
        assert "Đã xóa:" in done["text"]
        told = await fake.await_message(LAN, lambda m: "Sở đã rút" in (m["text"] or ""))
        assert "Được giữ lại" in told["text"]

        withdrawn = await svc.booths.get(application.id)
        assert withdrawn is None
        everything = await _everything_stored(app)
        for needle in (*PHONE_FORMS, TAX_CODE, "Minh Hải"):
            assert needle not in everything, needle
