"""Check-in tokens: an approved application signed with HMAC-SHA256, checked at the fair.

A token is `KN1.<application id>.<signature>`: short enough for a small QR code and for typing.
It carries no expiry of its own: the database says whether the application is still approved
and whether the fair is over, so a postponed fair does not void the codes already given.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from pydantic import BaseModel

from bot.core.clock import utcnow
from bot.core.config import Settings
from storage.booths import BoothApplication, BoothRepo, BoothStatus
from storage.enterprises import Enterprise, EnterpriseRepo
from storage.fairs import Fair, FairRepo
from storage.signing_keys import SigningKeyRepo

__all__ = ["CheckIn", "Verdict", "check_in", "checkin_key", "sign", "verify"]

PREFIX: Final = "KN1"
GRACE: Final = timedelta(days=1)  # a code still opens the gate this long after the fair ends


async def checkin_key(settings: Settings, keys: SigningKeyRepo) -> bytes:
    """KETNOI_CHECKIN_SECRET if set, else a key generated once and kept in the database."""
    if settings.checkin_secret is not None:
        return settings.checkin_secret.get_secret_value().encode()
    return await keys.get_or_create("checkin")


def _mac(key: bytes, body: str) -> str:
    digest = hmac.new(key, body.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(key: bytes, app_id: int) -> str:
    """The check-in token of an application."""
    body = f"{PREFIX}.{app_id}"
    return f"{body}.{_mac(key, body)}"


def verify(key: bytes, token: str) -> int | None:
    """The application id of a genuine token; None for anything forged or malformed."""
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1].isdecimal():
        return None
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_mac(key, body), parts[2]):
        return None
    return int(parts[1])


class Verdict(StrEnum):
    """What the gate learns from a token."""

    OK = "ok"
    FORGED = "forged"
    UNKNOWN = "unknown"
    NOT_APPROVED = "not_approved"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    TOO_EARLY = "too_early"


class CheckIn(BaseModel):
    """The answer for one token."""

    verdict: Verdict
    application: BoothApplication | None = None
    fair: Fair | None = None
    enterprise: Enterprise | None = None
    earlier: datetime | None = None  # the first check-in, when this is a repeat


async def check_in(
    token: str,
    key: bytes,
    booths: BoothRepo,
    fairs: FairRepo,
    enterprises: EnterpriseRepo,
) -> CheckIn:
    """Verify a token and, when it admits, record the check-in. Call inside a transaction."""
    app_id = verify(key, token)
    if app_id is None:
        return CheckIn(verdict=Verdict.FORGED)
    app = await booths.get(app_id)
    fair = await fairs.get(app.fair_id) if app else None
    if app is None or fair is None:
        return CheckIn(verdict=Verdict.UNKNOWN)
    enterprise = await enterprises.get(app.enterprise_id)
    found = CheckIn(verdict=Verdict.OK, application=app, fair=fair, enterprise=enterprise)
    now = utcnow()
    if fair.cancelled:
        found.verdict = Verdict.CANCELLED
    elif app.status is not BoothStatus.APPROVED:
        found.verdict = Verdict.NOT_APPROVED
    elif now > fair.ends_at + GRACE:
        found.verdict = Verdict.EXPIRED
    elif now < fair.starts_at - GRACE:
        found.verdict = Verdict.TOO_EARLY
    else:
        found.earlier = await booths.check_in(app.id)
    return found
