"""The log: one line per record, `time level logger message`, on stderr or into a file."""

from __future__ import annotations

import logging
from pathlib import Path

__all__ = ["configure_logging"]

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(filename: Path | None = None) -> None:
    """Log at INFO (one line per update handled) to stderr, or into `filename`."""
    # What the format never shows is not gathered for every record: the caller's file and line
    # (a walk up the stack), the thread, the process (the logging HOWTO, "Optimization").
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging.basicConfig(level=logging.INFO, format=FORMAT, filename=filename)
    # httpx logs every request URL, and Telegram's URLs carry the token
    logging.getLogger("httpx").setLevel(logging.WARNING)
