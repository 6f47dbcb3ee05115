"""Settings: defaults, parsing, and one clear line for each bad value."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from bot.core.config import ConfigError, load_settings
from bot.core.types import UserRef

ROOT = Path(__file__).resolve().parents[3]


def test_defaults_follow_the_design(monkeypatch: pytest.MonkeyPatch) -> None:
    s = load_settings(_env_file=None)
    assert s.timezone == "Asia/Ho_Chi_Minh"
    assert s.locale == "vi"
    assert s.quiet_hours is not None
    assert (s.quiet_hours.start, s.quiet_hours.end) == (time(21, 0), time(7, 0))
    assert s.telegram_token is None and s.admins == []


def test_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETNOI_ADMINS", "telegram:123456, zalo:8f3a")
    monkeypatch.setenv("KETNOI_QUIET_HOURS", "22:30-06:00")
    monkeypatch.setenv("KETNOI_TELEGRAM_TOKEN", "123:secret")
    s = load_settings(_env_file=None)
    assert s.admins == [
        UserRef(channel="telegram", external_id="123456"),
        UserRef(channel="zalo", external_id="8f3a"),
    ]
    assert s.quiet_hours is not None and s.quiet_hours.contains(time(23, 0))
    assert not s.quiet_hours.contains(time(12, 0))
    assert "123:secret" not in repr(s)


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("KETNOI_LOCALE=en\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_settings().locale == "en"


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("KETNOI_LOCALE", "fr", "KETNOI_LOCALE: expected one of vi, en"),
        ("KETNOI_ADMINS", "telegram123", "KETNOI_ADMINS: expected a comma list of channel:id"),
        ("KETNOI_QUIET_HOURS", "9pm-7am", "KETNOI_QUIET_HOURS: expected HH:MM-HH:MM"),
        ("KETNOI_TIMEZONE", "Asia/Hanoi_City", "KETNOI_TIMEZONE: expected an IANA time zone"),
        ("KETNOI_WEBHOOK_URL", "https://x.vn", "KETNOI_WEBHOOK_SECRET: required when"),
        ("KETNOI_LOG_LEVEL", "verbose", "KETNOI_LOG_LEVEL: "),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as err:
        load_settings(_env_file=None)
    assert str(err.value).startswith(expected)
    assert "\n" not in str(err.value)


def test_bad_value_stops_start_up_with_one_line(tmp_path: Path) -> None:
    env = {"KETNOI_LOCALE": "fr", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "chat"],
        input="",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["ketnoi: KETNOI_LOCALE: expected one of vi, en"]


def test_the_web_pages_listen_on_localhost_unless_turned_off() -> None:
    s = load_settings(_env_file=None)
    assert s.web_listen == "127.0.0.1:8080" and s.web_root == "http://127.0.0.1:8080"
    assert not s.web_public  # a local address is not shared with producers
    off = load_settings(_env_file=None, web_listen="off")
    assert off.web_listen is None and off.web_root is None
    public = load_settings(_env_file=None, web_url="https://ketnoi.example.vn/")
    assert public.web_root == "https://ketnoi.example.vn" and public.web_public
    hooks = load_settings(
        _env_file=None, webhook_url="https://bot.example.vn", webhook_secret="s3cret-x"
    )
    assert hooks.web_root == "https://bot.example.vn"  # the webhook server serves the pages


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("KETNOI_WEB_LISTEN", "8080", "KETNOI_WEB_LISTEN: expected host:port"),
        ("KETNOI_WEB_URL", "ketnoi.vn", "KETNOI_WEB_URL: expected the pages' address"),
    ],
)
def test_a_bad_web_setting_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_settings(_env_file=None)
