"""The bot as deployed, `python main.py run`, against a local Zalo Bot API server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.botproc import BotProcess
from tests.fakes.zalo_api import FakeZalo

TOKEN = "1459232241454765289:zalo-test-token"
CHAT = "e4ea2cd5189df1c3a88c"


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    with FakeZalo(token=TOKEN) as server:
        yield server


def zalo_only(fake: FakeZalo, tmp_path: Path, token: str = TOKEN) -> BotProcess:
    """ketnoi run with only the Zalo channel configured, on a database in tmp_path."""
    env = {
        "KETNOI_ZALO_TOKEN": token,
        "KETNOI_ZALO_API_URL": fake.url,
        "KETNOI_DB_PATH": str(tmp_path / "ketnoi.db"),
    }
    return BotProcess(env, cwd=tmp_path)


class User:
    """A producer on Zalo: types a line and reads the bot's next message."""

    def __init__(self, fake: FakeZalo, chat_id: str = CHAT) -> None:
        self.fake = fake
        self.chat_id = chat_id

    def say(self, text: str, timeout: float = 10.0) -> str:
        self.fake.send_text(self.chat_id, text, display_name="Bà Lan")
        return str(self.fake.wait_for_message(self.chat_id, timeout=timeout)["text"])


def test_start_menu_and_language_on_zalo(tmp_path: Path, fake: FakeZalo) -> None:
    lan = User(fake)
    with zalo_only(fake, tmp_path) as bot:
        fake.wait_for_call("getUpdates", timeout=30)  # it is up and polling
        welcome = lan.say("/start")
        menu = lan.say("/menu")
        languages = lan.say("6")
        english = lan.say("2")
        again = lan.say("/language")
        vietnamese = lan.say("tieng viet")  # the label, typed without diacritics
        status = bot.stop()

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
    assert status == 0 and "Traceback" not in bot.logs()


def test_an_invalid_token_is_one_clear_line_and_status_2(tmp_path: Path, fake: FakeZalo) -> None:
    with zalo_only(fake, tmp_path, token="1:WRONG") as bot:
        assert bot.proc is not None
        status = bot.proc.wait(timeout=30)

    logs = bot.logs()
    assert status == 2
    assert logs.strip().splitlines()[-1] == (
        "ketnoi: KETNOI_ZALO_TOKEN was refused by Zalo (invalid token)"
    )
    assert "Traceback" not in logs and "WRONG" not in logs
