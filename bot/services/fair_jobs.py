"""The waiting list's offers: work done outside a user's turn."""

# Reminders of a fair (to its applicants and to those who pressed Remind me, i.e. fair_follows)
# are bot/services/scheduler.py's, with the other reminder rules.

from __future__ import annotations

import logging

from bot.services import booth_notices as notices
from bot.services.base import Build, Services
from storage.booths import BoothApplication
from storage.fairs import Fair

__all__ = ["EVERY", "Notice", "expire_offers", "offer_freed", "queue"]

log = logging.getLogger("ketnoi.fairs")

Notice = tuple[int, Build, str]  # recipient user id, message, dedupe key
OFFER_HOURS = 48
EVERY = 60.0  # seconds between looks for lapsed offers


async def offer_freed(svc: Services, fair: Fair) -> list[Notice]:
    """Offer a fair's free booths to the waiting list; the messages to send. In a transaction."""
    found: list[Notice] = []
    for app in await svc.booths.offer_freed(fair.id, OFFER_HOURS):
        user_id = await notices.recipient(svc.users, app.account_id)
        if user_id is not None:
            found.append((user_id, notices.offer_made(app, fair), f"booth:{app.id}:offer"))
    return found


async def queue(svc: Services, found: list[Notice], lane: str = "notice") -> int:
    """Put messages in the outbox (in a transaction); how many were new."""
    new = 0
    for user_id, build, key in found:
        new += await svc.enqueue(user_id, build, key, lane=lane)
    if found:
        svc.on_queued()
    return new


async def expire_offers(svc: Services) -> int:
    """Offers past 48 hours lapse and pass to the next in line; returns how many lapsed."""
    async with svc.db.transaction():
        lapsed = await svc.booths.expire_offers()
        found: list[Notice] = []
        fairs: dict[int, Fair] = {}
        for app in lapsed:
            fair = fairs.get(app.fair_id) or await svc.fairs.get(app.fair_id)
            if fair is None:
                continue
            fairs[fair.id] = fair
            found += await _told(svc, app, notices.offer_expired(app, fair), "expired")
        for fair in fairs.values():
            found += await offer_freed(svc, fair)
        await queue(svc, found)
    if lapsed:
        log.info("booth offers expired: %d", len(lapsed))
    return len(lapsed)


async def _told(svc: Services, app: BoothApplication, build: Build, what: str) -> list[Notice]:
    user_id = await notices.recipient(svc.users, app.account_id)
    return [] if user_id is None else [(user_id, build, f"booth:{app.id}:{what}")]
