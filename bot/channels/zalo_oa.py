"""The Zalo Official Account channel: the Department's verified account on Zalo.

Receiving: Zalo posts each event to the webhook `/zalo-oa` on KETNOI_LISTEN, signed
(bot/channels/zalo_oa_api.signature_valid). A request badly signed or unsigned, or dated more
than STALE_AFTER ago, gets 403 and is not processed; a good one is stored in the database's
inbox (once, however often Zalo retries it: keyed by its message id) before the 200 goes back.
The inbox (bot/channels/zalo_oa_inbox.py) hands the events to the dispatcher, each follower's
in order, and keeps each until its turn commits: none is lost to a stop or a crash, none is
handled twice after a turn that committed.

Sending: a reply, or anything the outbox sends while the person's window is open (they did
something in the last 7 days), is a customer-service message. After 7 days Zalo refuses those
(-230): a reminder or a decision then goes as a template message to the phone the person
shared through the request-for-information card, if the Department configured a template for
its kind; anything else is recorded as unreachable, counted in the staff's figures, never
silently lost.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from bot.channels.retry import within_limits
from bot.channels.webhook import BadUpdate, WebhookServer
from bot.channels.zalo_oa_api import OaEvent, ZaloOaApi, ZaloOaError
from bot.channels.zalo_oa_events import CHANNEL, refusal
from bot.channels.zalo_oa_inbox import Inbox
from bot.channels.zalo_oa_render import needs_lang, render
from bot.channels.zalo_oa_templates import TemplateBook, TemplateError
from bot.channels.zalo_oa_tokens import RefreshRefused, TokenKeeper
from bot.core.clock import utcnow
from bot.core.config import ConfigError, Settings
from bot.core.i18n import Lang
from bot.core.notices import NAME
from bot.core.types import (
    Blocked,
    Notice,
    Reply,
    RetryLater,
    SendError,
    UnknownOutcome,
    Unreachable,
    UserRef,
)
from bot.engine.dispatch import Dispatcher
from bot.engine.ratelimit import Lane, Limiter
from storage.zalo_oa import FREE_WINDOW, WINDOW, OaContact, ZaloOaRepo

__all__ = ["PATH", "ZaloOaChannel"]

log = logging.getLogger("ketnoi.zalo_oa")

T = TypeVar("T")
PATH = "/zalo-oa"
NOT_FOLLOWING = -213  # "User has not followed the OA" (the fake's; Zalo also says so)


def _failure(exc: ZaloOaError) -> SendError:
    """The SendError kind of a failed call, which tells the outbox what to do next."""
    if exc.code == NOT_FOLLOWING:
        return Blocked(str(exc))
    if exc.maybe_delivered:
        return UnknownOutcome(str(exc))
    if exc.transient:
        return RetryLater(str(exc))
    return SendError(str(exc))


class ZaloOaChannel:
    """Receives the OA's webhook events and sends as the OA: in the window, or by template."""

    name = CHANNEL

    def __init__(
        self, settings: Settings, dispatcher: Dispatcher, repo: ZaloOaRepo, webhook: WebhookServer
    ) -> None:
        assert settings.zalo_oa_refresh_token is not None
        assert settings.zalo_oa_app_id is not None and settings.zalo_oa_webhook_key is not None
        self.settings = settings
        self.dispatcher = dispatcher
        self.repo = repo
        self.webhook = webhook
        self.api = ZaloOaApi.from_settings(settings)
        self.keeper = TokenKeeper(repo, self.api, settings.zalo_oa_refresh_token.get_secret_value())
        self.book = TemplateBook()
        self._app_id = settings.zalo_oa_app_id
        self._key = settings.zalo_oa_webhook_key.get_secret_value()
        self.limiter = Limiter(settings.zalo_oa_rate, chat_rate=settings.zalo_oa_chat_rate)
        # Template messages have a budget of their own: each is paid.
        self.template_limiter = Limiter(settings.zalo_oa_template_rate)
        self._serving = False
        self.inbox = Inbox(repo, dispatcher, self._app_id)
        dispatcher.attach(self)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Get a valid access token, read the template file, then serve the webhook."""
        await self.api.open()
        try:
            await self._connect()
            self.webhook.add_signed(PATH, self._verify, self._on_event)
            await self.webhook.start()
            self._serving = True
        except BaseException:
            await self.stop()  # ConfigError: main prints it as one line and exits with status 2
            raise
        self.inbox.start()
        log.info("zalo oa started; webhook at %s", PATH)

    async def _connect(self) -> None:
        try:
            self.book = TemplateBook.load(self.settings.zalo_oa_templates)
        except TemplateError as exc:
            raise ConfigError(f"KETNOI_ZALO_OA_TEMPLATES: {exc}") from None
        await self.keeper.start()
        try:
            token, _ = await self.keeper.token()
        except RefreshRefused as exc:
            raise ConfigError(
                "KETNOI_ZALO_OA_REFRESH_TOKEN was refused by Zalo: authorise the app for the OA"
                f" again and set the new refresh token ({exc})"
            ) from None
        except ZaloOaError as exc:
            raise ConfigError(f"KETNOI_ZALO_OA_OAUTH_URL: Zalo did not answer ({exc})") from None
        for spec in self.book.templates.values():  # prices and lengths; the check says more
            try:
                self.book.learn(
                    spec.template_id, await self.api.template_info(token, spec.template_id)
                )
            except ZaloOaError as exc:
                log.warning("zalo oa template %s: %s", spec.template_id, exc)
        if not self.book.templates:
            log.warning(
                "zalo oa: no template configured (%s): after 7 days without a word from"
                " someone, nothing can reach them",
                self.settings.zalo_oa_templates,
            )

    async def stop_receiving(self) -> None:
        """Take no new events; the ones in hand finish and are answered, and those not reached
        go back to the inbox for the next start. Sending still works."""
        if self._serving:
            self._serving = False
            await self.webhook.stop()
        await self.inbox.stop_taking()
        await self.dispatcher.settle(self.name)
        await self.inbox.hand_back()

    async def stop(self) -> None:
        """Stop receiving if not yet and close the client."""
        await self.stop_receiving()
        await self.api.close()

    # -- the webhook -------------------------------------------------------------------------

    def _verify(self, raw: bytes, headers: Mapping[str, str]) -> str | None:
        """Why a request is refused (a wrong or missing signature, a stale event), or None."""
        return refusal(raw, headers, app_id=self._app_id, key=self._key, now=utcnow())

    async def _on_event(self, raw: bytes, body: dict[str, Any]) -> None:
        """Store a verified event for the worker (a retry adds nothing) before answering."""
        event = OaEvent.parse(body)
        if event is None:
            raise BadUpdate("not a Zalo OA event")
        body_text = raw.decode("utf-8", errors="replace")
        if await self.repo.receive(event.key, body_text, event.user_id):
            self.inbox.wake()
        else:
            log.debug("zalo oa event %s came again; kept once", event.event_name)

    # -- sending -----------------------------------------------------------------------------

    async def send(self, user: UserRef, replies: list[Reply], lane: Lane = Lane.BULK) -> None:
        """Send replies to one follower: as customer-service messages while their window is
        open, else (for what the outbox sends) by template, else Unreachable."""
        contact = await self.repo.contact(user.external_id)
        last = contact.last_interaction_at if contact else None
        now = utcnow()
        if last is None or now - last >= WINDOW:
            if lane is not Lane.BULK:  # a reply Zalo refused before: it will again
                raise Unreachable("zalo oa: outside the 7-day window")
            await self._by_template(user, contact, replies)
            return
        try:
            sent = await self._in_window(user, replies, lane)
        except _WindowClosed:
            await self.repo.window_closed(user.external_id)
            if lane is not Lane.BULK:
                raise Unreachable("zalo oa: outside the 7-day window") from None
            await self._by_template(user, contact, replies)
            return
        if lane is Lane.BULK and last is not None and now - last > FREE_WINDOW:
            await self.repo.paid_messages_sent(sent)

    async def _in_window(self, user: UserRef, replies: list[Reply], lane: Lane) -> int:
        """Customer-service messages; options shown by the outbox become the ones a typed
        number picks (as on the Bot Platform: no button carries a payload here). Returns how
        many went."""
        menu = next((r for r in reversed(replies) if r.buttons), None)
        if menu is not None and lane is Lane.BULK:
            await self.dispatcher.menu_shown(user, menu.options)
        lang = await self._lang(user) if any(needs_lang(r) for r in replies) else None
        image = self.settings.zalo_oa_card_image
        sent = 0
        for reply in replies:
            for message in render(reply, lang, image):
                send = functools.partial(
                    self.api.send_message, user_id=user.external_id, message=message
                )
                await self._call(self.limiter, user.external_id, lane, send)
                sent += 1
        return sent

    async def _by_template(
        self, user: UserRef, contact: OaContact | None, replies: list[Reply]
    ) -> None:
        """A reminder or decision as a template message to the phone shared with consent."""
        notice = next((r.notice for r in replies if r.notice is not None), None)
        if notice is None:
            raise Unreachable("zalo oa: outside the 7-day window; only notices go by template")
        if contact is None or not contact.phone or contact.phone_consent_at is None:
            raise Unreachable(f"zalo oa: outside the 7-day window; no phone shared ({notice.kind})")
        filled = self.book.data(notice.kind, _values(notice, contact))
        if filled is None:
            raise Unreachable(f"zalo oa: outside the 7-day window; no template for {notice.kind}")
        spec, data = filled
        tracking = uuid.uuid4().hex
        phone = contact.phone
        try:
            await self._call(
                self.template_limiter,
                "template",
                Lane.BULK,
                lambda token: self.api.send_template(
                    token,
                    phone=phone,
                    template_id=spec.template_id,
                    data=data,
                    tracking_id=tracking,
                ),
            )
        except (RetryLater, UnknownOutcome):
            raise
        except SendError as exc:
            await self.repo.template_tried(notice.kind, spec.template_id, tracking, error=str(exc))
            raise Unreachable(f"zalo oa: template message refused ({exc})") from exc
        cost = self.book.price(spec.template_id)
        await self.repo.template_tried(notice.kind, spec.template_id, tracking, cost=cost)
        log.info("zalo oa: %s sent as template %s (%d VND)", notice.kind, spec.template_id, cost)

    async def _call(
        self,
        limiter: Limiter,
        chat: str,
        lane: Lane,
        call: Callable[..., Awaitable[T]],
    ) -> T:
        """One API call within the limits and tried again as every channel's are
        (bot/channels/retry.py), with a valid token: a refused token is refreshed once and the
        call made again. Platform errors become SendError kinds."""

        async def with_token() -> T:
            token, generation = await self.keeper.token()
            try:
                return await call(token)
            except ZaloOaError as exc:
                if not exc.token_invalid:
                    raise
            token, generation = await self.keeper.renew(generation)
            return await call(token)

        return await within_limits(
            with_token, limiter=limiter, chat=chat, lane=lane, failure=_send_error
        )

    async def _lang(self, user: UserRef) -> Lang:
        """The user's language, for the words the channel adds itself."""
        return await self.dispatcher.lang(user)


class _WindowClosed(SendError):
    """Zalo answered -230: the follower has been silent for more than 7 days."""


def _send_error(exc: Exception) -> SendError | None:
    """What a failed call means (None: not the platform's, raised as it is)."""
    if isinstance(exc, ZaloOaError):
        return _WindowClosed(str(exc)) if exc.outside_window else _failure(exc)
    if isinstance(exc, RefreshRefused):
        log.error("zalo oa: the refresh token was refused; authorise the app again")
        return RetryLater(f"zalo oa: refresh token refused ({exc})", 600)
    return None


def _values(notice: Notice, contact: OaContact) -> dict[str, str]:
    """A notice's fields, with the name the follower shared when the notice has none."""
    values = dict(notice.fields)
    if not values.get(NAME) and contact.shared_name:
        values[NAME] = contact.shared_name
    return values
