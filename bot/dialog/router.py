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
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.i18n import I18n, Lang
from bot.core.payloads import Payload, PayloadError, PayloadTable
from bot.core.types import Incoming, Kind, Reply, UserRef
from bot.dialog.traffic import Traffic
from bot.dialog.typed import Aside, menu_choice
from bot.services.base import Build, Services
from storage.conversations import Conversation
from storage.users import User

__all__ = [
    "MAX_TEXT",
    "AskAgain",
    "Build",
    "CommandInfo",
    "Handler",
    "Job",
    "Router",
    "Services",
    "Turn",
    "user_hash",
]

log = logging.getLogger("ketnoi.router")

Handler = Callable[["Turn"], Awaitable[list[Reply]]]
AskAgain = Callable[["Turn", str], Awaitable[list[Reply]]]  # the pending question, a note above
PAUSED = "paused"  # in a conversation's data: kept (after /huy) but not answered until resumed
# Typed text at a step read as a question (see `Router.asides`); `sure`: she said it is one.
Asides = Callable[["Turn", str, bool], Awaitable[Aside | None]]


MAX_TEXT = 2000
# Control and format characters nobody types on purpose, dropped from every text and name:
# C0/C1 controls (not tab or newline), the soft hyphen, the Arabic letter mark, zero-widths and
# bidi marks (U+200B–U+200F), line and paragraph separators, bidi embeddings and overrides
# (U+2028–U+202E), the word joiner, invisible operators, bidi isolates and deprecated format
# controls (U+2060–U+206F), the byte order mark, interlinear annotation marks and tag
# characters; also the Hangul fillers and the Mongolian vowel separator, which show as
# nothing. Any of them can hide or reorder what staff read (a name shown backwards, a blank).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u061c\u115f\u1160\u180e\u200b-\u200f"
    r"\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e007f]"
)


def user_hash(ref: UserRef) -> str:
    """A short stable pseudonym of a user for the logs (never the raw id)."""
    return _pseudonym(ref.channel, ref.external_id)


@functools.lru_cache(maxsize=4096)  # the same users come back (DEBUG lines, failures)
def _pseudonym(channel: str, external_id: str) -> str:
    return hashlib.sha256(f"{channel}:{external_id}".encode()).hexdigest()[:10]


