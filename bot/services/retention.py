"""The retention rules as people read them, and the daily job that applies them."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

from bot.core.clock import utcnow
from bot.core.i18n import N_
from storage.retention import KINDS, RetentionRepo, RetentionRun

__all__ = ["CHECK_EVERY", "RULE_NAMES", "RUN_EVERY", "run_if_due"]

log = logging.getLogger("ketnoi.retention")

RUN_EVERY: Final = timedelta(days=1)
CHECK_EVERY: Final = 3600.0  # seconds: whether a day has passed since the last run

# What each rule removes, for `ketnoi data retention` and the record of processing.
RULE_NAMES: Final = {
    "unfinished_conversations": N_(
        "answers of a conversation left unfinished (a registration, an application…)"
    ),
    "rejected_registrations": N_(
        "registrations not approved and not changed since, with their applications"
    ),
    "never_registered": N_("people who wrote to the bot but never registered, since last seen"),
    "delivered_messages": N_("the text of messages once sent (or given up on)"),
    "questions": N_("free-text questions typed to the bot"),
    "link_codes": N_("codes to link two apps, and wrong tries, after they expire"),
    "connection_requests": N_(
        "who asked whom to connect, and why: emptied, the count of links kept"
    ),
    "data_requests": N_("the record of requests about personal data, once done"),
    "audit_log": N_("the log of staff actions"),
}
assert set(RULE_NAMES) == set(KINDS), "every kind of storage/retention.py needs its name"


async def run_if_due(repo: RetentionRepo) -> RetentionRun | None:
    """Apply the rules if the last run was a day ago or more (or never); the run, if any."""
    last = await repo.last_run()
    if last is not None and utcnow() - last.ran_at < RUN_EVERY:
        return None
    run = await repo.apply()
    removed = ", ".join(f"{k} {n}" for k, n in run.removed.items() if n) or "nothing"
    log.info("retention: removed %s", removed)
    return run
