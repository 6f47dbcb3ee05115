"""The Telegram channel: python-telegram-bot, polling or webhook, inline keyboards."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import (
    BotCommand,
    CallbackQuery,
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
    BadRequest,
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
from bot.channels.retry import within_limits
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
from bot.engine.dispatch import Dispatcher
from bot.engine.ratelimit import Lane, Limiter

__all__ = ["TelegramChannel"]

log = logging.getLogger("ketnoi.telegram")

MAX_MESSAGE = 4096  # Bot API limit for sendMessage text
MAX_CAPTION = 1024
POOL = 32  # connections for the Bot API calls (getUpdates has its own)
ANSWERING = 8  # button presses answered at once (answerCallbackQuery)


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
        self,
        settings: Settings,
        dispatcher: Dispatcher,
        webhook: WebhookServer | None = None,
        *,
        send_timeout: float | None = None,
    ) -> None:
        """`send_timeout`: seconds to wait for the answer to a sending call (default
        python-telegram-bot's 5)."""
        assert settings.telegram_token is not None
        self.settings = settings
        self.dispatcher = dispatcher
        root = settings.telegram_api_url.rstrip("/")
        builder = (
            Application.builder()
            .token(settings.telegram_token.get_secret_value())
            .base_url(f"{root}/bot")
            .base_file_url(f"{root}/file/bot")
            # Updates are only handed to the dispatcher here, which answers each person in order.
            .concurrent_updates(256)
            # httpcore looks through every pooled connection for each request: a pool grown to
            # python-telegram-bot's default of 256 (300 buttons pressed at once, each answered)
            # made every later call slower. Replies go out at 30/s; presses are answered
            # ANSWERING at a time.
            .connection_pool_size(POOL)
        )
        if send_timeout is not None:
            builder = builder.read_timeout(send_timeout).write_timeout(send_timeout)
        self.app: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)
        self._shared_webhook = webhook  # one server for every channel's webhook path
        self._webhook: WebhookServer | None = None
        self._edits: dict[tuple[str, str], int] = {}
        self._answering = asyncio.Semaphore(ANSWERING)
        self._answers: set[asyncio.Task[None]] = set()
        self.limiter = Limiter(settings.telegram_rate)
        dispatcher.attach(self)

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
            await self.app.stop()  # the updates fetched so far reach the dispatcher
        await self.dispatcher.settle(self.name)  # handled; replies sent, or kept in the outbox

    async def stop(self) -> None:
        """Stop receiving if not yet and shut python-telegram-bot down."""
        await self.stop_receiving()
        if self._answers:
            await asyncio.wait(self._answers, timeout=2)
        await self.app.shutdown()

    async def _on_webhook(self, body: dict[str, Any]) -> None:
        # Handed over here rather than through the library's queue, so that the answer to
        # Telegram waits for the update's place in its sender's order (Dispatcher.arrive):
        # Telegram sends a chat's next update once this one is answered, to whichever process
        # the balancer picks.
        await self.app.process_update(parse_update(body, self.app.bot))

    async def _publish_commands(self) -> None:
        i18n = self.dispatcher.i18n
        for code in i18n.codes:
            lang = i18n.get(code)
            commands = [
                BotCommand(info.en if code == "en" else info.vi, lang.gettext(info.description))
                for info in self.dispatcher.commands
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
        # Returns at once (alone; or once in order beside other processes): the slot is free
        # for the next update.
        await self.dispatcher.arrive(incoming)
        if update.callback_query is not None:
            task = asyncio.get_running_loop().create_task(self._answer(update.callback_query))
            self._answers.add(task)
            task.add_done_callback(self._answers.discard)

    async def _answer(self, query: CallbackQuery) -> None:
        """Stop the pressed button's spinner, a few presses at a time."""
        async with self._answering:
            try:
                await query.answer()
            except TelegramError as exc:  # the press itself still counts
                log.debug("answerCallbackQuery failed: %s", exc)

    async def _on_membership(self, update: Update) -> None:
        member = update.my_chat_member
        assert member is not None
        if member.chat.type != "private":
            return
        ref = UserRef(channel="telegram", external_id=str(member.chat.id))
        if member.new_chat_member.status == "kicked":
            await self.dispatcher.blocked(ref)
        else:
            await self.dispatcher.unblocked(ref)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram error: %s", type(context.error).__name__, exc_info=context.error)

    async def send(self, user: UserRef, replies: list[Reply], lane: Lane = Lane.BULK) -> None:
        """Render and send replies to one chat; platform errors become SendError kinds."""
        chat_id = int(user.external_id)
        for reply in replies:
            await self._send_one(chat_id, user, reply, lane)

    async def _send_one(self, chat_id: int, user: UserRef, reply: Reply, lane: Lane) -> None:
        reply = attachment_as_text(reply, self.name)
        markup = _markup(reply)
        bot = self.app.bot
        if reply.edit_key and (str(user), reply.edit_key) in self._edits:
            message_id = self._edits[(str(user), reply.edit_key)]
            inline = markup if isinstance(markup, InlineKeyboardMarkup) else None

            async def edit() -> None:
                try:
                    await bot.edit_message_text(
                        reply.text, chat_id=chat_id, message_id=message_id, reply_markup=inline
                    )
                except BadRequest as exc:
                    # the same edit made again (its first answer was lost): it is there
                    if "not modified" not in exc.message.lower():
                        raise

            await self._retry(chat_id, lane, edit)
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
        """Make a Bot API call within the limits, tried again as bot/channels/retry.py says."""
        return await within_limits(
            call, limiter=self.limiter, chat=chat_id, lane=lane, failure=_failure
        )


def _failure(exc: Exception) -> SendError | None:
    """A python-telegram-bot error as the SendError kind that says what to do next."""
    if isinstance(exc, Forbidden):
        return Blocked(str(exc))
    if isinstance(exc, RetryAfter):
        return RetryLater(str(exc), _seconds(exc.retry_after))
    if isinstance(exc, ChatMigrated):
        return ChatMoved(str(exc), str(exc.new_chat_id))
    if isinstance(exc, NetworkError):  # timeouts, 5xx and connection errors
        return _network_error(exc)
    if isinstance(exc, TelegramError):
        return SendError(str(exc))
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
