"""Incoming -> handler: a command, a button payload, the active flow step, or free text."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import hashlib
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.i18n import I18n, Lang
from bot.core.types import Incoming, Kind, Reply, UserRef
from bot.dialog.traffic import Traffic
from bot.domain.textnorm import fold
from bot.engine.ratelimit import Limiter
from bot.services.audit import Audit
from storage.booths import BoothRepo
from storage.broadcasts import BroadcastRepo
from storage.conversations import Conversation, ConversationRepo
from storage.enterprises import EnterpriseRepo
from storage.fairs import FairRepo
from storage.faq import FaqRepo
from storage.invitations import InvitationRepo
from storage.links import LinkRepo
from storage.outbox import OutboxRepo
from storage.questions import QuestionRepo
from storage.registrations import RegistrationRepo
from storage.reminders import ReminderRepo
from storage.reports import ReportRepo
from storage.roles import RoleRepo
from storage.signing_keys import SigningKeyRepo
from storage.users import User, UserRepo
from storage.web_sessions import WebSessionRepo

if TYPE_CHECKING:
    from bot.core.config import Settings
    from storage.db import Database

__all__ = [
    "MAX_TEXT",
    "Build",
    "CommandInfo",
    "Handler",
    "Router",
    "Sender",
    "Services",
    "Turn",
    "user_hash",
]

log = logging.getLogger("ketnoi.router")

Handler = Callable[["Turn"], Awaitable[list[Reply]]]
Sender = Callable[[UserRef, list[Reply]], Awaitable[None]]
Build = Callable[[Lang], list[Reply]]  # replies built in the recipient's language
MAX_TEXT = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


def user_hash(ref: UserRef) -> str:
    """A short stable pseudonym of a user for the logs (never the raw id)."""
    return _pseudonym(ref.channel, ref.external_id)


@functools.lru_cache(maxsize=4096)  # the same users come back (DEBUG lines, failures)
def _pseudonym(channel: str, external_id: str) -> str:
    return hashlib.sha256(f"{channel}:{external_id}".encode()).hexdigest()[:10]


@dataclass(kw_only=True)
class Services:
    """What handlers may use: settings, catalogs and repositories, made once at start-up."""

    settings: Settings
    db: Database
    i18n: I18n
    users: UserRepo
    conversations: ConversationRepo
    outbox: OutboxRepo
    links: LinkRepo  # /lien_ket codes; which identity of an account to write to
    fairs: FairRepo
    booths: BoothRepo
    signing_keys: SigningKeyRepo  # the check-in key when KETNOI_CHECKIN_SECRET is not set
    enterprises: EnterpriseRepo
    faq: FaqRepo
    questions: QuestionRepo  # the log of free-text questions
    roles: RoleRepo  # staff roles; the owners are KETNOI_ADMINS
    audit: Audit  # admin actions: await audit.record(turn, action, before, after)
    reports: ReportRepo  # the staff's figures, searches and exports
    broadcasts: BroadcastRepo  # announcements and their audiences
    reminders: ReminderRepo  # reminder rules, sectors followed, feedback, opt-outs
    invitations: InvitationRepo  # producers imported from lists, waiting to claim
    registrations: RegistrationRepo  # the staff's lists of registrations, and their tags
    web_sessions: WebSessionRepo  # staff's login links and sessions on the web pages


@dataclass(frozen=True)
class CommandInfo:
    """A command as published to the platforms: its names per language and a description."""

    names: tuple[str, ...]
    description: str | None
    vi: str
    en: str


@dataclass
class Turn:
    """One update being handled: who, where they are, and how to speak to them."""

    incoming: Incoming
    user: User
    conversation: Conversation
    lang: Lang
    services: Services
    router: Router
    is_new_user: bool = False
    notifications: list[tuple[int | UserRef, Build]] = field(default_factory=list)
    staff_notices: list[Build] = field(default_factory=list)  # for notify_admins

    def _(self, message: str) -> str:
        """Translate into the user's language."""
        return self.lang.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate with a plural form."""
        return self.lang.ngettext(singular, plural, n)

    @property
    def payload_parts(self) -> list[str]:
        """The button payload split on ':' (`fair:42:apply` -> ['fair', '42', 'apply'])."""
        return (self.incoming.payload or "").split(":")

    def notify(self, user: int | UserRef, build: Build) -> None:
        """Send another user (by id or platform address) a message in their language,
        once this turn is committed."""
        self.notifications.append((user, build))

    def notify_admins(self, build: Build) -> None:
        """Send the staff who review (the owners in KETNOI_ADMINS, admins and moderators) a
        message, once this turn is committed."""
        self.staff_notices.append(build)

    async def run_command(self, name: str) -> list[Reply]:
        """Answer as if the user had typed `/name`."""
        handler = self.router.commands.get(name)
        if handler is None:
            return await self.router.not_built(self)
        return await handler(self)


class _UserLocks:
    """One lock per user, so each user's updates run in order; dropped when unused."""

    def __init__(self) -> None:
        # by (channel, external id): hashing a tuple of strings is cheaper than a UserRef
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}

    async def __call__(self, ref: UserRef, work: Callable[[], Awaitable[list[Reply]]]) -> Any:
        key = (ref.channel, ref.external_id)
        held = self._locks.get(key)
        lock, users = held if held is not None else (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                return await work()
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class Router:
    """Routes each update to one handler, inside one transaction, and counts it."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.commands: dict[str, Handler] = {}
        self.command_list: list[CommandInfo] = []
        self.buttons: dict[str, Handler] = {}
        self.flows: dict[str, Handler] = {}
        self.file_flows: set[str] = set()  # flows that take photos and documents
        self.senders: dict[str, Sender] = {}
        self.limiters: dict[str, Limiter] = {}  # each channel's sending budget
        self.deep_links: dict[str, Handler] = {}
        self._text: Handler | None = None
        self._not_built: Handler | None = None
        self._fallbacks: dict[str, Handler] = {}
        self._locks = _UserLocks()
        self.traffic = Traffic()  # summed up in the log once a minute (bot/dialog/traffic.py)
        self.on_queued: Callable[[], None] = lambda: None  # the outbox's wake-up call

    # -- registration ---------------------------------------------------------------------

    def command(
        self, names: Sequence[str], handler: Handler, *, description: str | None = None
    ) -> None:
        """Handle `/name` for each name (Vietnamese first, then English)."""
        for name in names:
            if name in self.commands:
                raise ValueError(f"command /{name} registered twice")
            self.commands[name] = handler
        vi, en = names[0], names[-1]
        self.command_list.append(CommandInfo(tuple(names), description, vi, en))

    def button(self, prefix: str, handler: Handler) -> None:
        """Handle button payloads starting with `prefix:`."""
        if prefix in self.buttons:
            raise ValueError(f"button prefix {prefix!r} registered twice")
        self.buttons[prefix] = handler

    def deep_link(self, prefix: str, handler: Handler) -> None:
        """Handle `/start PREFIX_rest` (Telegram deep links like `?start=fair_KEY`)."""
        self.deep_links[prefix] = handler

    def flow(self, name: str, handler: Handler, *, files: bool = False) -> None:
        """Handle text, contacts and locations while a user is in flow `name`; with `files`,
        photos and documents too (elsewhere they get the 'unsupported' answer)."""
        self.flows[name] = handler
        if files:
            self.file_flows.add(name)

    def text(self, handler: Handler) -> None:
        """Handle free text outside any flow."""
        self._text = handler

    def fallback(self, what: str, handler: Handler) -> None:
        """Answer what no one else handles: 'unknown_command', 'bad_button', 'unsupported',
        'too_long', 'not_built', 'error'."""
        self._fallbacks[what] = handler

    async def answer_text(self, turn: Turn) -> list[Reply]:
        """Answer the turn's text as free text outside any flow (a flow that gives up on it)."""
        if self._text is None:
            return await self._fallbacks["unsupported"](turn)
        return await self._text(turn)

    async def unsupported(self, turn: Turn) -> list[Reply]:
        """Ask for text instead of what was sent (a file at a step that does not take one)."""
        return await self._fallbacks["unsupported"](turn)

    async def not_built(self, turn: Turn) -> list[Reply]:
        """Say honestly that a feature is not there yet."""
        return await self._fallbacks["not_built"](turn)

    # -- handling -------------------------------------------------------------------------

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Handle one update; returns the replies for its sender. Same-user updates queue."""
        result: list[Reply] = await self._locks(incoming.user, lambda: self._handle(incoming))
        return result

    async def _handle(self, incoming: Incoming) -> list[Reply]:
        started = time.perf_counter()
        incoming = _clean(incoming)
        ref = incoming.user
        svc = self.services
        route = "?"
        turn: Turn | None = None
        failed = False
        try:
            loaded = await svc.conversations.load_turn(incoming.user)
            async with svc.db.transaction():
                if loaded is None:
                    user = await svc.conversations.first_contact(ref, incoming.display_name)
                    conv, created = Conversation(user_id=user.id), True
                else:
                    (user, conv), created = loaded, False
                    svc.conversations.touch_at_commit(user, incoming.display_name)
                lang = svc.i18n.get(user.locale or _hinted(incoming.language_hint, svc.i18n))
                turn = Turn(incoming, user, conv, lang, svc, self, is_new_user=created)
                route, handler = self._resolve(turn)
                replies = await handler(turn)
                # a turn without options clears the menu: a number typed next is an answer
                menu = next((r for r in reversed(replies) if r.buttons), None)
                conv.last_menu = [(b.label, b.payload) for b in menu.options] if menu else []
                svc.conversations.save_at_commit(conv)
                for build in turn.staff_notices:  # roles as they are at the commit
                    turn.notifications += [(t, build) for t in await svc.roles.reviewers()]
                for target, build in turn.notifications:
                    key = f"notice:{uuid.uuid4().hex}"
                    await self.enqueue(target, build, key, lane="notice", at_commit=True)
        except Exception:
            log.exception("update failed: %s %s", incoming.user.channel, user_hash(incoming.user))
            svc.conversations.forget(ref)
            lang = turn.lang if turn else svc.i18n.get(None)
            replies = [
                Reply(
                    text=lang.gettext(
                        "Sorry, something went wrong on our side. Nothing you entered is lost;"
                        " please try again in a moment."
                    )
                )
            ]
            route += "!error"
            turn, failed = None, True
        ms = (time.perf_counter() - started) * 1000
        self.traffic.record(route, ms, failed=failed)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "update channel=%s user=%s route=%s ms=%.1f",
                ref.channel,
                user_hash(ref),
                route,
                ms,
            )
        if turn and turn.notifications:
            self.on_queued()
        return replies

    def _resolve(self, turn: Turn) -> tuple[str, Handler]:
        """Pick the handler for this turn (and turn a bare number into a menu choice)."""
        inc = turn.incoming
        conv = turn.conversation
        if inc.kind is Kind.COMMAND:
            name = inc.command or ""
            if name in self.commands:
                return f"command:{name}", self.commands[name]
            return "unknown_command", self._fallbacks["unknown_command"]
        if inc.kind is Kind.TEXT:
            if not inc.text.strip():
                return "empty", _nothing
            choice = _menu_choice(inc.text, conv.last_menu)
            if choice is not None:
                turn.incoming = dataclasses.replace(inc, kind=Kind.BUTTON, payload=choice)
                inc = turn.incoming
            elif len(inc.text) > MAX_TEXT:
                return "too_long", self._fallbacks["too_long"]
        if inc.kind is Kind.BUTTON:
            prefix = (inc.payload or "").split(":", 1)[0]
            if prefix in self.buttons:
                return f"button:{prefix}", self.buttons[prefix]
            return "bad_button", self._fallbacks["bad_button"]
        if inc.kind is Kind.UNSUPPORTED or (
            inc.kind is Kind.FILE and conv.flow not in self.file_flows
        ):
            return "unsupported", self._fallbacks["unsupported"]
        if conv.flow and conv.flow in self.flows:
            return f"flow:{conv.flow}:{conv.step}", self.flows[conv.flow]
        if inc.kind is Kind.TEXT and self._text is not None:
            return "text", self._text
        return "unsupported", self._fallbacks["unsupported"]

    async def enqueue(
        self,
        target: int | UserRef,
        build: Build,
        dedupe_key: str,
        *,
        lane: str = "bulk",
        not_before: datetime | None = None,
        at_commit: bool = False,
    ) -> bool:
        """Queue a message for a user (by id or address) in their language; False if the
        dedupe key was already used. A user who never wrote gets a row of their own.
        `at_commit`: inside a transaction, with a new key, the row is written by its COMMIT."""
        svc = self.services
        # By id: whichever app of their account they used last (/lien_ket); by address: that chat.
        user = await (
            svc.links.reachable(target) if isinstance(target, int) else svc.users.ensure(target)
        )
        if user is None:
            log.warning("no user %s to send to", target)
            return False
        replies = build(self.services.i18n.get(user.locale))
        if at_commit:
            self.services.outbox.enqueue_at_commit(
                user.id, replies, dedupe_key, lane=lane, not_before=not_before
            )
            return True
        return await self.services.outbox.enqueue(
            user.id, replies, dedupe_key, lane=lane, not_before=not_before
        )


async def _nothing(turn: Turn) -> list[Reply]:
    """Ignore an update that carries nothing to answer."""
    return []


def _clean(incoming: Incoming) -> Incoming:
    """Drop control characters (keeping newlines and tabs) from the text."""
    if not incoming.text or not _CONTROL.search(incoming.text):
        return incoming
    return dataclasses.replace(incoming, text=_CONTROL.sub("", incoming.text))


def _hinted(hint: str | None, i18n: I18n) -> str | None:
    """The locale a platform language hint points to (`en-US` -> `en`), if we have it."""
    if not hint:
        return None
    code = hint.split("-", 1)[0].lower()
    return code if code in i18n.codes else None


def _menu_choice(text: str, menu: list[tuple[str, str]]) -> str | None:
    """The payload picked by a bare number or by typing an option's label, if any."""
    if not menu:
        return None
    stripped = text.strip().rstrip(".)")
    if stripped.isascii() and stripped.isdigit():
        n = int(stripped)
        return menu[n - 1][1] if 1 <= n <= len(menu) else None
    folded = fold(text)
    if not folded:
        return None
    for label, payload in menu:
        if _folded_label(label) == folded:
            return payload
    return None


@functools.lru_cache(maxsize=4096)  # the labels are the catalogs' few hundred strings, mostly
def _folded_label(label: str) -> str:
    return fold(label)
