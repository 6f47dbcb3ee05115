"""The log: one line per record, `time level logger message`, on stderr or into a file."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.domain.taxcode import redact_personal_ids

__all__ = ["RedactingFormatter", "configure_logging"]

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then masks every 12-digit number (a personal ID number used as a
    household's tax code must never leave the database in a log line or a traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_personal_ids(super().format(record))


def configure_logging(filename: Path | None = None, level: str = "info") -> None:
    """Log at `level` (KETNOI_LOG_LEVEL) to stderr, or into `filename`: at INFO, what
    happened and a summary of the traffic a minute; at DEBUG, a line for every update too."""
    # What the format never shows is not gathered for every record: the caller's file and line
    # (a walk up the stack), the thread, the process (the logging HOWTO, "Optimization").
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    wanted = logging.getLevelName(level.upper())
    # DEBUG is for ketnoi's own loggers only: python-telegram-bot logs request URLs, with the
    # token in them, at DEBUG.
    root = max(wanted, logging.INFO)
    logging.basicConfig(level=root, format=FORMAT, filename=filename, force=True)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(FORMAT))
    logging.getLogger("ketnoi").setLevel(wanted)
    # httpx logs every request URL, and Telegram's URLs carry the token
    logging.getLogger("httpx").setLevel(logging.WARNING)
