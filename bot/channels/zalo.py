"""The Zalo channel (Zalo Bot Platform) over httpx: long polling or webhook, numbered options."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

from bot.channels.webhook import BadUpdate, WebhookServer
from bot.channels.zalo_api import TEXT_EVENT, ZaloApi, ZaloApiError, ZaloUpdate
from bot.channels.zalo_render import needs_lang, render
from bot.core.config import ConfigError, Settings
from bot.core.i18n import Lang
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
from bot.dialog.router import Router, user_hash
from bot.engine.ratelimit import Lane, Limiter

__all__ = ["ZaloChannel", "to_incoming"]

log = logging.getLogger("ketnoi.zalo")

SECRET_HEADER = "X-Bot-Api-Secret-Token"
MAX_SEND_RETRIES = 3
MAX_RETRY_WAIT = 5.0  # a longer 429 goes back to the caller (the outbox pauses the lane)
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


def _send_error(exc: ZaloApiError) -> SendError:
    """The SendError kind the outbox acts on."""
    # The Bot API documents no error codes besides 401 and getUpdates' 408; it mirrors
    # Telegram's, so 403 is taken as "blocked by the user" and 429 as "slow down".
    if exc.code == 403:
        return Blocked(str(exc))
    if exc.maybe_delivered:
        return UnknownOutcome(str(exc))
    if exc.transient:
        return RetryLater(str(exc), exc.retry_after if exc.code == 429 else None)
    return SendError(str(exc))


class _ChatLocks:
    """One lock per chat, held from handling an update to sending its replies, so a quick
    second message is never answered before the first; dropped when unused."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users == 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)


class ZaloChannel:
    """Receives Zalo updates and renders replies as Zalo can show them."""

    name = "zalo"

    def __init__(
        self,
        settings: Settings,
        router: Router,
        webhook: WebhookServer | None = None,
        *,
        poll_timeout: float = 30.0,
    ) -> None:
        assert settings.zalo_token is not None
        self.settings = settings
        self.router = router
        self.poll_timeout = poll_timeout
        self.api = ZaloApi(settings.zalo_api_url, settings.zalo_token.get_secret_value())
        self._shared_webhook = webhook  # one server for every channel's webhook path
        self._webhook: WebhookServer | None = None
        self._poller: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._chats = _ChatLocks()
        self._recent: OrderedDict[str, None] = OrderedDict()  # message ids, oldest first
        router.senders[self.name] = self.send
        self.limiter = Limiter(settings.zalo_rate, chat_rate=settings.zalo_chat_rate)
        router.limiters[self.name] = self.limiter

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
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=10)

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
        self._dispatch(update)

    def _dispatch(self, update: ZaloUpdate | None) -> None:
        """Handle an update in the background, so polling (or the webhook answer) never waits."""
        incoming = to_incoming(update) if update is not None else None
        if incoming is None or update is None or self._seen_before(update):
            return
        task = asyncio.get_running_loop().create_task(self._handle(incoming))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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

    async def _handle(self, incoming: Incoming) -> None:
        chat_id = incoming.user.external_id
        try:
            async with self._chats.hold(chat_id):
                typing = None
                if incoming.kind is not Kind.UNSUPPORTED:
                    typing = asyncio.get_running_loop().create_task(self._typing(chat_id))
                replies = await self.router.handle(incoming)
                if typing is not None:
                    await typing
                await self._deliver(incoming.user, replies, Lane.INTERACTIVE)
        except Blocked:
            user = await self.router.services.users.find(incoming.user)
            if user is not None:
                await self.router.services.users.mark_blocked(user.id)
        except SendError:
            log.exception("reply to %s not delivered", user_hash(incoming.user))
        except Exception:
            log.exception("zalo update of %s failed", user_hash(incoming.user))

    async def _typing(self, chat_id: str) -> None:
        """Show "typing…" while the reply is made; failing to is not worth a word."""
        try:
            await self.api.call("sendChatAction", {"chat_id": chat_id, "action": "typing"})
        except ZaloApiError as exc:
            log.debug("zalo typing action failed: %s", exc)

    async def send(self, user: UserRef, replies: list[Reply], lane: Lane = Lane.BULK) -> None:
        """Send replies outside a turn (the outbox); their options become the ones a typed
        number picks, as no button can carry a payload here."""
        menu = next((r for r in reversed(replies) if r.buttons), None)
        found = await self.router.services.users.find(user) if menu is not None else None
        if menu is not None and found is not None:
            # Before sending: an answer typed the moment the message shows must find its menu.
            options = [(b.label, b.payload) for b in menu.options]
            await self.router.services.conversations.set_last_menu(found.id, options)
        await self._deliver(user, replies, lane)

    async def _deliver(self, user: UserRef, replies: list[Reply], lane: Lane) -> None:
        """Render and send replies to one chat; platform errors become SendError kinds."""
        lang = await self._lang(user) if any(needs_lang(r) for r in replies) else None
        for reply in replies:
            for method, params in render(user.external_id, reply, lang):
                await self._call(method, params, lane)

    async def _lang(self, user: UserRef) -> Lang:
        """The user's language, for the words the channel adds itself."""
        found = await self.router.services.users.find(user)
        return self.router.services.i18n.get(found.locale if found else None)

    async def _call(self, method: str, params: dict[str, Any], lane: Lane) -> None:
        """One sending call within the limits; a reply waits out a short 429 a few times,
        bulk hands every 429 back to the outbox."""
        for attempt in range(MAX_SEND_RETRIES):
            await self.limiter.acquire(str(params.get("chat_id", "")), lane)
            try:
                await self.api.call(method, params)
                return
            except ZaloApiError as exc:
                wait = exc.retry_after
                if exc.code == 429 and wait is not None:
                    self.limiter.pause(wait)
                short = exc.code == 429 and wait is not None and wait <= MAX_RETRY_WAIT
                if not short or lane is Lane.BULK or attempt == MAX_SEND_RETRIES - 1:
                    raise _send_error(exc) from exc
                await asyncio.sleep(wait or 0)
