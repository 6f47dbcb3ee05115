"""The waiting list's offers and fair reminders: work done outside a user's turn."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta

from bot import booth_notices as notices
from bot.router import Build, Router, Services
from storage.booths import BoothApplication
from storage.db import utcnow
from storage.fairs import Fair

__all__ = ["Notice", "expire_offers", "offer_freed", "periodic_jobs", "queue", "remind_followers"]

log = logging.getLogger("ketnoi.fairs")

Notice = tuple[int, Build, str]  # recipient user id, message, dedupe key
OFFER_HOURS = 48
REMIND_AT = time(9, 0)  # local time, the day before the fair


async def offer_freed(svc: Services, fair: Fair) -> list[Notice]:
    """Offer a fair's free booths to the waiting list; the messages to send. In a transaction."""
    found: list[Notice] = []
    for app in await svc.booths.offer_freed(fair.id, OFFER_HOURS):
        user_id = await notices.recipient(svc.users, app.account_id)
        if user_id is not None:
            found.append((user_id, notices.offer_made(app, fair), f"booth:{app.id}:offer"))
    return found


async def queue(router: Router, found: list[Notice], lane: str = "notice") -> int:
    """Put messages in the outbox (in a transaction); how many were new."""
    new = 0
    for user_id, build, key in found:
        new += await router.enqueue(user_id, build, key, lane=lane)
    if found:
        router.on_queued()
    return new


async def expire_offers(router: Router) -> int:
    """Offers past 48 hours lapse and pass to the next in line; returns how many lapsed."""
    svc = router.services
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
        await queue(router, found)
    if lapsed:
        log.info("booth offers expired: %d", len(lapsed))
    return len(lapsed)


async def remind_followers(router: Router) -> int:
    """From 09:00 the day before a fair, remind those who pressed Remind me; how many queued."""
    svc = router.services
    tz = svc.settings.tz
    now = utcnow()
    found: list[Notice] = []
    async with svc.db.transaction():
        for fair in await svc.fairs.starting_between(now, now + timedelta(days=2)):
            day_before = fair.starts_at.astimezone(tz).date() - timedelta(days=1)
            if now < datetime.combine(day_before, REMIND_AT, tzinfo=tz):
                continue
            for account_id in await svc.fairs.followers(fair.id):
                user_id = await notices.recipient(svc.users, account_id)
                if user_id is None:
                    continue
                # the start time is in the key: a fair that moves is reminded of again
                key = f"fair:{fair.id}:remind:{fair.starts_at.isoformat()}:account:{account_id}"
                found.append((user_id, notices.fair_reminder(fair), key))
        return await queue(router, found, lane="bulk")


def periodic_jobs(router: Router) -> list[tuple[float, Callable[[], Awaitable[None]]]]:
    """(seconds between runs, job) for App.periodic."""

    async def offers() -> None:
        await expire_offers(router)

    async def reminders() -> None:
        await remind_followers(router)

    return [(60, offers), (300, reminders)]


async def _told(svc: Services, app: BoothApplication, build: Build, what: str) -> list[Notice]:
    user_id = await notices.recipient(svc.users, app.account_id)
    return [] if user_id is None else [(user_id, build, f"booth:{app.id}:{what}")]
