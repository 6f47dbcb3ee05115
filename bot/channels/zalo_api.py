"""The Zalo Bot API on the wire: one httpx client, its errors, and the update payloads."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.channels.outcome import maybe_delivered

__all__ = ["ZaloApi", "ZaloApiError", "ZaloChat", "ZaloMessage", "ZaloSender", "ZaloUpdate"]

log = logging.getLogger("ketnoi.zalo")

TEXT_EVENT = "message.text.received"


class ZaloApiError(Exception):
    """A call failed: `code` is the API's error_code (None when the server was not reached)."""

    def __init__(
        self,
        code: int | None,
        description: str,
        retry_after: float | None = None,
        *,
        maybe_delivered: bool = False,
    ) -> None:
        super().__init__(f"{code or 'network'}: {description}")
        self.code = code
        self.description = description
        self.retry_after = retry_after
        # no answer to a request that went out: the platform may have acted on it
        self.maybe_delivered = maybe_delivered

    @property
    def transient(self) -> bool:
        """Whether trying again later may work: no answer, a timeout, 429 or a server error."""
        return self.code is None or self.code in (408, 429) or self.code >= 500


class _Model(BaseModel):
    # Zalo adds fields over time and sends ids as strings or numbers.
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, populate_by_name=True)


class ZaloSender(_Model):
    """Who wrote."""

    id: str
    display_name: str | None = None
    is_bot: bool = False


class ZaloChat(_Model):
    """Where they wrote: a private chat (its id is the user's) or a group."""

    id: str
    chat_type: str = "PRIVATE"


class ZaloMessage(_Model):
    """A user's message; only text events carry `text`."""

    sender: ZaloSender = Field(alias="from")
    chat: ZaloChat
    message_id: str | None = None
    date: int | None = None
    text: str | None = None
    photo_url: str | None = None
    caption: str | None = None
    sticker: str | None = None


class ZaloUpdate(_Model):
    """One event: `message.text.received`, `message.image.received`, `message.sticker…`."""

    event_name: str
    message: ZaloMessage

    @classmethod
    def parse(cls, body: Any) -> ZaloUpdate | None:
        """An update from either shape seen in practice: `{ok, result: {…}}` or the flat `{…}`."""
        if isinstance(body, dict) and isinstance(body.get("result"), dict):
            body = body["result"]
        if not isinstance(body, dict) or "event_name" not in body:
            return None
        try:
            return cls.model_validate(body)
        except ValidationError as exc:
            log.warning("zalo update not understood: %s", exc.errors()[0].get("msg"))
            return None


class ZaloApi:
    """Calls `{root}/bot{token}/{method}` with a JSON body; answers `{ok, result}` or an error."""

    def __init__(self, root: str, token: str, *, timeout: float = 15.0) -> None:
        self._base = f"{root.rstrip('/')}/bot{token}"
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        """Make the one client of this channel."""
        # A few connections: httpcore looks through every pooled one for each request, and the
        # dispatcher sends at the channel's rate (see bot/channels/telegram.py, POOL).
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
        self._client = httpx.AsyncClient(base_url=self._base, timeout=self._timeout, limits=limits)

    async def close(self) -> None:
        """Close the client."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def call(
        self, method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> Any:
        """The `result` of one call; raises ZaloApiError (never an httpx error)."""
        assert self._client is not None, "open() first"
        try:
            response = await self._client.post(
                f"/{method}", json=params or {}, timeout=timeout or self._timeout
            )
        except httpx.TimeoutException as exc:
            raise ZaloApiError(
                None,
                f"{method} timed out ({type(exc).__name__})",
                maybe_delivered=maybe_delivered(exc),
            ) from None
        except httpx.HTTPError as exc:  # the URL holds the token: never show the request
            raise ZaloApiError(
                None, f"{method}: {type(exc).__name__}", maybe_delivered=maybe_delivered(exc)
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ZaloApiError(response.status_code, f"HTTP {response.status_code}")
        if body.get("ok") is True:
            return body.get("result")
        parameters = body.get("parameters") or {}
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        raise ZaloApiError(
            int(body.get("error_code") or response.status_code),
            str(body.get("description") or "error"),
            float(retry_after) if isinstance(retry_after, int | float) else None,
        )
