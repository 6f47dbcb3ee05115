"""The Zalo Official Account API on the wire: one httpx client for its three roots, its errors,
the webhook's events and their signature.

No maintained Python SDK exists. What is called here follows Zalo's own SDKs where they cover it
(github.com/zaloplatform/zalo-php-sdk, zalo-java-sdk: sending, tokens, the signature) and, for
template messages, the business API as integrators call it; each fact names its source below.
developers.zalo.me itself could not be read from where this was written: the pages cited by
path are the ones those sources link to.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.channels.outcome import maybe_delivered
from bot.core.config import Settings

__all__ = [
    "OUTSIDE_WINDOW",
    "OaEvent",
    "TokenPair",
    "ZaloOaApi",
    "ZaloOaError",
    "event_time",
    "signature_valid",
]

log = logging.getLogger("ketnoi.zalo_oa")

SIGNATURE_HEADER = "X-ZEvent-Signature"
# "User has not interacted with the OA in the past 7 days": the answer of /message/cs outside
# the window (reported by integrators, e.g. github.com/khoicodedao/Poto_platform
# docs/FIX_ERROR_230.md; developers.zalo.me lists the OA API's error codes).
OUTSIDE_WINDOW = -230
# An access token that expired or was revoked: -216 from openapi.zalo.me, -124 from the
# business API (ZNS), as seen in integrators' code; either way ketnoi refreshes once and retries.
TOKEN_INVALID = frozenset({-216, -124})


class ZaloOaError(Exception):
    """A call failed: `code` is Zalo's `error` (negative), or the HTTP status when the body said
    nothing, or None when the server was not reached."""

    def __init__(
        self, code: int | None, description: str, *, maybe_delivered: bool = False
    ) -> None:
        super().__init__(f"{code if code is not None else 'network'}: {description}")
        self.code = code
        self.description = description
        # no answer to a request that went out: Zalo may have acted on it
        self.maybe_delivered = maybe_delivered

    @property
    def transient(self) -> bool:
        """Whether trying again later may work: no answer, a timeout, 429 or a server error."""
        return self.code is None or self.code in (408, 429) or 500 <= self.code < 600

    @property
    def token_invalid(self) -> bool:
        """The access token was refused: refresh it and try again."""
        return self.code in TOKEN_INVALID or self.code == 401

    @property
    def outside_window(self) -> bool:
        """Customer-service messages no longer reach this person (7 days without interaction)."""
        return self.code == OUTSIDE_WINDOW


class _Model(BaseModel):
    # Zalo adds fields over time and sends ids and times as strings or numbers.
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, populate_by_name=True)


class OaPeer(_Model):
    """A user or the OA, by id."""

    id: str


class OaCoordinates(_Model):
    """A shared location."""

    latitude: float
    longitude: float


class OaAttachmentPayload(_Model):
    """What an attachment carries; only locations are read."""

    coordinates: OaCoordinates | None = None
    url: str | None = None


class OaAttachment(_Model):
    """An image, a file, a sticker, a location…"""

    type: str = ""
    payload: OaAttachmentPayload | None = None


class OaMessage(_Model):
    """The message of a user_send_* event."""

    msg_id: str | None = None
    text: str | None = None
    attachments: list[OaAttachment] = Field(default_factory=list)


class OaInfo(_Model):
    """What a user shared through the request-for-information card (user_submit_info)."""

    name: str | None = None
    phone: str | None = None
    address: str | None = None
    city: str | None = None
    district: str | None = None
    ward: str | None = None


class OaEvent(_Model):
    """One webhook event (developers.zalo.me/docs/official-account/webhook/tong-quan):
    user_send_text, user_send_image, user_send_location, user_send_sticker, user_send_audio,
    user_send_file, follow, unfollow, user_submit_info…, each with `app_id` and `timestamp` (in
    milliseconds); `sender.id` is the user (`follower.id` for follow and unfollow), `info` the
    name and phone a user_submit_info shares. Field names as in integrators' handlers, e.g.
    github.com/hoangnd25/monorepo wip/zalo-platform-integration.md."""

    app_id: str
    event_name: str
    timestamp: str
    sender: OaPeer | None = None
    recipient: OaPeer | None = None
    follower: OaPeer | None = None  # follow and unfollow name the user here
    message: OaMessage | None = None
    info: OaInfo | None = None

    @classmethod
    def parse(cls, body: Any) -> OaEvent | None:
        """An event, or None for a body that is not one."""
        if not isinstance(body, dict):
            return None
        try:
            return cls.model_validate(body)
        except ValidationError as exc:
            log.warning("zalo oa event not understood: %s", exc.errors()[0].get("msg"))
            return None

    @property
    def user_id(self) -> str | None:
        """The follower this event is about."""
        if self.event_name in ("follow", "unfollow") and self.follower is not None:
            return self.follower.id
        return self.sender.id if self.sender is not None else None

    @property
    def key(self) -> str:
        """What a retry of this event repeats: its message id, or event, user and time."""
        if self.message is not None and self.message.msg_id:
            return f"msg:{self.message.msg_id}"
        return f"{self.event_name}:{self.user_id}:{self.timestamp}"


def event_time(event: OaEvent) -> datetime | None:
    """When the event happened, or None if its timestamp is not a number."""
    try:
        millis = int(event.timestamp)
    except ValueError:
        return None
    return datetime.fromtimestamp(millis / 1000, UTC)


def signature_valid(raw: bytes, header: str | None, *, app_id: str, key: str) -> bool:
    """Whether `X-ZEvent-Signature: mac=<hex>` signs this body, where hex is
    sha256(app_id + raw body + timestamp + OA secret key), app_id and timestamp taken from the
    body: Zalo's own MacUtils.buildMac(appId, data, timeStamp, secretKey) in
    github.com/zaloplatform/zalo-java-sdk (src/main/java/com/vng/zalo/sdk/utils/MacUtils.java),
    the key being the OA secret key, not the app's (hainh.me/zalo-api-php-webhook-callback-
    official-account.html). A bare hex is taken too. The body's app_id must also be ours:
    another app's event, even well signed, is not for us."""
    if not header:
        return False
    given = header.strip()
    if given.lower().startswith("mac="):
        given = given[4:].strip()
    event = OaEvent.parse(_json(raw))
    if event is None or event.app_id != app_id:
        return False
    signed = app_id.encode() + raw + event.timestamp.encode() + key.encode()
    expected = hashlib.sha256(signed).hexdigest()
    return hmac.compare_digest(given.lower().encode(), expected.encode())


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