@dataclass(frozen=True, slots=True)
class Job:
    """Work a feature does every `every` seconds while the bot serves (Router.every); the
    engine runs it (bot/engine/jobs.py)."""

    name: str
    every: float
    run: Callable[[], Awaitable[object]]
    # Run by every process, not only the one that leads where several share the database: for
    # what is each process's own (its traffic, its counters, its share of the rate).
    everywhere: bool = False


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
    payload: Payload | None = None  # the button pressed, read and checked by the router
    notifications: list[tuple[int | UserRef, Build]] = field(default_factory=list)
    staff_notices: list[Build] = field(default_factory=list)  # for notify_admins

    def _(self, message: str) -> str:
        """Translate into the user's language."""
        return self.lang.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate with a plural form."""
        return self.lang.ngettext(singular, plural, n)

    def notify(self, user: int | UserRef, build: Build) -> None:
        """Send another user (by id or platform address) a message in their language,
        once this turn is committed."""
        self.notifications.append((user, build))

    def notify_admins(self, build: Build) -> None:
        """Send the staff who review (the owners in KETNOI_ADMINS, admins and moderators) a
        message, once this turn is committed."""
        self.staff_notices.append(build)

    async def aside(self, text: str, *, sure: bool = False) -> Aside | None:
        """`text`, typed at a step, read as a question: answered, perhaps one, or (None) not
        one; with `sure` (she said it is a question) always answered or noted for staff."""
        read = self.router.aside_reader
        return await read(self, text, sure) if read is not None else None

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
        self.buttons: dict[type[Payload], Handler] = {}
        self.payloads = PayloadTable()  # every payload class a handler takes
        self.flows: dict[str, Handler] = {}
        self.file_flows: set[str] = set()  # flows that take photos and documents
        self._ask_again: dict[str, AskAgain] = {}
        self.deep_links: dict[str, Handler] = {}
        self._text: Handler | None = None
        self._contact: Handler | None = None
        self.aside_reader: Asides | None = None  # handlers.questions.mid_flow
        self._not_built: Handler | None = None
        self._fallbacks: dict[str, Handler] = {}
        self._locks = _UserLocks()
        self.jobs: list[Job] = []  # what features do every few minutes (bot/engine/jobs.py)
        self.traffic = Traffic()  # summed up in the log once a minute (bot/dialog/traffic.py)

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

    def button(self, payloads: type[Payload] | Iterable[type[Payload]], handler: Handler) -> None:
        """Handle the buttons of these payload classes: the handler finds the pressed one,
        read and checked, in `turn.payload`."""
        for cls in [payloads] if isinstance(payloads, type) else payloads:
            if cls in self.buttons:
                raise ValueError(f"button payload {cls.__name__} registered twice")
            self.payloads.add(cls)
            self.buttons[cls] = handler

    def deep_link(self, prefix: str, handler: Handler) -> None:
        """Handle `/start PREFIX_rest` (Telegram deep links like `?start=fair_KEY`)."""
        self.deep_links[prefix] = handler

    def flow(
        self,
        name: str,
        handler: Handler,
        *,
        files: bool = False,
        ask_again: AskAgain | None = None,
    ) -> None:
        """Handle text, contacts and locations while a user is in flow `name`; with `files`,
        photos and documents too (elsewhere they get the 'unsupported' answer). `ask_again`
        puts the pending question again, with a note above it, after a message that could
        not be read."""
        self.flows[name] = handler
        if files:
            self.file_flows.add(name)
        if ask_again is not None:
            self._ask_again[name] = ask_again

    def every(
        self,
        name: str,
        seconds: float,
        job: Callable[[], Awaitable[object]],
        *,
        everywhere: bool = False,
    ) -> None:
        """Run `job()` at start-up and then every `seconds` while the bot serves (`ketnoi run`
        and `chat`, not one-off commands); a failure is logged and the next run comes. Where
        several processes share the database, only the one that leads runs it, unless
        `everywhere` (what is each process's own)."""
        if any(known.name == name for known in self.jobs):
            raise ValueError(f"job {name!r} registered twice")
        if seconds <= 0:
            raise ValueError(f"job {name!r}: seconds must be positive")
        self.jobs.append(Job(name, seconds, job, everywhere))

    def text(self, handler: Handler) -> None:
        """Handle free text outside any flow."""
        self._text = handler

    def contact(self, handler: Handler) -> None:
        """Handle a contact (a shared phone) outside any flow."""
        self._contact = handler

    def asides(self, reader: Asides) -> None:
        """Read typed text at a step of a flow as a question, before the step's reader does
        (`Turn.aside`): a question typed mid-flow is answered, never stored as the answer."""
        self.aside_reader = reader

    def fallback(self, what: str, handler: Handler) -> None:
        """Answer what no one else handles: 'unknown_command', 'bad_button', 'unsupported',
        'unreadable', 'too_long', 'not_built', 'error'."""
        self._fallbacks[what] = handler

    async def answer_text(self, turn: Turn) -> list[Reply]:
        """Answer the turn's text as free text outside any flow (a flow that gives up on it)."""
        if self._text is None:
            return await self._fallbacks["unsupported"](turn)
        return await self._text(turn)

    async def unsupported(self, turn: Turn) -> list[Reply]:
        """Ask for text instead of what was sent (a file at a step that does not take one)."""
        return await self._fallbacks["unsupported"](turn)

    async def ask_again(self, turn: Turn, note: str) -> list[Reply]:
        """The pending question of the turn's flow again, `note` above it; [] if the flow
        cannot say (or there is no flow)."""
        ask = self._ask_again.get(turn.conversation.flow or "")
        return await ask(turn, note) if ask is not None else []

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
        # Something was sent (not just spaces, say a console's empty line, which Telegram's apps
        # would not send at all): if it was all invisible, say so rather than nothing.
        sent_text = bool(incoming.text.strip(" \t\r\n"))
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
                route, handler = self._resolve(turn, sent_text)
                replies = await handler(turn)
                # a turn without options clears the menu: a number typed next is an answer
                menu = next((r for r in reversed(replies) if r.buttons), None)
                conv.last_menu = [(b.label, b.payload) for b in menu.options] if menu else []
                svc.conversations.save_at_commit(conv)
                if incoming.within_turn is not None:
                    incoming.within_turn()
                for build in turn.staff_notices:  # roles as they are at the commit
                    turn.notifications += [(t, build) for t in await svc.roles.reviewers()]
                for target, build in turn.notifications:
                    key = f"notice:{uuid.uuid4().hex}"
                    await svc.enqueue(target, build, key, lane="notice", at_commit=True)
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

    def _resolve(self, turn: Turn, sent_text: bool) -> tuple[str, Handler]:
        """Pick the handler for this turn (and turn a bare number into a menu choice).
        `sent_text`: the message had text before its invisible characters were dropped."""
        inc = turn.incoming
        conv = turn.conversation
        if inc.kind is Kind.COMMAND:
            name = inc.command or ""
            if name in self.commands:
                return f"command:{name}", self.commands[name]
            return "unknown_command", self._fallbacks["unknown_command"]
        if inc.kind is Kind.TEXT:
            if not inc.text.strip():
                if sent_text:
                    return "unreadable", self._fallbacks["unreadable"]
                return "empty", _nothing
            choice = menu_choice(inc.text, conv.last_menu)
            if choice is not None:
                turn.incoming = dataclasses.replace(inc, kind=Kind.BUTTON, payload=choice)
                inc = turn.incoming
            elif len(inc.text) > MAX_TEXT:
                return "too_long", self._fallbacks["too_long"]
        if inc.kind is Kind.BUTTON:
            try:
                turn.payload = self.payloads.parse(inc.payload or "")
            except PayloadError as exc:
                return "bad_payload", functools.partial(self._refuse_payload, reason=str(exc))
            cls = type(turn.payload)
            return f"button:{cls.prefix.split(':', 1)[0]}", self.buttons[cls]
        if inc.kind is Kind.UNSUPPORTED or (
            inc.kind is Kind.FILE and conv.flow not in self.file_flows
        ):
            return "unsupported", self._fallbacks["unsupported"]
        if conv.flow and conv.flow in self.flows and not conv.data.get(PAUSED):
            return f"flow:{conv.flow}:{conv.step}", self.flows[conv.flow]
        if inc.kind is Kind.TEXT and self._text is not None:
            return "text", self._text
        if inc.kind is Kind.CONTACT and self._contact is not None:
            return "contact", self._contact
        return "unsupported", self._fallbacks["unsupported"]

    async def _refuse_payload(self, turn: Turn, reason: str) -> list[Reply]:
        """The one answer to a payload that cannot be read (malformed, out of range, not
        ours, or from an older version of the bot): the polite 'no longer available', and a
        row in the audit log, as for every refused attempt."""
        log.warning(
            "refused payload: user=%s reason=%s payload=%r",
            user_hash(turn.user.ref),
            reason,
            (turn.incoming.payload or "")[:80],
        )
        await self.services.audit.refused_attempt(turn, reason)
        return await self._fallbacks["bad_button"](turn)

    @property
    def on_queued(self) -> Callable[[], None]:
        """The outbox's wake-up call, for after something was queued (Services.on_queued)."""
        return self.services.on_queued

    @on_queued.setter
    def on_queued(self, wake: Callable[[], None]) -> None:
        self.services.on_queued = wake


async def _nothing(turn: Turn) -> list[Reply]:
    """Ignore an update that carries nothing to answer."""
    return []


def _clean(incoming: Incoming) -> Incoming:
    """Drop control and invisible format characters (keeping newlines and tabs) from the text
    and the sender's name (a name left blank is no name)."""
    text, name = incoming.text, incoming.display_name
    dirty_text = bool(text) and _CONTROL.search(text) is not None
    dirty_name = bool(name) and _CONTROL.search(name or "") is not None
    if not (dirty_text or dirty_name):
        return incoming
    if dirty_text:
        text = _CONTROL.sub("", text)
    if dirty_name:
        name = _CONTROL.sub("", name or "").strip() or None
    return dataclasses.replace(incoming, text=text, display_name=name)


def _hinted(hint: str | None, i18n: I18n) -> str | None:
    """The locale a platform language hint points to (`en-US` -> `en`), if we have it."""
    if not hint:
        return None
    code = hint.split("-", 1)[0].lower()
    return code if code in i18n.codes else None
