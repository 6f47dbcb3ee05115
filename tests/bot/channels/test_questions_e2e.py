"""Typed questions end to end: `python main.py run` against the fake Telegram and Zalo APIs,
answered with a fair's data; what the bot did not understand is listed for staff."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import main
from bot.core.i18n import I18n
from tests.database import db_env
from tests.fakes.botproc import BotProcess
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo

TELEGRAM_TOKEN = "123456:TEST-token"
ZALO_TOKEN = "1459232241454765289:zalo-test-token"
LAN = 501
ZALO_CHAT = "e4ea2cd5189df1c3a88c"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TELEGRAM_TOKEN, bot_username="ketnoi_test_bot") as server:
        yield server


@pytest.fixture
def zalo() -> Iterator[FakeZalo]:
    with FakeZalo(token=ZALO_TOKEN) as server:
        yield server


def import_fairs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> datetime:
    """A ceramics fair a fortnight from now and a silk fair after it; returns the first's start."""
    monkeypatch.setenv("KETNOI_DB_PATH", str(tmp_path / "ketnoi.db"))
    start = (datetime.now(HANOI) + timedelta(days=14)).replace(hour=8, minute=0, microsecond=0)
    later = start + timedelta(days=30)
    path = tmp_path / "fairs.yaml"
    path.write_text(
        f"""fairs:
  - key: e2e-gom
    title: {{vi: "Hội chợ gốm thử nghiệm", en: "Test ceramics fair"}}
    sectors: [ceramics]
    starts_at: "{start:%Y-%m-%d %H:%M}"
    ends_at: "{start + timedelta(days=2, hours=12):%Y-%m-%d %H:%M}"
    venue: {{name: "Bảo tàng Gốm sứ Kim Lan", address: "xã Bát Tràng, Hà Nội",
             latitude: 20.9665, longitude: 105.9205}}
    booths: 12
    apply_by: "{start - timedelta(days=3):%Y-%m-%d}"
  - key: e2e-lua
    title: {{vi: "Hội chợ lụa thử nghiệm", en: "Test silk fair"}}
    sectors: [textile_silk]
    starts_at: "{later:%Y-%m-%d %H:%M}"
    ends_at: "{later + timedelta(days=2):%Y-%m-%d %H:%M}"
    venue: {{name: "Làng lụa Vạn Phúc", address: "phố Vạn Phúc, phường Hà Đông, Hà Nội",
             latitude: 20.9805, longitude: 105.7760}}
    booths: 40
    apply_by: "{later - timedelta(days=3):%Y-%m-%d}"
""",
        encoding="utf-8",
    )
    assert main.main(["fairs", "import", str(path)]) == 0
    return start


def vietnamese_date(moment: datetime) -> str:
    return I18n("vi", HANOI).get("vi").date(moment)


def test_a_question_on_telegram_is_answered_with_the_fair(
    telegram: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = import_fairs(tmp_path, monkeypatch)
    env = {
        "KETNOI_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "KETNOI_TELEGRAM_API_URL": telegram.url,
        **db_env(tmp_path / "ketnoi.db"),
    }
    with BotProcess(env, cwd=tmp_path):
        telegram.send_text(LAN, "hội chợ gốm khi nào")
        answer = telegram.wait_for_message(LAN, lambda m: "gốm" in (m["text"] or ""), timeout=30)
        assert answer["text"].startswith("Hội chợ gốm thử nghiệm")
        assert vietnamese_date(start) in answer["text"]
        assert "Bảo tàng Gốm sứ Kim Lan" in answer["text"]
        assert "Gian hàng: còn trống 12/12" in answer["text"]
        assert "lụa" not in answer["text"]

        telegram.send_text(LAN, "hc lua o dau")
        pin = telegram.wait_for_message(LAN, lambda m: m["venue"] is not None)
        assert pin["venue"]["title"] == "Làng lụa Vạn Phúc"

        telegram.send_text(LAN, "asdf qwerty")
        telegram.wait_for_message(LAN, lambda m: "chưa hiểu" in (m["text"] or ""))


def test_a_question_on_zalo_is_answered_and_options_are_numbered(
    zalo: FakeZalo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    start = import_fairs(tmp_path, monkeypatch)
    env = {
        "KETNOI_ZALO_TOKEN": ZALO_TOKEN,
        "KETNOI_ZALO_API_URL": zalo.url,
        **db_env(tmp_path / "ketnoi.db"),
    }

    def say(text: str, expect: str) -> str:
        zalo.send_text(ZALO_CHAT, text, display_name="Bà Lan")
        found = zalo.wait_for_message(ZALO_CHAT, lambda m: expect in m["text"], timeout=30)
        return str(found["text"])

    with BotProcess(env, cwd=tmp_path):
        zalo.wait_for_call("getUpdates", timeout=30)
        answer = say("hoi cho gom su khi nao", "Hội chợ gốm thử nghiệm")
        assert vietnamese_date(start) in answer and "còn trống 12/12" in answer

        options = say("gian hang", "Có phải bạn muốn hỏi")
        assert "1. Đăng ký gian hàng thế nào?" in options
        say("1", "Cơ sở cần đăng ký vào mạng lưới trước.")

        say("xổ số miền bắc", "chưa hiểu")
        say("XỔ SỐ miền Bắc!", "chưa hiểu")

    capsys.readouterr()
    assert main.main(["questions", "unanswered"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].split()[0] == "2" and lines[1].endswith("XỔ SỐ miền Bắc!")
