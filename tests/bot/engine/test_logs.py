"""The log never holds a personal ID number: every 12-digit number is masked, in messages and
in tracebacks alike."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.engine.logs import configure_logging


def test_personal_id_numbers_never_reach_the_log(tmp_path: Path) -> None:
    target = tmp_path / "ketnoi.log"
    configure_logging(target)
    try:
        log = logging.getLogger("ketnoi.test")
        log.info("registration with tax code %s", "001085012345")
        try:
            raise ValueError("bad value 079203004567")
        except ValueError:
            log.exception("update failed")
    finally:
        configure_logging()
    text = target.read_text(encoding="utf-8")
    assert "0010******45" in text and "0792******67" in text
    assert "001085012345" not in text and "079203004567" not in text
