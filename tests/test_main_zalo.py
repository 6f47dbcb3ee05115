"""End to end on Zalo: `python main.py run` as a process, against the fake Zalo Bot API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.zalo_api import FakeZalo

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "1459232241454765289:zalo-test-token"
CHAT = "e4ea2cd5189df1c3a88c"


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    with FakeZalo(token=TOKEN) as server:
        yield server


def start_bot(tmp_path: Path, fake: FakeZalo, token: str = TOKEN) -> subprocess.Popen[str]:
    """ketnoi run with only the Zalo channel configured, on a database in tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETNOI_")}
    env |= {
        "KETNOI_ZALO_TOKEN": token,
        "KETNOI_ZALO_API_URL": fake.url,
        "KETNOI_DB_PATH": str(tmp_path / "ketnoi.db"),
    }
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "run"],
        cwd=tmp_path,  # no .env of the developer's
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop_bot(bot: subprocess.Popen[str]) -> tuple[int, str]:
    """SIGTERM, as systemd or docker stop would; returns the exit status and stderr."""
    bot.send_signal(signal.SIGTERM)
    _, err = bot.communicate(timeout=20)
    return bot.returncode, err


class User:
    """A producer on Zalo: types a line and reads the bot's next message."""

    def __init__(self, fake: FakeZalo, chat_id: str = CHAT) -> None:
        self.fake = fake
        self.chat_id = chat_id

    def say(self, text: str, timeout: float = 10.0) -> str:
        self.fake.send_text(self.chat_id, text, display_name="Bà Lan")
        return str(self.fake.wait_for_message(self.chat_id, timeout=timeout)["text"])


def test_start_menu_and_language_on_zalo(tmp_path: Path, fake: FakeZalo) -> None:
    bot = start_bot(tmp_path, fake)
    lan = User(fake)
    try:
        fake.wait_for_call("getUpdates", timeout=30)  # it is up and polling
        welcome = lan.say("/start")
        menu = lan.say("/menu")
        languages = lan.say("6")
        english = lan.say("2")
        again = lan.say("/language")
        vietnamese = lan.say("tieng viet")  # the label, typed without diacritics
    finally:
        status, err = stop_bot(bot)

    assert welcome.startswith("Xin chào Bà Lan")
    assert "1. Đăng ký vào mạng lưới" in welcome.splitlines()
    assert menu.splitlines()[1:] == [
        "1. Đăng ký vào mạng lưới",
        "2. Hội chợ sắp tới",
        "3. Gian hàng của tôi",
        "4. Nhắc lịch",
        "5. Hỏi đáp",
        "6. Ngôn ngữ",
    ]
    assert languages.splitlines() == ["Chọn ngôn ngữ của bạn:", "1. Tiếng Việt", "2. English"]
    assert english.splitlines()[0] == "Language set to English."
    assert "6. Language" in english.splitlines()
    assert again.splitlines()[0] == "Choose your language:"
    assert vietnamese.splitlines()[0] == "Đã chuyển sang tiếng Việt."
    assert status == 0 and "Traceback" not in err


def test_an_invalid_token_is_one_clear_line_and_status_2(tmp_path: Path, fake: FakeZalo) -> None:
    bot = start_bot(tmp_path, fake, token="1:WRONG")
    _, err = bot.communicate(timeout=30)

    assert bot.returncode == 2
    assert err.strip().splitlines()[-1] == (
        "ketnoi: KETNOI_ZALO_TOKEN was refused by Zalo (invalid token)"
    )
    assert "Traceback" not in err and "WRONG" not in err
