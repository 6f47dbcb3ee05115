"""Fairs and booths end to end: `python main.py run` against the fake Telegram Bot API.

Browse → the card (venue pin, .ics file) → a deep link → two applications for the last booth →
the waiting list → withdrawal → the offer that follows → approval with a check-in QR code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

import main
from bot.core.clock import utcnow
from bot.core.types import UserRef
from storage.enterprises import EnterpriseFields, EnterpriseRepo
from storage.users import UserRepo
from tests.database import db_env, open_test_db
from tests.fakes.botproc import BotProcess
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456:TEST-token"
ADMIN, LAN, MAI = 1, 501, 502
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")

Json = dict  # type: ignore[type-arg]


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN, bot_username="ketnoi_test_bot") as server:
        yield server


def _calendar(path: Path) -> Path:
    """A one-booth fair a fortnight from now (the bot runs on the real clock)."""
    start = (datetime.now(HANOI) + timedelta(days=14)).replace(hour=8, minute=0)
    end = start + timedelta(days=2, hours=12)
    path.write_text(
        f"""fairs:
  - key: e2e-gom-su
    title: {{vi: "Hội chợ gốm sứ thử nghiệm", en: "Test ceramics fair"}}
    sectors: [ceramics]
    starts_at: "{start:%Y-%m-%d %H:%M}"
    ends_at: "{end:%Y-%m-%d %H:%M}"
    venue: {{name: "Bảo tàng Gốm sứ Kim Lan", address: "xã Bát Tràng, Hà Nội",
             latitude: 20.9665, longitude: 105.9205}}
    booths: 1
    max_booths_per_applicant: 1
    apply_by: "{(start - timedelta(days=3)):%Y-%m-%d}"
    description: {{vi: "Gốm Bát Tràng, men an toàn.", en: "Bát Tràng ceramics."}}
