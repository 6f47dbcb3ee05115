"""Unfinished registrations: one reminder after a day away, a word the day before it is dropped,
dropped after a week."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.clock import utcnow
from bot.core.i18n import Lang
from bot.core.types import Reply
from bot.dialog.router import Router
from handlers.registration.core import FLOW, StartRegistration

__all__ = ["DROPPED", "DROP_AFTER", "EVERY", "NUDGE_AFTER", "nudge_and_drop"]

log = logging.getLogger("ketnoi.registration")

NUDGE_AFTER = timedelta(hours=24)
DROPPED = "dropped"  # in the data of a conversation whose unfinished flow was dropped
DROP_AFTER = timedelta(days=7)  # at the least: dropped a day after she is told it will be
WARN_BEFORE = timedelta(days=1)
EVERY = 600.0  # seconds between looks


def _warning(lang: Lang) -> list[Reply]:
    _ = lang.gettext
    text = _(
        "Your registration into the craft-village network is still unfinished, and its answers"
        " will be removed tomorrow. Choose “Continue registering” or send {command} to go on"
        " where you left off."
    ).format(command="/register" if lang.code == "en" else "/dang_ky")
    return [Reply(text=text, buttons=[[StartRegistration().button(_("Continue registering"))]])]


def _nudge(lang: Lang) -> list[Reply]:
    _ = lang.gettext
    text = _(
        "You started registering your establishment into the craft-village network but have"
        " not finished. Your answers are saved: choose “Continue registering” or send {command}"
        " to go on where you left off. Unfinished registrations are removed after a week."
    ).format(command="/register" if lang.code == "en" else "/dang_ky")
    return [Reply(text=text, buttons=[[StartRegistration().button(_("Continue registering"))]])]


async def nudge_and_drop(router: Router) -> tuple[int, int]:
    """Reminds each user away from an unfinished registration for a day, once; tells them a day
    before it is dropped; and drops it a day after telling them (a week away at the least).
    Returns how many were reminded or told, and how many dropped."""
    svc = router.services
    nudged = dropped = 0
    warn_at = DROP_AFTER - WARN_BEFORE
    for stale in await svc.conversations.stale(FLOW, NUDGE_AFTER):
        now = utcnow()
        warned = _warned(stale.nudged_at, stale.updated_at)
        if stale.nudged_at is not None and not warned and now - stale.updated_at < warn_at:
            continue  # reminded; not yet time to tell her it will go
        if warned and stale.nudged_at is not None and now - stale.nudged_at < WARN_BEFORE:
            continue  # told; her day is not over
        async with svc.db.transaction():
            conv = await svc.conversations.get(stale.user_id)
            if conv.flow != FLOW or conv.updated_at != stale.updated_at:
                continue  # the user answered meanwhile
            started = (conv.started_at or conv.updated_at).isoformat()
            if warned:
                conv.end()
                conv.data[DROPPED] = FLOW  # her next answer is not a question for staff
                conv.last_menu = []
                await svc.conversations.save(conv)
                dropped += 1
                continue
            if now - conv.updated_at >= warn_at:
                key = f"nudge-drop:{FLOW}:{conv.user_id}:{started}"
                sent = await router.services.enqueue(conv.user_id, _warning, key)
            else:
                key = f"nudge:{FLOW}:{conv.user_id}:{started}"
                sent = await router.services.enqueue(conv.user_id, _nudge, key)
            nudged += bool(sent)
            await svc.conversations.mark_nudged(conv.user_id)
    if nudged:
        router.on_queued()
    if nudged or dropped:
        log.info("registrations: %d nudged, %d dropped", nudged, dropped)
    return nudged, dropped


def _warned(nudged_at: datetime | None, updated_at: datetime) -> bool:
    """Whether the last reminder was the one that says the registration is about to go."""
    return nudged_at is not None and nudged_at - updated_at >= DROP_AFTER - WARN_BEFORE
