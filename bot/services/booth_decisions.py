"""Staff's decisions on booth applications: approve with booth numbers (the applicant gets a
signed check-in QR code) or reject with a reason (the freed booths go to the waiting list).
One implementation for the chat (/duyet_gian_hang) and the web pages."""

from __future__ import annotations

from collections.abc import Collection

from bot.services import booth_notices as notices
from bot.services import fair_media
from bot.services.base import Services
from bot.services.checkin import checkin_key, sign
from bot.services.fair_jobs import offer_freed
from bot.services.reviews import Acting
from storage.booths import BoothApplication, BoothNumbersTaken
from storage.fairs import Fair

__all__ = ["REASON_MAX", "REASON_MIN", "BoothNumbersTaken", "approve", "reject", "suggest"]

REASON_MIN, REASON_MAX = 5, 500


async def suggest(svc: Services, fair: Fair, count: int, skip: Collection[str] = ()) -> list[str]:
    """The lowest free numbered booths of the fair (leaving out `skip` as well)."""
    taken = await svc.booths.numbers_taken(fair.id)
    free = (str(n) for n in range(1, fair.booths + 1) if str(n) not in taken and str(n) not in skip)
    return [n for _, n in zip(range(count), free, strict=False)]


async def approve(
    svc: Services, act: Acting, app: BoothApplication, fair: Fair, numbers: list[str]
) -> BoothApplication | None:
    """Give an allocated application its booth numbers, send the applicant the check-in QR
    code, log it; None if it no longer waits. BoothNumbersTaken if a number is someone
    else's. Call inside a transaction."""
    done = await svc.booths.approve(app.id, numbers, act.user.id)
    if done is None:
        return None
    await svc.audit.record(act, "booth.approve", app, done, target=f"booth:{app.id}")
    token = sign(await checkin_key(svc.settings, svc.signing_keys), done.id)
    user_id = await notices.recipient(svc.users, done.account_id)
    if user_id is not None:
        act.notify(
            user_id, notices.application_approved(done, fair, token, fair_media.qr_png(token))
        )
    return done


async def reject(
    svc: Services, act: Acting, app: BoothApplication, fair: Fair, reason: str
) -> BoothApplication | None:
    """Turn an application down with the reason, tell the applicant, offer the freed booths
    to the waiting list, log it; None if it can no longer be rejected. In a transaction."""
    done = await svc.booths.reject(app.id, reason, act.user.id)
    if done is None:
        return None
    await svc.audit.record(act, "booth.reject", app, done, target=f"booth:{app.id}")
    user_id = await notices.recipient(svc.users, done.account_id)
    if user_id is not None:
        act.notify(user_id, notices.application_rejected(done, fair))
    for other, build, _key in await offer_freed(svc, fair):
        act.notify(other, build)
    return done
