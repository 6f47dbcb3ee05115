"""The console chat as a person uses it: piped or typed, and surviving a kill -9."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.database import db_env

ROOT = Path(__file__).resolve().parents[3]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETNOI_")}
    env.update(db_env(tmp_path / "ketnoi.db"))
    return {**env, **extra}


def _chat(tmp_path: Path, text: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        input=text,
        capture_output=True,
        text=True,
        env=_env(tmp_path, **env),
        cwd=tmp_path,
        timeout=60,
        encoding="utf-8",
    )


def test_piped_start_prints_the_vietnamese_main_menu(tmp_path: Path) -> None:
    done = _chat(tmp_path, "/start\n", "chat")
    assert done.returncode == 0, done.stderr
    assert "Xin chào" in done.stdout
    for number, label in enumerate(
        [
            "Đăng ký vào mạng lưới",
            "Hội chợ sắp tới",
            "Gian hàng của tôi",
            "Nhắc lịch",
            "Hỏi đáp",
            "Ngôn ngữ",
        ],
        start=1,
    ):
        assert f"  {number}. {label}" in done.stdout


def test_numbers_answer_the_menu_and_end_of_input_exits_cleanly(tmp_path: Path) -> None:
    done = _chat(tmp_path, "/start\n6\n2\n", "chat")
    assert done.returncode == 0
    assert "Chọn ngôn ngữ của bạn:" in done.stdout
    assert "Language set to English." in done.stdout
    assert "Traceback" not in done.stderr


def test_main_with_no_arguments_starts_the_console_chat(tmp_path: Path) -> None:
    done = _chat(tmp_path, "/start\n")
    assert done.returncode == 0
    assert "Xin chào" in done.stdout
    assert "console" in done.stderr  # the visible notice that no token is configured


def test_the_log_sums_up_the_traffic_at_info(tmp_path: Path) -> None:
    done = _chat(tmp_path, "/start\nhello\n/menu\n", "chat")
    summaries = [line for line in done.stderr.splitlines() if "ketnoi.traffic" in line]
    assert len(summaries) == 1, done.stderr  # written at the end of input
    assert "INFO ketnoi.traffic updates: 3 in" in summaries[0]
    assert "(command 2, text 1), 0 failed; p50 " in summaries[0] and " ms, p99 " in summaries[0]
    assert "ketnoi.router update" not in done.stderr  # no line per update at INFO


def test_at_debug_a_line_per_update_carries_no_raw_user_id(tmp_path: Path) -> None:
    done = _chat(tmp_path, "/start\nhello\n", "chat", KETNOI_LOG_LEVEL="DEBUG")
    lines = [line for line in done.stderr.splitlines() if "ketnoi.router update" in line]
    assert len(lines) == 2
    assert "route=command:start" in lines[0] and "ms=" in lines[0]
    assert "local" not in " ".join(lines)  # the console user's id is hashed


def test_conversation_state_survives_kill_9(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_env(tmp_path),
        cwd=tmp_path,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"/ngon_ngu\n")
    proc.stdin.flush()
    _read_until(proc, "2. English")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    # a new process on the same file: the menu shown before the kill is still the last menu
    done = _chat(tmp_path, "2\n", "chat")
    assert "Language set to English." in done.stdout


def _read_until(proc: subprocess.Popen[bytes], marker: str, timeout: float = 30.0) -> str:
    """Read the raw pipe (no buffering between select and read) until `marker` shows up."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    seen = b""
    deadline = time.monotonic() + timeout
    while marker.encode() not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no {marker!r} in {seen.decode(errors='replace')!r}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 65536)
            assert chunk, f"process ended before {marker!r}"
            seen += chunk
    return seen.decode()
