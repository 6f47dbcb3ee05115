"""The OA client against the fake OA server: messages, the 7-day window, tokens, templates,
and the webhook signature."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.channels.zalo_oa_api import OaEvent, ZaloOaApi, ZaloOaError, signature_valid
from tests.fakes.zalo_oa_api import APP_ID, FakeOa, sign

KEY = "oa-secret-key"


@pytest.fixture
def fake() -> Iterator[FakeOa]:
    with FakeOa() as server:
        yield server


@pytest.fixture
async def api(fake: FakeOa) -> AsyncIterator[ZaloOaApi]:
    client = ZaloOaApi(
        api_url=fake.url,
        oauth_url=fake.url,
        business_url=fake.url,
        app_id=APP_ID,
        secret_key="app-secret",
    )
    await client.open()
    yield client
    await client.close()


def _follower(fake: FakeOa, user_id: str = "u1") -> None:
    """Someone who wrote to the OA (the webhook is not listening: only the fake's state)."""
    from tests.fakes._zalo_oa_state import Follower

    with fake._lock:
        fake._state.followers[user_id] = Follower(user_id, "Lan")


async def test_refresh_gives_a_pair_and_the_old_refresh_token_works_once(
    fake: FakeOa, api: ZaloOaApi
) -> None:
    pair = await api.refresh("ref-first")
    with pytest.raises(ZaloOaError) as again:
        await api.refresh("ref-first")

    assert pair.access_token.startswith("acc-") and pair.refresh_token == fake.refresh_token
    assert (
        pair.expires_at - pair.expires_at.now(pair.expires_at.tzinfo)
    ).total_seconds() > 24 * 3600
    assert again.value.code == -14014 and not again.value.transient
    assert fake.refreshes == 1
    call = fake.calls("access_token")[0]["params"]
    assert call == {"refresh_token": "ref-first", "app_id": APP_ID, "grant_type": "refresh_token"}


async def test_a_wrong_secret_key_is_refused(fake: FakeOa) -> None:
    wrong = ZaloOaApi(
        api_url=fake.url, oauth_url=fake.url, business_url=fake.url, app_id=APP_ID, secret_key="x"
    )
    await wrong.open()
    try:
        with pytest.raises(ZaloOaError) as refused:
            await wrong.refresh("ref-first")
    finally:
        await wrong.close()
    assert refused.value.code == -14002 and fake.refreshes == 0


async def test_a_message_inside_the_window_then_minus_230_after_seven_days(
    fake: FakeOa, api: ZaloOaApi
) -> None:
    token = (await api.refresh("ref-first")).access_token
    _follower(fake)
    await api.send_message(token, "u1", {"text": "Xin chào"})
    fake.age("u1", 8)
    with pytest.raises(ZaloOaError) as closed:
        await api.send_message(token, "u1", {"text": "Còn đó không?"})

    assert [m["text"] for m in fake.sent("u1")] == ["Xin chào"]
    assert closed.value.outside_window and not closed.value.transient


async def test_an_expired_access_token_is_told_apart(fake: FakeOa, api: ZaloOaApi) -> None:
    token = (await api.refresh("ref-first")).access_token
    _follower(fake)
    fake.expire_tokens()
    with pytest.raises(ZaloOaError) as refused:
        await api.send_message(token, "u1", {"text": "Xin chào"})
    assert refused.value.token_invalid and refused.value.code == -216


async def test_template_message_info_and_its_errors(fake: FakeOa, api: ZaloOaApi) -> None:
    token = (await api.refresh("ref-first")).access_token
    fake.add_template("412001", ["ten", "hoi_cho"], max_length=30)
    fake.add_phone("84912345678")

    info = await api.template_info(token, "412001")
    await api.send_template(
        token,
        phone="84912345678",
        template_id="412001",
        data={"ten": "Lan", "hoi_cho": "Gốm Kim Lan"},
        tracking_id="t1",
    )
    errors = []
    for phone, data in [
        ("84900000000", {"ten": "Lan", "hoi_cho": "Gốm"}),  # no Zalo account
        ("84912345678", {"ten": "Lan"}),  # a parameter missing
        ("84912345678", {"ten": "Lan", "hoi_cho": "x" * 31}),  # too long
    ]:
        with pytest.raises(ZaloOaError) as failed:
            await api.send_template(
                token, phone=phone, template_id="412001", data=data, tracking_id="t2"
            )
        errors.append(failed.value.code)

    assert info["status"] == "ENABLE"
    assert [p["name"] for p in info["listParams"]] == ["ten", "hoi_cho"]
    sent = fake.sent("phone:84912345678")
    assert [m["template_data"] for m in sent] == [{"ten": "Lan", "hoi_cho": "Gốm Kim Lan"}]
    assert errors == [-118, -1126, -1126]


def _signed(body: dict[str, object], key: str = KEY) -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    return raw, sign(raw, app_id=APP_ID, timestamp=str(body["timestamp"]), key=key)


def test_signature_over_app_id_body_timestamp_and_key() -> None:
    body = {"app_id": APP_ID, "event_name": "user_send_text", "timestamp": "1700000000000"}
    raw, mac = _signed(body)

    assert signature_valid(raw, mac, app_id=APP_ID, key=KEY)
    assert signature_valid(raw, mac.removeprefix("mac="), app_id=APP_ID, key=KEY)
    assert not signature_valid(raw, None, app_id=APP_ID, key=KEY)
    assert not signature_valid(raw, "mac=" + "0" * 64, app_id=APP_ID, key=KEY)
    assert not signature_valid(raw + b" ", mac, app_id=APP_ID, key=KEY)  # the raw body is signed
    assert not signature_valid(raw, _signed(body, key="other")[1], app_id=APP_ID, key=KEY)
    other = {**body, "app_id": "1"}  # well signed, by another app
    raw2 = json.dumps(other).encode()
    mac2 = sign(raw2, app_id="1", timestamp=str(other["timestamp"]), key=KEY)
    assert not signature_valid(raw2, mac2, app_id=APP_ID, key=KEY)


def test_events_are_read_and_keyed_for_retries() -> None:
    text = OaEvent.parse(
        {
            "app_id": APP_ID,
            "event_name": "user_send_text",
            "timestamp": 1700000000000,
            "sender": {"id": 123},
            "message": {"msg_id": "m1", "text": "xin chao"},
        }
    )
    follow = OaEvent.parse(
        {"app_id": APP_ID, "event_name": "follow", "timestamp": "1", "follower": {"id": "u9"}}
    )

    assert text is not None and text.user_id == "123" and text.key == "msg:m1"
    assert follow is not None and follow.user_id == "u9" and follow.key == "follow:u9:1"
    assert OaEvent.parse({"event_name": "x"}) is None and OaEvent.parse([1]) is None
