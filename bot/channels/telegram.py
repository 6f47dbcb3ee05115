"""The Telegram channel: python-telegram-bot, polling or webhook, inline keyboards."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import (
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.channels.outcome import maybe_delivered
from bot.channels.telegram_update import parse_update
from bot.channels.text import attachment_as_text, split_text
from bot.channels.webhook import WebhookServer
from bot.core.config import ConfigError, Settings
from bot.core.types import (
    Attachment,
    Blocked,
    ChatMoved,
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

__all__ = ["TelegramChannel"]

log = logging.getLogger("ketnoi.telegram")

MAX_MESSAGE = 4096  # Bot API limit for sendMessage text
MAX_CAPTION = 1024
MAX_SEND_RETRIES = 3


def to_incoming(update: Update) -> Incoming | None:
    """The channel-neutral form of a Telegram update, or None for updates we do not handle."""
    if update.callback_query is not None:
        query = update.callback_query
        user = query.from_user
        return Incoming(
            user=UserRef(channel="telegram", external_id=str(user.id)),
            kind=Kind.BUTTON,
            payload=query.data or "",
            display_name=user.full_name,
            language_hint=user.language_code,
        )
    message = update.message
    if message is None or message.from_user is None or message.chat.type != "private":
        return None
    user = message.from_user
    base: dict[str, Any] = {
        "user": UserRef(channel="telegram", external_id=str(user.id)),
        "display_name": user.full_name,
        "language_hint": user.language_code,
    }
    if message.contact is not None:
        contact = message.contact
        # Any contact can be shared, not only one's own (Bot API, Contact.user_id)
        owner = str(contact.user_id) if contact.user_id is not None else None
        return Incoming(
            kind=Kind.CONTACT, phone=contact.phone_number, contact_user_id=owner, **base
        )
    if message.location is not None:
        return Incoming(
            kind=Kind.LOCATION,
            latitude=message.location.latitude,
            longitude=message.location.longitude,
            **base,
        )
    if message.text is not None:
        kind = Kind.COMMAND if message.text.startswith("/") else Kind.TEXT
        return Incoming(kind=kind, text=message.text, **base)
    attachment = _attachment(message)
    if attachment is not None:
        return Incoming(kind=Kind.FILE, text=message.caption or "", attachment=attachment, **base)
    return Incoming(kind=Kind.UNSUPPORTED, **base)


def _attachment(message: Message) -> Attachment | None:
    """A photo (its largest size) or a document, by the file_id that sends it again."""
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        return Attachment(channel="telegram", kind="photo", file_id=largest.file_id)
    if message.document is not None:
        doc = message.document
        return Attachment(
            channel="telegram", kind="document", file_id=doc.file_id, file_name=doc.file_name
        )
    return None


def _markup(
    reply: Reply,
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    if reply.request_contact:
        # One message carries one keyboard: the contact button and the reply's options become
        # a reply keyboard; a pressed option arrives as its label, which the router maps back.
        rows = [[KeyboardButton(reply.request_contact, request_contact=True)]]
        rows += [[KeyboardButton(b.label) for b in row] for row in reply.buttons]
        return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
    if reply.buttons:
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(b.label, callback_data=b.payload) for b in row]
                for row in reply.buttons
            ]
        )
    if reply.remove_keyboard:
        return ReplyKeyboardRemove()
    return None


class TelegramChannel:
    """Receives updates with python-telegram-bot and renders replies for Telegram."""

    name = "telegram"

    def __init__(
        self, settings: Settings, router: Router, webhook: WebhookServer | None = None
    ) -> None:
        assert settings.telegram_token is not None
        self.settings = settings
        self.router = router
        root = settings.telegram_api_url.rstrip("/")
        self.app: Application[Any, Any, Any, Any, Any, Any] = (
            Application.builder()
            .token(settings.telegram_token.get_secret_value())
            .base_url(f"{root}/bot")
            .base_file_url(f"{root}/file/bot")
            .concurrent_updates(256)  # different users in parallel; the router orders each user
            .build()
        )
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)
        self._shared_webhook = webhook  # one server for every channel's webhook path
        self._webhook: WebhookServer | None = None
        self._edits: dict[tuple[str, str], int] = {}
        router.senders[self.name] = self.send
        self.limiter = Limiter(settings.telegram_rate)
        router.limiters[self.name] = self.limiter

    async def start(self) -> None:
        """Check the token, publish the commands, and start polling or the webhook."""
        try:
            await self.app.initialize()
        except InvalidToken:
            # ConfigError: main prints it as one line and exits with status 2
            raise ConfigError(
                "KETNOI_TELEGRAM_TOKEN was refused by Telegram (invalid token)"
            ) from None
        await self._publish_commands()
        await self.app.start()
        s = self.settings
        if s.webhook_url:
            assert s.webhook_secret is not None
            secret = s.webhook_secret.get_secret_value()
            self._webhook = self._shared_webhook or WebhookServer(s.listen)
            self._webhook.add(
                "/telegram", "X-Telegram-Bot-Api-Secret-Token", secret, self._on_webhook
            )
            await self._webhook.start()
            url = f"{s.webhook_url.rstrip('/')}/telegram"
            await self.app.bot.set_webhook(url, secret_token=secret)
            log.info("telegram webhook set")
        else:
            assert self.app.updater is not None
            await self.app.bot.delete_webhook()
            await self.app.updater.start_polling(
                allowed_updates=["message", "callback_query", "my_chat_member"]
            )

    async def stop_receiving(self) -> None:
        """Take no new updates; the ones in hand finish and are answered. Sending still works."""
        if self._webhook is not None:
            await self._webhook.stop()
            self._webhook = None
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()  # confirms the updates fetched, so none comes twice
        if self.app.running:
            await self.app.stop()  # waits for the updates being handled

    async def stop(self) -> None:
        """Stop receiving if not yet and shut python-telegram-bot down."""
        await self.stop_receiving()
        await self.app.shutdown()

    async def _on_webhook(self, body: dict[str, Any]) -> None:
        await self.app.update_queue.put(parse_update(body, self.app.bot))

    async def _publish_commands(self) -> None:
        i18n = self.router.services.i18n
        for code in i18n.codes:
            lang = i18n.get(code)
            commands = [
                BotCommand(info.en if code == "en" else info.vi, lang.gettext(info.description))
                for info in self.router.command_list
                if info.description
            ]
            await self.app.bot.set_my_commands(commands, language_code=code)
            if code == self.settings.locale:
                await self.app.bot.set_my_commands(commands)

    async def _on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update):
            return
        if update.my_chat_member is not None:
            await self._on_membership(update)
            return
        incoming = to_incoming(update)
        if incoming is None:
            return
        if update.callback_query is not None:
            await update.callback_query.answer()
        replies = await self.router.handle(incoming)
        try:
            await self.send(incoming.user, replies, Lane.INTERACTIVE)
        except Blocked:
            user = await self.router.services.users.find(incoming.user)
            if user is not None:
                await self.router.services.users.mark_blocked(user.id)
        except SendError:
            log.exception("reply to %s not delivered", user_hash(incoming.user))

    async def _on_membership(self, update: Update) -> None:
        member = update.my_chat_member
        assert member is not None
        if member.chat.type != "private":
            return
        ref = UserRef(channel="telegram", external_id=str(member.chat.id))
        users = self.router.services.users
        if member.new_chat_member.status == "kicked":
            user = await users.find(ref)
            if user is not None:
                await users.mark_blocked(user.id)
        else:
            await users.mark_unblocked(ref)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram error: %s", type(context.error).__name__, exc_info=context.error)

    async def send(self, user: UserRef, replies: list[Reply], lane: Lane = Lane.BULK) -> None:
        """Render and send replies to one chat; platform errors become SendError kinds."""
        chat_id = int(user.external_id)
        for reply in replies:
            try:
                await self._send_one(chat_id, user, reply, lane)
            except Forbidden as exc:
                raise Blocked(str(exc)) from exc
            except RetryAfter as exc:
                raise RetryLater(str(exc), _seconds(exc.retry_after)) from exc
            except ChatMigrated as exc:
                raise ChatMoved(str(exc), str(exc.new_chat_id)) from exc
            except NetworkError as exc:  # timeouts, 5xx and connection errors
                raise _network_error(exc) from exc
            except TelegramError as exc:
                raise SendError(str(exc)) from exc

    async def _send_one(self, chat_id: int, user: UserRef, reply: Reply, lane: Lane) -> None:
        reply = attachment_as_text(reply, self.name)
        markup = _markup(reply)
        bot = self.app.bot
        if reply.edit_key and (str(user), reply.edit_key) in self._edits:
            message_id = self._edits[(str(user), reply.edit_key)]
            inline = markup if isinstance(markup, InlineKeyboardMarkup) else None
            await self._retry(
                chat_id,
                lane,
                lambda: bot.edit_message_text(
                    reply.text, chat_id=chat_id, message_id=message_id, reply_markup=inline
                ),
            )
            return
        if reply.venue is not None:
            v = reply.venue
            await self._retry(
                chat_id,
                lane,
                lambda: bot.send_venue(chat_id, v.latitude, v.longitude, v.title, v.address),
            )
        if reply.attachment is not None:
            sent_file = reply.attachment
            caption = reply.text if len(reply.text) <= MAX_CAPTION else None
            send_file = bot.send_photo if sent_file.kind == "photo" else bot.send_document
            await self._retry(
                chat_id,
                lane,
                lambda: send_file(chat_id, sent_file.file_id, caption=caption, reply_markup=markup),
            )
            if caption is not None or not reply.text:
                return
        elif reply.document is not None:
            doc = reply.document
            caption = reply.text if len(reply.text) <= MAX_CAPTION else None
            await self._retry(
                chat_id,
                lane,
                lambda: bot.send_document(
                    chat_id,
                    InputFile(doc.content, filename=doc.filename),
                    caption=caption,
                    reply_markup=markup,
                ),
            )
            if caption is not None or not reply.text:
                return
        elif reply.photo is not None or reply.photo_url is not None:
            photo = reply.photo if reply.photo is not None else reply.photo_url
            caption = reply.text if len(reply.text) <= MAX_CAPTION else None
            await self._retry(
                chat_id,
                lane,
                lambda: bot.send_photo(chat_id, photo, caption=caption, reply_markup=markup),
            )
            if caption is not None or not reply.text:
                return
        if not reply.text:
            return
        pieces = split_text(reply.text, MAX_MESSAGE)
        sent: Message | None = None
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            sent = await self._retry(
                chat_id,
                lane,
                lambda p=piece, m=(markup if last else None): bot.send_message(
                    chat_id, p, reply_markup=m
                ),
            )
        if reply.edit_key and sent is not None:
            self._edits[(str(user), reply.edit_key)] = sent.message_id

    async def _retry(self, chat_id: int, lane: Lane, call: Any) -> Any:
        """Make a Bot API call within the limits; a reply waits out 429s, bulk hands them back."""
        for attempt in range(MAX_SEND_RETRIES):
            await self.limiter.acquire(chat_id, lane)
            try:
                return await call()
            except RetryAfter as exc:
                self.limiter.pause(_seconds(exc.retry_after))
                if lane is Lane.BULK or attempt == MAX_SEND_RETRIES - 1:
                    raise
                await asyncio.sleep(_seconds(exc.retry_after))
        return None


def _network_error(exc: NetworkError) -> SendError:
    """A 5xx or a call that never left is RetryLater; a call that may have arrived (a read
    timeout, a connection dropped before the answer) is UnknownOutcome."""
    # python-telegram-bot raises a transport failure `from` the httpx error
    # (telegram/request/_httpxrequest.py, do_request) and an HTTP error status without a cause,
    # or from the error that parsing its body raised (_baserequest.py, _request_wrapper).
    cause = exc.__cause__
    transport = isinstance(exc, TimedOut) or not (cause is None or isinstance(cause, TelegramError))
    if transport and maybe_delivered(cause):
        return UnknownOutcome(str(exc) or type(exc).__name__)
    return RetryLater(str(exc))


def _seconds(delay: Any) -> float:
    """retry_after as seconds (python-telegram-bot gives an int or a timedelta)."""
    return float(delay.total_seconds() if hasattr(delay, "total_seconds") else delay)
