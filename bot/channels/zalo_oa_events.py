"""The Zalo OA's webhook events: which requests are refused, and what each event means as an
incoming update."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.channels.zalo_oa_api import OaEvent, event_time, signature_valid
from bot.core.types import Incoming, Kind, UserRef

__all__ = ["AHEAD", "CHANNEL", "STALE_AFTER", "digits", "loads", "refusal", "to_incoming"]

CHANNEL = "zalo_oa"
# Zalo retries an event it got no 200 for during about two hours (30 s, 5, 15, 30 min, 1 h:
# github.com/hoangnd25/monorepo wip/zalo-platform-integration.md, "Webhook Retry Behavior"),
# with the event's own timestamp: older is a replay.
STALE_AFTER = timedelta(hours=3)
AHEAD = timedelta(minutes=5)  # a clock a little ahead of ours is not an attack
_DIGITS = re.compile(r"\D+")


def refusal(
    raw: bytes, headers: Mapping[str, str], *, app_id: str, key: str, now: datetime
) -> str | None:
    """Why a webhook request is refused (a wrong or missing signature, another app's event,
    an event dated more than STALE_AFTER ago or AHEAD in the future), or None."""
    header = headers.get("x-zevent-signature")
    if not signature_valid(raw, header, app_id=app_id, key=key):
        return "wrong or missing signature" if header else "no signature"
    event = OaEvent.parse(loads(raw))
    when = event_time(event) if event is not None else None
    if when is None or when < now - STALE_AFTER or when > now + AHEAD:
        return f"stale or future timestamp ({event.timestamp if event else '?'})"
    return None


def digits(phone: str) -> str:
    """A phone as Zalo shares it, digits only: 84912345678."""
    return _DIGITS.sub("", phone)


def loads(raw: bytes) -> Any:
    """A body's JSON, or None."""
    try:
        return json.loads(raw)
    except ValueError:
        return None


def to_incoming(event: OaEvent) -> Incoming | None:
    """The channel-neutral form of an event, or None for events about nothing to answer
    (unfollow, the OA's own messages, delivery and seen receipts)."""
    user_id = event.user_id
    if not user_id:
        return None
    ref = UserRef(channel=CHANNEL, external_id=user_id)
    name = event.event_name
    if name == "follow":  # a welcome, as if they had pressed Start
        return Incoming(user=ref, kind=Kind.COMMAND, text="/start")
    if name == "user_submit_info" and event.info is not None and event.info.phone:
        phone = digits(event.info.phone)
        # The card shares the sender's own name and phone (Zalo's account data).
        return Incoming(
            user=ref,
            kind=Kind.CONTACT,
            phone=phone,
            contact_user_id=user_id,
            display_name=event.info.name,
        )
    message = event.message
    if name == "user_send_text" and message is not None and message.text is not None:
        kind = Kind.COMMAND if message.text.startswith("/") else Kind.TEXT
        return Incoming(user=ref, kind=kind, text=message.text)
    if name == "user_send_location" and message is not None:
        place = next(
            (
                a.payload.coordinates
                for a in message.attachments
                if a.payload and a.payload.coordinates
            ),
            None,
        )
        if place is not None:
            return Incoming(
                user=ref, kind=Kind.LOCATION, latitude=place.latitude, longitude=place.longitude
            )
    if name.startswith("user_send_"):  # images, stickers, voice, files, GIFs…
        return Incoming(user=ref, kind=Kind.UNSUPPORTED)
    return None
