"""`python main.py run` as a subprocess, for end-to-end tests against the fake servers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[2]

__all__ = ["BotProcess"]


class BotProcess:
    """The bot as it runs in production, configured only through KETNOI_* variables."""

    def __init__(self, env: dict[str, str], *, cwd: Path, args: tuple[str, ...] = ("run",)) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KETNOI_")}
        self.env.update(env)
        self.env.setdefault("PTB_TIMEDELTA", "true")
        self.env.setdefault("KETNOI_WEB_LISTEN", "off")  # tests run side by side: no port 8080
        self.cwd = cwd
        self.args = args
        self.proc: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - read by logs() after the process ends

    def start(self) -> BotProcess:
        """Start the process (its stdout and stderr go to a log kept for `logs()`)."""
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), *self.args],
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    def logs(self) -> str:
        """Everything the process printed so far."""
        self._log.seek(0)
        return self._log.read().decode("utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Send `sig` and wait for the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        """kill -9: no chance to clean up."""
        self.stop(signal.SIGKILL)

    def __enter__(self) -> BotProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill()
