"""Unfinished registrations: one reminder after a day away, dropped after a week."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.i18n import Lang
from bot.core.types import Button, Reply
from bot.dialog.router import Router
from handlers.registration.core import FLOW
from storage.db import utcnow

__all__ = ["DROP_AFTER", "EVERY", "NUDGE_AFTER", "nudge_and_drop"]

log = logging.getLogger("ketnoi.registration")

NUDGE_AFTER = timedelta(hours=24)
DROP_AFTER = timedelta(days=7)
EVERY = 600.0  # seconds between looks


def _nudge(lang: Lang) -> list[Reply]:
    _ = lang.gettext
    text = _(
        "You started registering your establishment into the craft-village network but have"
        " not finished. Your answers are saved: press “Continue registering” or send {command}"
        " to go on where you left off. Unfinished registrations are removed after a week."
    ).format(command="/register" if lang.code == "en" else "/dang_ky")
    return [
        Reply(text=text, buttons=[[Button(label=_("Continue registering"), payload="reg:start")]])
    ]


async def nudge_and_drop(router: Router) -> tuple[int, int]:
    """Reminds each user away from an unfinished registration for a day, once, and ends those
    away for a week; returns how many were nudged and dropped."""
    svc = router.services
    nudged = dropped = 0
    for stale in await svc.conversations.stale(FLOW, NUDGE_AFTER):
        if stale.nudged_at is not None and utcnow() - stale.updated_at < DROP_AFTER:
            continue
        async with svc.db.transaction():
            conv = await svc.conversations.get(stale.user_id)
            if conv.flow != FLOW or conv.updated_at != stale.updated_at:
                continue  # the user answered meanwhile
            if utcnow() - conv.updated_at >= DROP_AFTER:
                conv.end()
                conv.last_menu = []
                await svc.conversations.save(conv)
                dropped += 1
                continue
            if conv.nudged_at is not None:
                continue
            started = (conv.started_at or conv.updated_at).isoformat()
            key = f"nudge:{FLOW}:{conv.user_id}:{started}"
            if await router.enqueue(conv.user_id, _nudge, key):
                nudged += 1
            await svc.conversations.mark_nudged(conv.user_id)
    if nudged:
        router.on_queued()
    if nudged or dropped:
        log.info("registrations: %d nudged, %d dropped", nudged, dropped)
    return nudged, dropped
