"""The Zalo channel (Zalo Bot Platform) over httpx: long polling or webhook, numbered options."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import OrderedDict
from typing import Any

from bot.channels.retry import within_limits
from bot.channels.webhook import BadUpdate, WebhookServer
from bot.channels.zalo_api import TEXT_EVENT, ZaloApi, ZaloApiError, ZaloUpdate
from bot.channels.zalo_render import needs_lang, render
from bot.core.config import ConfigError, Settings
from bot.core.types import (
    Blocked,
    Incoming,
    Kind,
    Reply,
    RetryLater,
    SendError,
    UnknownOutcome,
    UserRef,
)
from bot.engine.dispatch import Dispatcher
from bot.engine.ratelimit import Lane, Limiter

__all__ = ["ZaloChannel", "to_incoming"]

log = logging.getLogger("ketnoi.zalo")

SECRET_HEADER = "X-Bot-Api-Secret-Token"
POLL_BACKOFF_MAX = 60.0
RECENT_MESSAGES = 1000  # message ids remembered to drop a delivery that comes twice


def to_incoming(update: ZaloUpdate) -> Incoming | None:
    """The channel-neutral form of a Zalo update, or None for updates we do not handle."""
    message = update.message
    if message.chat.chat_type.upper() != "PRIVATE" or message.sender.is_bot:
        return None
    base: dict[str, Any] = {
        "user": UserRef(channel="zalo", external_id=message.chat.id),
        "display_name": message.sender.display_name,
    }
    if update.event_name == TEXT_EVENT and message.text is not None:
        kind = Kind.COMMAND if message.text.startswith("/") else Kind.TEXT
        return Incoming(kind=kind, text=message.text, **base)
    # Images stay unsupported, so no flow takes them as a Kind.FILE: Zalo's
    # message.image.received carries only a CDN link to the picture and no file id that the
    # Bot API's sendPhoto could take again, and the docs do not say how long the link lives
    # (a broadcast may take hours). Other files come as message.unsupported.received.
    return Incoming(kind=Kind.UNSUPPORTED, **base)  # images, stickers, voice…


def _failure(exc: Exception) -> SendError | None:
    """The SendError kind of a failed call, which says what to do next."""
    if not isinstance(exc, ZaloApiError):
        return None
    # The Bot API documents no error codes besides 401 and getUpdates' 408; it mirrors
    # Telegram's, so 403 is taken as "blocked by the user" and 429 as "slow down".
    if exc.code == 403:
        return Blocked(str(exc))
    if exc.maybe_delivered:
        return UnknownOutcome(str(exc))
    if exc.transient:
        return RetryLater(str(exc), exc.retry_after if exc.code == 429 else None)
    return SendError(str(exc))


class ZaloChannel:
    """Receives Zalo updates and renders replies as Zalo can show them."""

    name = "zalo"

    def __init__(
        self,
        settings: Settings,
        dispatcher: Dispatcher,
        webhook: WebhookServer | None = None,
        *,
        poll_timeout: float = 30.0,
    ) -> None:
        assert settings.zalo_token is not None
        self.settings = settings
        self.dispatcher = dispatcher
        self.poll_timeout = poll_timeout
        self.api = ZaloApi(settings.zalo_api_url, settings.zalo_token.get_secret_value())
        self._shared_webhook = webhook  # one server for every channel's webhook path
        self._webhook: WebhookServer | None = None
        self._poller: asyncio.Task[None] | None = None
        self._recent: OrderedDict[str, None] = OrderedDict()  # message ids, oldest first
        self.limiter = Limiter(settings.zalo_rate, chat_rate=settings.zalo_chat_rate)
        dispatcher.attach(self, typing=self._typing)

    async def start(self) -> None:
        """Check the token with getMe, then start polling or the webhook."""
        await self.api.open()
        try:
            try:
                me = await self.api.call("getMe")
            except ZaloApiError as exc:
                if exc.code in (401, 403):
                    raise ConfigError(
                        "KETNOI_ZALO_TOKEN was refused by Zalo (invalid token)"
                    ) from None
                raise ConfigError(
                    f"KETNOI_ZALO_API_URL: the Zalo Bot API did not answer getMe ({exc})"
                ) from None
            await self._receive()
        except BaseException:
            await self.stop()  # ConfigError: main prints it as one line and exits with status 2
            raise
        log.info("zalo bot %s started", (me or {}).get("account_name", "?"))

    async def _receive(self) -> None:
        s = self.settings
        if not s.webhook_url:
            try:
                await self.api.call("deleteWebhook")  # getUpdates answers nothing while one is set
            except ZaloApiError as exc:
                raise ConfigError(f"KETNOI_ZALO_TOKEN: deleteWebhook failed ({exc})") from None
            self._poller = asyncio.get_running_loop().create_task(self._poll())
            return
        secret = s.webhook_secret.get_secret_value() if s.webhook_secret else ""
        if not 8 <= len(secret) <= 256:
            raise ConfigError("KETNOI_WEBHOOK_SECRET: Zalo needs 8 to 256 characters")
        webhook = self._shared_webhook or WebhookServer(s.listen)
        webhook.add("/zalo", SECRET_HEADER, secret, self._on_webhook)
        await webhook.start()
        self._webhook = webhook
        url = f"{s.webhook_url.rstrip('/')}/zalo"
        try:
            await self.api.call("setWebhook", {"url": url, "secret_token": secret})
        except ZaloApiError as exc:
            raise ConfigError(
                f"KETNOI_WEBHOOK_URL: Zalo refused the webhook {url} ({exc})"
            ) from None
        log.info("zalo webhook set")

    async def stop_receiving(self) -> None:
        """Take no new updates; the ones in hand finish and are answered. Sending still works."""
        if self._webhook is not None:
            await self._webhook.stop()
            self._webhook = None
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        await self.dispatcher.settle(self.name)

    async def stop(self) -> None:
        """Stop receiving if not yet and close the client."""
        await self.stop_receiving()
        await self.api.close()

    async def _poll(self) -> None:
        """getUpdates in a loop: one update per call; 408 means no one wrote meanwhile."""
        backoff = 1.0
        while True:
            try:
                result = await self.api.call(
                    "getUpdates",
                    {"timeout": f"{self.poll_timeout:g}"},
                    timeout=self.poll_timeout + 10,
                )
            except ZaloApiError as exc:
                if exc.code == 408:
                    continue
                log.warning("zalo getUpdates failed (%s); again in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, POLL_BACKOFF_MAX)
                continue
            backoff = 1.0
            self._dispatch(ZaloUpdate.parse(result))

    async def _on_webhook(self, body: dict[str, Any]) -> None:
        update = ZaloUpdate.parse(body)
        if update is None:
            raise BadUpdate("not a Zalo update")
        incoming = to_incoming(update)
        if incoming is None or self._seen_before(update):
            return
        # The answer waits for the update's place in its sender's order across processes
        # (at once for a process alone): see Dispatcher.arrive.
        await self.dispatcher.arrive(incoming)

    def _dispatch(self, update: ZaloUpdate | None) -> None:
        """Hand an update to the dispatcher, so polling (or the webhook answer) never waits."""
        incoming = to_incoming(update) if update is not None else None
        if incoming is None or update is None or self._seen_before(update):
            return
        self.dispatcher.receive(incoming)

    def _seen_before(self, update: ZaloUpdate) -> bool:
        """Whether this message was handled already: a webhook delivery can come twice."""
        message_id = update.message.message_id
        if message_id is None:
            return False
        if message_id in self._recent:
            return True
        self._recent[message_id] = None
        if len(self._recent) > RECENT_MESSAGES:
            self._recent.popitem(last=False)
        return False

    async def _typing(self, user: UserRef) -> None:
        """Show "typing…" while the reply is made; failing to is not worth a word."""
        params = {"chat_id": user.external_id, "action": "typing"}
        try:
            await self.api.call("sendChatAction", params)
        except ZaloApiError as exc:
            log.debug("zalo typing action failed: %s", exc)

    async def send(self, user: UserRef, replies: list[Reply], lane: Lane = Lane.BULK) -> None:
        """Render and send replies to one chat; platform errors become SendError kinds.
        Options shown outside a turn (by the outbox) become the ones a typed number picks, as
        no button can carry a payload here."""
        menu = next((r for r in reversed(replies) if r.buttons), None)
        if menu is not None and lane is Lane.BULK:
            # Before sending: an answer typed the moment the message shows must find its menu.
            await self.dispatcher.menu_shown(user, menu.options)
        lang = await self.dispatcher.lang(user) if any(needs_lang(r) for r in replies) else None
        for reply in replies:
            for method, params in render(user.external_id, reply, lang):
                await within_limits(
                    functools.partial(self.api.call, method, params),
                    limiter=self.limiter,
                    chat=user.external_id,
                    lane=lane,
                    failure=_failure,
                )
