"""The bot as deployed, `python main.py run`, against a local Telegram Bot API server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.database import db_env
from tests.fakes.botproc import BotProcess
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456:TEST-token"
CHAT = 4242


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN) as server:
        yield server


def _env(fake: FakeTelegram, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "KETNOI_TELEGRAM_TOKEN": TOKEN,
        "KETNOI_TELEGRAM_API_URL": fake.url,
        **db_env(tmp_path / "ketnoi.db"),
        "KETNOI_ADMINS": "telegram:1",
        **extra,
    }


def _labels(message: dict) -> list[str]:  # type: ignore[type-arg]
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def test_start_menu_language_and_the_menu_in_english(fake: FakeTelegram, tmp_path: Path) -> None:
    with BotProcess(_env(fake, tmp_path, KETNOI_LOG_LEVEL="debug"), cwd=tmp_path) as bot:
        fake.send_text(CHAT, "/start", first_name="Hoa")
        welcome = fake.wait_for_message(CHAT, timeout=30)
        assert welcome["text"].startswith("Xin chào Hoa!")
        assert _labels(welcome) == [
            "Đăng ký vào mạng lưới",
            "Hội chợ sắp tới",
            "Gian hàng của tôi",
            "Nhắc lịch",
            "Hỏi đáp",
            "Ngôn ngữ",
        ]
        fake.send_text(CHAT, "/language")
        choose = fake.wait_for_message(CHAT)
        assert _labels(choose) == ["Tiếng Việt", "English"]
        fake.press_button(CHAT, "lang:en")
        english = fake.wait_for_message(CHAT)
        assert english["text"] == "Language set to English."
        assert _labels(english)[:2] == ["Register into the network", "Upcoming fairs"]
        assert fake.callback_answers, "the button press was answered (no spinner left)"
        fake.send_text(CHAT, "/menu")
        assert fake.wait_for_message(CHAT)["text"].startswith("What would you like to do?")
        assert bot.stop() == 0  # SIGTERM: a clean shutdown
    logs = bot.logs()
    assert TOKEN not in logs and TOKEN.split(":")[1] not in logs
    assert "route=command:start" in logs and str(CHAT) not in logs


def test_commands_are_published_in_vietnamese_and_english(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    with BotProcess(_env(fake, tmp_path), cwd=tmp_path) as bot:
        fake.send_text(CHAT, "/start")
        fake.wait_for_message(CHAT, timeout=30)
        vi = {c["command"]: c["description"] for c in fake.commands["vi"]}
        en = {c["command"]: c["description"] for c in fake.commands["en"]}
        assert vi["ngon_ngu"] == "Đổi ngôn ngữ" and "language" not in vi
        assert en["language"] == "Change the language" and "ngon_ngu" not in en
        assert fake.commands[""] == fake.commands["vi"]  # default: the primary language
        bot.stop()


def test_stickers_photos_and_bad_buttons_get_polite_answers(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    with BotProcess(_env(fake, tmp_path), cwd=tmp_path) as bot:
        fake.send_sticker(CHAT)
        assert "chỉ đọc được tin nhắn chữ" in fake.wait_for_message(CHAT, timeout=30)["text"]
        fake.send_photo_from_user(CHAT)
        assert "chỉ đọc được tin nhắn chữ" in fake.wait_for_message(CHAT)["text"]
        fake.send_text(CHAT, "/start")
        fake.wait_for_message(CHAT)
        fake.press_button(CHAT, "menu:language")
        fake.wait_for_message(CHAT)
        # a forged payload nobody offered
        fake.send_text(CHAT, "/khong_co_lenh_nay")
        assert "/khong_co_lenh_nay" in fake.wait_for_message(CHAT)["text"]
        assert bot.stop() == 0
    assert "Traceback" not in bot.logs()


def test_forged_out_of_range_buttons_get_a_polite_answer_and_no_traceback(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    owner = 1  # KETNOI_ADMINS: staff payloads reach the staff handlers' checks
    with BotProcess(_env(fake, tmp_path), cwd=tmp_path) as bot:
        for chat, forged in (
            (CHAT, "booth:99999999999999999999:show"),
            (CHAT, "booth:" + "9" * 58),
            (CHAT, "fb:-1:v:50_200"),
            (owner, "auditlog:99999999999999999999"),
            (owner, "regadm:ok:99999999999999999999"),
            (owner, "roles:12:set:emperor"),
        ):
            fake.send_text(chat, "/start")
            menu = fake.wait_for_message(chat, timeout=30)
            fake.press_button(chat, forged, message_id=menu["message_id"])
            assert "không còn hiệu lực" in fake.wait_for_message(chat)["text"]
        assert bot.stop() == 0
    logs = bot.logs()
    assert "Traceback" not in logs and "update failed" not in logs
    assert logs.count("refused payload") == 6


def test_an_invalid_token_stops_with_one_clear_line(tmp_path: Path) -> None:
    with FakeTelegram(token="999:other") as other:
        bot = BotProcess(_env(other, tmp_path), cwd=tmp_path).start()
        assert bot.proc is not None
        code = bot.proc.wait(timeout=30)
        assert code == 2
        assert "KETNOI_TELEGRAM_TOKEN was refused" in bot.logs()
        assert "Traceback" not in bot.logs()


def test_webhook_mode_accepts_only_the_right_secret(fake: FakeTelegram, tmp_path: Path) -> None:
    port = _free_port()
    env = _env(
        fake,
        tmp_path,
        KETNOI_WEBHOOK_URL="https://ketnoi.example.vn",
        KETNOI_WEBHOOK_SECRET="s3cret-value",
        KETNOI_LISTEN=f"127.0.0.1:{port}",
    )
    with BotProcess(env, cwd=tmp_path) as bot:
        fake.wait_for_call("setWebhook", timeout=30)
        assert fake.webhook["url"] == "https://ketnoi.example.vn/telegram"
        assert fake.webhook["secret_token"] == "s3cret-value"
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": CHAT, "type": "private"},
                "from": {"id": CHAT, "is_bot": False, "first_name": "Hoa"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        url = f"http://127.0.0.1:{port}/telegram"
        assert _post(url, update, None) == 403
        assert _post(url, update, "wrong") == 403
        assert fake.sent(CHAT) == []
        assert _post(url, update, "s3cret-value") == 200
        assert fake.wait_for_message(CHAT)["text"].startswith("Xin chào Hoa!")
        # with the right secret: not an update, not JSON, too big
        assert _post(url, {"update_id": 2, "message": {"text": 5}}, "s3cret-value") == 400
        assert _post(url, update, "s3cret-value", content_type="text/plain") == 415
        assert _post(url, {"x": "y" * 2_000_000}, "s3cret-value") == 413
        assert len(fake.sent(CHAT)) == 1
        assert bot.stop() == 0
    assert "Traceback" not in bot.logs()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(
    url: str,
    body: dict,  # type: ignore[type-arg]
    secret: str | None,
    content_type: str = "application/json",
) -> int:
    headers = {"Content-Type": content_type}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    for _ in range(100):
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as err:
            return err.code
        except urllib.error.URLError:
            import time

            time.sleep(0.1)  # the bot is still starting its webhook server
    raise AssertionError("webhook server never answered")