class TokenPair(BaseModel):
    """A new access token, the refresh token that replaces the one used, and when the access
    token expires."""

    access_token: str
    refresh_token: str
    expires_at: datetime


class ZaloOaApi:
    """Calls the OA API (`{api}/v3.0/oa/…`), the business API (template messages) and OAuth
    (tokens), each answering a JSON object; errors become ZaloOaError (never an httpx error,
    whose request would show a token)."""

    def __init__(
        self,
        *,
        api_url: str,
        oauth_url: str,
        business_url: str,
        app_id: str,
        secret_key: str,
        timeout: float = 15.0,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.oauth_url = oauth_url.rstrip("/")
        self.business_url = business_url.rstrip("/")
        self.app_id = app_id
        self._secret_key = secret_key
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ZaloOaApi:
        """The client of the OA configured by KETNOI_ZALO_OA_*."""
        assert settings.zalo_oa_app_id is not None and settings.zalo_oa_secret_key is not None
        return cls(
            api_url=settings.zalo_oa_api_url,
            oauth_url=settings.zalo_oa_oauth_url,
            business_url=settings.zalo_oa_business_url,
            app_id=settings.zalo_oa_app_id,
            secret_key=settings.zalo_oa_secret_key.get_secret_value(),
        )

    async def open(self) -> None:
        """Make the one client of this channel."""
        self._client = httpx.AsyncClient(timeout=self._timeout)

    async def close(self) -> None:
        """Close the client."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send_message(self, access_token: str, user_id: str, message: dict[str, Any]) -> Any:
        """A customer-service message ("tin Tư vấn") to a follower: POST {api}/v3.0/oa/message/cs
        with the access token in an `access_token` header and
        `{"recipient": {"user_id": …}, "message": {…}}` (zalo-php-sdk ZaloEndPoint
        API_OA_SEND_CONSULTATION_MESSAGE_V3 and README "Gửi tin Tư vấn dạng văn bản";
        zalo-java-sdk src/test/java/v3/SendQuoteCSMessage.java posts the same body to the same
        URL with the same header)."""
        body = {"recipient": {"user_id": user_id}, "message": message}
        return await self._call(
            "POST", f"{self.api_url}/v3.0/oa/message/cs", access_token, json=body
        )

    async def send_template(
        self,
        access_token: str,
        *,
        phone: str,
        template_id: str,
        data: dict[str, str],
        tracking_id: str,
    ) -> Any:
        """A template message by phone (ZNS, now "ZBS Template Message"): POST
        {business}/message/template, header `access_token`, with `phone` (84…), `template_id`,
        `template_data` and `tracking_id`; answers `{error: 0, data: {msg_id, sent_time,
        quota}}` (github.com/hoangnd25/monorepo wip/zalo-platform-integration.md, "ZBS Template
        Message"; the same endpoint in the @warriorteam/redai-zalo-sdk ZNS service)."""
        body = {
            "phone": phone,
            "template_id": template_id,
            "template_data": data,
            "tracking_id": tracking_id,
        }
        return await self._call(
            "POST", f"{self.business_url}/message/template", access_token, json=body
        )

    async def template_info(self, access_token: str, template_id: str) -> Any:
        """A template's status (ENABLE when approved), parameters (`listParams`: name, require,
        type, maxLength…) and price: GET {business}/template/info/v2?template_id=… (as called by
        integrators, e.g. the ZNS client in the redai-zalo-sdk; the fields as eSMS's
        GetZnsTemplateInfo passes them on, developers.esms.vn)."""
        return await self._call(
            "GET",
            f"{self.business_url}/template/info/v2",
            access_token,
            params={"template_id": template_id},
        )

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Trade the refresh token (which works once) for a new pair: POST
        {oauth}/v4/oa/access_token, form `refresh_token`, `app_id`, `grant_type=refresh_token`,
        header `secret_key` = the app's secret (zalo-php-sdk OAuth2Client
        getZaloTokenFromRefreshTokenByOA and sendRequest; zalo-java-sdk
        GetAccessTokenByRefreshToken.java). The answer holds `access_token`,
        `refresh_token` and `expires_in` (seconds): the access token lasts about 25 hours, the
        refresh token about three months and works once (developers.zalo.me/docs/
        official-account/bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new, as summarised in
        github.com/hoangnd25/monorepo wip/zalo-platform-integration.md, "Token Types")."""
        assert self._client is not None, "open() first"
        form = {
            "refresh_token": refresh_token,
            "app_id": self.app_id,
            "grant_type": "refresh_token",
        }
        body = await self._request(
            "POST",
            f"{self.oauth_url}/v4/oa/access_token",
            headers={"secret_key": self._secret_key},
            data=form,
        )
        access, renewed = body.get("access_token"), body.get("refresh_token")
        if not access or not renewed:
            raise _error(body, 400)
        try:
            seconds = int(body.get("expires_in") or 90000)
        except (TypeError, ValueError):
            seconds = 90000
        expires = datetime.now(UTC) + timedelta(seconds=seconds)
        return TokenPair(access_token=str(access), refresh_token=str(renewed), expires_at=expires)

    async def _call(self, method: str, url: str, access_token: str, **kwargs: Any) -> Any:
        """The `data` of an OA or business API answer `{error: 0, message, data}`."""
        body = await self._request(method, url, headers={"access_token": access_token}, **kwargs)
        if body.get("error") not in (0, "0", None):
            raise _error(body, 400)
        return body.get("data")

    async def _request(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        assert self._client is not None, "open() first"
        where = url.rsplit("/", 2)[-2:]
        try:
            response = await self._client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:  # the request holds a token: never show it
            raise ZaloOaError(
                None,
                f"{'/'.join(where)}: {type(exc).__name__}",
                maybe_delivered=maybe_delivered(exc),
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ZaloOaError(response.status_code, f"HTTP {response.status_code}")
        if response.status_code >= 400 and body.get("error") in (0, "0", None):
            raise ZaloOaError(response.status_code, f"HTTP {response.status_code}")
        return body


def _error(body: dict[str, Any], default: int) -> ZaloOaError:
    """The error an answer carries: `{error, message}` (OA, business) or `{error,
    error_name, error_reason, error_description}` (OAuth)."""
    code = body.get("error")
    try:
        number = int(code) if code is not None else default
    except (TypeError, ValueError):
        number = default
    text = (
        body.get("message")
        or body.get("error_description")
        or body.get("error_reason")
        or body.get("error_name")
        or "error"
    )
    return ZaloOaError(number, str(text))
