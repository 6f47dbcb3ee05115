"""The Zalo OA's webhook events: the requests refused, and what each event means."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.channels.zalo_oa_api import OaEvent
from bot.channels.zalo_oa_events import refusal, to_incoming
from bot.core.clock import utcnow
from bot.core.types import Kind
from tests.fakes.zalo_oa_api import APP_ID, sign

LAN = "8512340012345678901"
KEY = "oa-secret-key"


def test_refused_requests() -> None:
    now = utcnow()

    def request(at: float, key: str = KEY, app_id: str = APP_ID) -> tuple[bytes, dict[str, str]]:
        stamp = str(int(at * 1000))
        raw = json.dumps({"app_id": app_id, "event_name": "follow", "timestamp": stamp}).encode()
        return raw, {"x-zevent-signature": sign(raw, app_id=app_id, timestamp=stamp, key=key)}

    def why(raw: bytes, headers: dict[str, str]) -> str | None:
        return refusal(raw, headers, app_id=APP_ID, key=KEY, now=now)

    fresh = request(now.timestamp())
    assert why(*fresh) is None
    assert why(fresh[0], {}) == "no signature"
    assert why(*request(now.timestamp(), key="other")) == "wrong or missing signature"
    assert why(*request(now.timestamp(), app_id="1")) == "wrong or missing signature"
    hours_ago = (now - timedelta(hours=3, minutes=1)).timestamp()
    assert str(why(*request(hours_ago))).startswith("stale or future timestamp")
    assert why(*request((now - timedelta(hours=2, minutes=59)).timestamp())) is None
    ahead = (now + timedelta(minutes=6)).timestamp()
    assert str(why(*request(ahead))).startswith("stale or future timestamp")


def test_events_become_incoming_updates() -> None:
    def event(name: str, **body: Any) -> OaEvent:
        peer = {"follower": {"id": LAN}} if name in ("follow", "unfollow") else {}
        parsed = OaEvent.parse(
            {"app_id": APP_ID, "event_name": name, "timestamp": "1", "sender": {"id": LAN}}
            | peer
            | body
        )
        assert parsed is not None
        return parsed

    location = to_incoming(
        event(
            "user_send_location",
            message={
                "msg_id": "m",
                "attachments": [
                    {
                        "type": "location",
                        "payload": {"coordinates": {"latitude": "21.02", "longitude": "105.85"}},
                    }
                ],
            },
        )
    )
    shared = to_incoming(
        event("user_submit_info", info={"name": "Lan", "phone": "+84 912 345 678"})
    )
    follow = to_incoming(event("follow"))

    assert location is not None and location.kind is Kind.LOCATION
    assert (location.latitude, location.longitude) == (21.02, 105.85)
    assert shared is not None and shared.kind is Kind.CONTACT and shared.own_contact
    assert shared.phone == "84912345678" and shared.display_name == "Lan"
    assert follow is not None and follow.text == "/start"
    assert to_incoming(event("unfollow")) is None
    assert to_incoming(event("user_seen_message")) is None
    image = to_incoming(event("user_send_image", message={"msg_id": "i", "attachments": []}))
    assert image is not None and image.kind is Kind.UNSUPPORTED