""",
        encoding="utf-8",
    )
    return path


async def _registered(db_path: Path, chats: dict[int, str]) -> None:
    """Establishments already registered (the registration has its own end-to-end tests)."""
    db = await open_test_db(db_path)
    try:
        for chat, name in chats.items():
            user = await UserRepo(db).ensure(UserRef(channel="telegram", external_id=str(chat)))
            fields = EnterpriseFields(
                name=name, kind="household", contact_name=name, phone=f"+84912{chat:06d}"
            )
            await EnterpriseRepo(db).create(user.account_id, fields, consent_at=utcnow())
    finally:
        await db.close()


def _payloads(message: Json) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def _with(payload: str):  # type: ignore[no-untyped-def]
    return lambda m: payload in _payloads(m)


def _starting(prefix: str):  # type: ignore[no-untyped-def]
    return lambda m: any(p.startswith(prefix) for p in _payloads(m))


def test_browse_apply_wait_withdraw_offer_and_approve(
    fake: FakeTelegram,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db_path = tmp_path / "ketnoi.db"
    monkeypatch.setenv("KETNOI_DB_PATH", str(db_path))
    assert main.main(["fairs", "import", str(_calendar(tmp_path / "fairs.yaml"))]) == 0
    asyncio.run(_registered(db_path, {LAN: "Cơ sở gốm Lan", MAI: "Cơ sở gốm Mai"}))
    env = {
        "KETNOI_TELEGRAM_TOKEN": TOKEN,
        "KETNOI_TELEGRAM_API_URL": fake.url,
        "KETNOI_TELEGRAM_USERNAME": "ketnoi_test_bot",
        **db_env(db_path),
        "KETNOI_ADMINS": f"telegram:{ADMIN}",
        "KETNOI_QUIET_HOURS": "off",
    }
    with BotProcess(env, cwd=tmp_path) as bot:
        # browse: the calendar, then the card with its map pin, then the calendar file
        fake.send_text(LAN, "/hoi_cho")
        listing = fake.wait_for_message(LAN, _with("fair:e2e-gom-su:card"), timeout=30)
        assert "Hội chợ gốm sứ thử nghiệm" in listing["text"]
        assert "Gian hàng: còn trống 1/1" in listing["text"]
        fake.press_button(LAN, "fair:e2e-gom-su:card")
        pin = fake.wait_for_message(LAN, lambda m: m["venue"] is not None)
        assert pin["venue"]["title"] == "Bảo tàng Gốm sứ Kim Lan"
        assert pin["venue"]["location"]["latitude"] == pytest.approx(20.9665)
        card = fake.wait_for_message(LAN, _with("fair:e2e-gom-su:apply"))
        assert "https://t.me/ketnoi_test_bot?start=fair_e2e-gom-su" in card["text"]
        fake.press_button(LAN, "fair:e2e-gom-su:ics")
        ics = fake.wait_for_message(LAN, lambda m: m["document"] is not None)
        assert ics["document"]["filename"] == "e2e-gom-su.ics"
        [event] = Calendar.from_ical(ics["document"]["bytes"]).walk("VEVENT")
        assert event.decoded("DTSTART").hour == 8
        assert str(event["LOCATION"]).startswith("Bảo tàng Gốm sứ Kim Lan")

        # Lan applies and takes the only booth
        fake.press_button(LAN, "fair:e2e-gom-su:apply")
        fake.wait_for_message(LAN, _with("apply:booths:1"))
        fake.press_button(LAN, "apply:booths:1")
        fake.wait_for_message(LAN, lambda m: "trưng bày" in (m["text"] or ""))
        fake.send_text(LAN, "Bát đĩa men lam")
        fake.wait_for_message(LAN, _with("apply:needs:power"))
        fake.press_button(LAN, "apply:needs:power")
        fake.wait_for_message(LAN, _with("apply:confirm"))
        fake.press_button(LAN, "apply:confirm")
        held = fake.wait_for_message(LAN, _starting("booth:"))
        assert "gian hàng đã được giữ cho bạn" in held["text"]
        lan_booth = next(p for p in _payloads(held) if p.endswith(":withdraw"))

        # Mai comes through a shared link and joins the waiting list
        fake.send_text(MAI, "/start fair_e2e-gom-su", first_name="Mai")
        fake.wait_for_message(MAI, lambda m: m["venue"] is not None, timeout=20)
        fake.wait_for_message(MAI, _with("fair:e2e-gom-su:apply"))
        fake.press_button(MAI, "fair:e2e-gom-su:apply", first_name="Mai")
        fake.wait_for_message(MAI, _with("apply:booths:1"))
        fake.send_text(MAI, "1", first_name="Mai")  # a number, as Zalo users answer
        fake.wait_for_message(MAI, lambda m: "trưng bày" in (m["text"] or ""))
        fake.send_text(MAI, "Lọ hoa gốm", first_name="Mai")
        fake.wait_for_message(MAI, _with("apply:needs:none"))
        fake.press_button(MAI, "apply:needs:none", first_name="Mai")
        fake.wait_for_message(MAI, _with("apply:confirm"))
        fake.press_button(MAI, "apply:confirm", first_name="Mai")
        waiting = fake.wait_for_message(MAI, _starting("booth:"))
        assert "danh sách chờ, số thứ tự 1" in waiting["text"]
        mai_booth = next(p for p in _payloads(waiting) if p.endswith(":withdraw"))
        mai_id = mai_booth.split(":")[1]

        # Lan withdraws; the running bot's outbox offers the booth to Mai
        fake.press_button(LAN, lan_booth)
        fake.wait_for_message(LAN, _with(lan_booth + "_yes"))
        fake.press_button(LAN, lan_booth + "_yes")
        assert "Đơn của bạn đã được rút." in fake.wait_for_message(LAN, _starting("fair:"))["text"]
        offer = fake.wait_for_message(MAI, _with(f"booth:{mai_id}:accept"), timeout=20)
        assert "vừa có 1 gian trống và dành cho bạn" in offer["text"]
        fake.press_button(MAI, f"booth:{mai_id}:accept", first_name="Mai")
        taken = fake.wait_for_message(MAI, _starting("fair:"))
        assert "Gian hàng là của bạn." in taken["text"]

        # the Department approves Mai's booth with the number offered
        fake.send_text(ADMIN, "/duyet_gian_hang", first_name="Sở")
        fairs = fake.wait_for_message(ADMIN, _starting("boothadm:fair:"), timeout=20)
        fake.press_button(ADMIN, _payloads(fairs)[0])
        fake.wait_for_message(ADMIN, _with(f"boothadm:{mai_id}:show"))
        fake.press_button(ADMIN, f"boothadm:{mai_id}:show")
        review = fake.wait_for_message(ADMIN, _with(f"boothadm:{mai_id}:ok:1"))
        assert "Cơ sở gốm Mai" in review["text"]
        fake.press_button(ADMIN, f"boothadm:{mai_id}:ok:1")
        qr = fake.wait_for_message(MAI, lambda m: m["photo"] is not None, timeout=20)
        assert qr["photo"]["bytes"].startswith(b"\x89PNG")
        assert "Số gian: 1" in qr["caption"]
        token = qr["caption"].split("(mã: ")[1].rstrip(").")
        assert bot.stop() == 0
    assert "Traceback" not in bot.logs()

    capsys.readouterr()
    assert main.main(["checkin", token]) == 0
    out = capsys.readouterr().out
    assert "VALID" in out and "Establishment: Cơ sở gốm Mai" in out and "Booths: 1" in out
    assert main.main(["checkin", token.replace(f"KN1.{mai_id}.", "KN1.1.")]) == 1
