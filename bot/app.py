"""The composition root: opens storage, builds the router, starts channels and loops.

async with App(settings) as app:    # database open and migrated, every feature wired
    await app.run()                 # serve until SIGTERM or Ctrl-C, then stop cleanly
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Coroutine
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

import handlers
from bot.core.config import Settings
from bot.core.i18n import I18n
from bot.dialog.router import Router, Services
from bot.dialog.traffic import EVERY as TRAFFIC_EVERY
from bot.domain.search_terms import search_text
from bot.domain.textnorm import fold
from bot.engine.dispatch import Dispatcher
from bot.engine.jobs import Jobs
from bot.engine.outbox import STOP_GRACE, Outbox, Stopped
from bot.engine.outlets import Outlets
from bot.services.audit import Audit
from bot.services.fair_import import load_samples_if_empty
from bot.services.faq_reader import FaqReader
from storage.audit import AuditRepo
from storage.booths import BoothRepo
from storage.broadcasts import BroadcastRepo
from storage.chain import ChainRepo
from storage.conversations import ConversationRepo
from storage.coordination import Coordination, Local
from storage.engine import Database
from storage.enterprises import EnterpriseRepo
from storage.fairs import FairRepo
from storage.faq import FaqRepo
from storage.invitations import InvitationRepo
from storage.links import LinkRepo
from storage.opening import open_database
from storage.outbox import OutboxRepo
from storage.personal_data import PersonalDataRepo
from storage.questions import QuestionRepo
from storage.registrations import RegistrationRepo
from storage.reminders import ReminderRepo
from storage.reports import ReportRepo
from storage.retention import RetentionRepo
from storage.roles import RoleRepo
from storage.signing_keys import SigningKeyRepo
from storage.users import UserRepo
from storage.web_sessions import WebSessionRepo

if TYPE_CHECKING:
    from bot.channels.webhook import WebhookServer

__all__ = ["App", "Channel"]

log = logging.getLogger("ketnoi.app")

# How long a clean shutdown lets the updates in hand finish (their handling and replies).
RECEIVING_GRACE = 10.0
UNCONFIRMED_EVERY = 60.0  # seconds between the owners' reports of messages that may be lost
# Seconds between looks for processes that stopped (their outbox claims are taken over) and
# recounts of the processes sharing the platform's rate.
TAKEOVER_EVERY = 5.0


class Channel(Protocol):
    """A platform connection that runs until stopped."""

    name: str

    async def start(self) -> None:
        """Connect and begin receiving updates."""

    async def stop_receiving(self) -> None:
        """Take no new updates; let the ones in hand finish and send their replies. The
        channel still sends what the outbox hands it until stop()."""

    async def stop(self) -> None:
        """Stop receiving if not yet, and disconnect."""


async def open_coordination(settings: Settings) -> Coordination:
    """How this process works beside others: on PostgreSQL (KETNOI_DATABASE_URL), with every
    process on the same database; on SQLite, alone."""
    if not settings.database:
        return Local()
    from storage.coordination.postgres import PostgresCoordination  # psycopg only if used

    return await PostgresCoordination.open(settings.database)


class App:
    """Everything the process holds, made once at start-up and closed once at shutdown.

    `async with App(settings) as app:` opens and migrates the database and wires every
    feature (its handlers and its periodic jobs); leaving the block stops what runs (cleanly:
    nothing in flight is lost) and closes the database.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._db: Database | None = None
        self._coordination: Coordination | None = None
        self._router: Router | None = None
        self._dispatcher: Dispatcher | None = None
        self._outbox: Outbox | None = None
        self.outlets = Outlets()  # each channel's sender and budget, filled as channels attach
        self._outbox_task: asyncio.Task[None] | None = None
        self._jobs: Jobs | None = None
        self._webhook: WebhookServer | None = None  # the one server when webhooks are on

    async def __aenter__(self) -> App:
        await self.open()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def db(self) -> Database:
        """The open database."""
        assert self._db is not None, "App.open() first"
        return self._db

    @property
    def router(self) -> Router:
        """The router with every handler and job registered."""
        assert self._router is not None, "App.open() first"
        return self._router

    @property
    def outbox(self) -> Outbox:
        """The sender of everything queued."""
        assert self._outbox is not None, "App.open() first"
        return self._outbox

    @property
    def dispatcher(self) -> Dispatcher:
        """What the channels hand updates to and send through."""
        assert self._dispatcher is not None, "App.open() first"
        return self._dispatcher

    async def open(self) -> None:
        """Load the catalogs, open and migrate the database, wire the handlers and jobs."""
        i18n = I18n(self.settings.locale, self.settings.tz)
        self._db = await open_database(self.settings.db_path, self.settings.database)
        try:
            coordination = self._coordination = await open_coordination(self.settings)
        except BaseException:
            await self._db.close()
            self._db = None
            raise
        roles = RoleRepo(self._db, self.settings.admins)
        faq = FaqRepo(self._db)
        services = Services(
            settings=self.settings,
            db=self._db,
            i18n=i18n,
            users=UserRepo(self._db),
            conversations=ConversationRepo(self._db),
            outbox=OutboxRepo(self._db, coordination),
            enterprises=EnterpriseRepo(self._db),
            links=LinkRepo(self._db),
            fairs=FairRepo(self._db),
            booths=BoothRepo(self._db),
            signing_keys=SigningKeyRepo(self._db),
            faq=faq,
            faq_reader=FaqReader(faq),  # the same repository: it knows of its own writes
            questions=QuestionRepo(self._db),
            roles=roles,
            audit=Audit(AuditRepo(self._db), roles),
            reports=ReportRepo(self._db, fold=fold),
            broadcasts=BroadcastRepo(self._db, OutboxRepo(self._db, coordination)),
            reminders=ReminderRepo(self._db),
            personal_data=PersonalDataRepo(self._db),
            retention=RetentionRepo(self._db, self.settings.admins),
            invitations=InvitationRepo(self._db),
            registrations=RegistrationRepo(self._db, search_text),
            web_sessions=WebSessionRepo(self._db),
            chain=ChainRepo(self._db),
            coordination=coordination,
        )
        await services.faq.seed()  # data/faq.yaml, the first time
        await services.faq_reader.warm()  # not on the first question, in every chat's way
        router = self._router = Router(services)
        handlers.register_all(router)  # every feature: its handlers and its periodic jobs
        self._dispatcher = Dispatcher(router, self.outlets)
        self._outbox = Outbox(router, self.outlets)
        router.on_queued = self._outbox.wake
        # The engine's own jobs.
        outbox = self._outbox
        router.every(
            "unconfirmed_report", UNCONFIRMED_EVERY, outbox.report_unconfirmed, everywhere=True
        )
        router.every("traffic_summary", TRAFFIC_EVERY, router.traffic.log_summary, everywhere=True)
        if services.coordination.shared:
            # A process that died leaves claims: the leader takes them over within seconds.
            router.every("outbox_takeover", TAKEOVER_EVERY, outbox.recover)
            router.every("rate_share", TAKEOVER_EVERY, outbox.share_rate, everywhere=True)

    async def close(self) -> None:
        """Stop the loops if they run, log the last traffic summary, close the database."""
        await self.stop()
        if self._router is not None:
            await self._router.traffic.log_summary()
        if self._db is not None:
            await self._db.close()
            self._db = None
        if self._coordination is not None:
            await self._coordination.close()
            self._coordination = None

    # -- the loops --------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether start() was called and stop() not yet."""
        return self._outbox_task is not None

    def start(self) -> None:
        """Start the outbox (after reporting what a crash left in flight) and the jobs."""
        if self._outbox_task is not None:
            raise RuntimeError("App already started")
        self._outbox_task = asyncio.get_running_loop().create_task(self._run_outbox())
        self._jobs = Jobs(self.router.jobs, self.router.services.coordination)
        self._jobs.start()

    async def _run_outbox(self) -> None:
        await self.outbox.recover()
        await self.outbox.run()

    async def stop(self, grace: float = STOP_GRACE) -> Stopped:
        """Stop cleanly: the jobs finish their run, the outbox puts back what it has not sent
        and waits up to `grace` seconds for what it has."""
        jobs, self._jobs = self._jobs, None
        if jobs is not None:
            await jobs.stop(grace)
        task, self._outbox_task = self._outbox_task, None
        if task is None:
            return Stopped(0, 0, 0)
        stopped = await self.outbox.stop(grace)
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return stopped

    # -- serving ----------------------------------------------------------------------------

    def platform_channels(self) -> list[Channel]:
        """The channels whose token is configured."""
        from bot.channels.webhook import WebhookServer

        channels: list[Channel] = []
        # In webhook mode every channel serves its path from one server on KETNOI_LISTEN; the
        # Zalo OA has no other way to receive.
        served = self.settings.webhook_url or self.settings.zalo_oa
        webhook = WebhookServer(self.settings.listen) if served else None
        self._webhook = webhook
        if self.settings.telegram_token is not None:
            from bot.channels.telegram import TelegramChannel

            channels.append(TelegramChannel(self.settings, self.dispatcher, webhook))
        if self.settings.zalo_token is not None:
            from bot.channels.zalo import ZaloChannel

            channels.append(ZaloChannel(self.settings, self.dispatcher, webhook))
        if self.settings.zalo_oa and webhook is not None:
            from bot.channels.zalo_oa import ZaloOaChannel
            from storage.zalo_oa import ZaloOaRepo

            repo = ZaloOaRepo(self.db)
            channels.append(ZaloOaChannel(self.settings, self.dispatcher, repo, webhook))
        return channels

    async def serve(self, channels: list[Channel]) -> None:
        """Run the channels until SIGTERM or Ctrl-C, then stop cleanly: take no new updates,
        finish the ones in hand, let the outbox put back or finish what it holds, disconnect."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        started: list[Channel] = []
        try:
            for channel in channels:
                await channel.start()
                started.append(channel)
                log.info("channel %s started", channel.name)
            self.start()
            await stop.wait()
        finally:
            log.info("shutting down")
            for channel in reversed(started):
                await _quietly(channel.name, channel.stop_receiving(), RECEIVING_GRACE)
            await self.stop()
            for channel in reversed(started):
                await _quietly(channel.name, channel.stop(), RECEIVING_GRACE)
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):
                    loop.remove_signal_handler(sig)

    async def chat(self) -> None:
        """Chat on the console until end of input."""
        from bot.channels.console import ConsoleChannel

        channel = ConsoleChannel(self.dispatcher)
        self.start()
        try:
            await channel.run()
        finally:
            await self.stop()

    def web_channel(self) -> Channel | None:
        """The web pages, unless KETNOI_WEB_LISTEN=off; on the webhook server when there is
        one (call platform_channels() first)."""
        if not self.settings.web_on:
            return None
        from bot.channels.web import WebChannel

        return WebChannel(self.settings, self.router, self._webhook)

    async def run(self) -> None:
        """Serve every configured channel and the web pages; with no channel, the console chat
        with sample fairs (and the web pages beside it)."""
        channels = self.platform_channels()
        web = self.web_channel()
        if channels:
            await self.serve([*channels, *([web] if web else [])])
            return
        print(
            "No KETNOI_TELEGRAM_TOKEN, KETNOI_ZALO_TOKEN or KETNOI_ZALO_OA_* set: starting the"
            " console chat."
            " Type /start (Ctrl-D to quit).",
            file=sys.stderr,
        )
        samples = await load_samples_if_empty(self.router.services)
        if samples:
            print(samples, file=sys.stderr)
        if web is None:
            await self.chat()
            return
        await web.start()
        try:
            if getattr(web, "serving", True):
                await self._announce_web()
            await self.chat()
        finally:
            await web.stop()

    async def _announce_web(self) -> None:
        """Print where the pages are and, if the console's user is staff, a login link."""
        from bot.core.types import UserRef
        from bot.services.web_login import login_link, may_log_in

        root = self.settings.web_root
        if root is None:
            return
        print(f"Web pages: {root}/ (staff pages: {root}/quan-tri)", file=sys.stderr)
        svc = self.router.services
        ref = UserRef(channel="console", external_id="local")
        user = await svc.users.find(ref)
        if user is None and self.settings.is_owner(ref):
            user = await svc.users.ensure(ref)
        if user is not None and await may_log_in(svc.roles, user):
            link, _expires = await login_link(self.settings, svc.web_sessions, user)
            await svc.audit.record_cli("web.link", f"user:{user.id}")
            print(f"Staff login for {ref} (once, within 10 minutes): {link}", file=sys.stderr)


async def _quietly(name: str, stopping: Coroutine[object, object, None], grace: float) -> None:
    """Await one channel's stopping step within `grace` seconds; a failure is logged."""
    try:
        await asyncio.wait_for(stopping, grace)
    except TimeoutError:
        log.warning("channel %s took more than %.0f s to stop", name, grace)
    except Exception:
        log.exception("channel %s did not stop cleanly", name)
