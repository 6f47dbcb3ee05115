"""The composition root: opens storage, builds the router, starts channels and loops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

import handlers
from bot.core.config import Settings
from bot.core.i18n import I18n
from bot.dialog.router import Router, Services
from bot.dialog.traffic import EVERY as TRAFFIC_EVERY
from bot.engine.outbox import Outbox
from bot.services import fair_jobs
from bot.services.audit import Audit
from bot.services.broadcasts import Broadcaster
from bot.services.fair_import import load_samples_if_empty
from bot.services.scheduler import EVERY, Scheduler
from handlers import registration
from storage.audit import AuditRepo
from storage.booths import BoothRepo
from storage.broadcasts import BroadcastRepo
from storage.conversations import ConversationRepo
from storage.db import Database
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
from storage.users import UserRepo
from storage.web_sessions import WebSessionRepo

if TYPE_CHECKING:
    from bot.channels.webhook import WebhookServer

__all__ = ["App", "Channel"]

log = logging.getLogger("ketnoi.app")


class Channel(Protocol):
    """A platform connection that runs until stopped."""

    name: str

    async def start(self) -> None:
        """Connect and begin receiving updates."""

    async def stop(self) -> None:
        """Stop receiving, finish what is in hand, disconnect."""


class App:
    """Everything the process holds, made once at start-up and closed once at shutdown."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._db: Database | None = None
        self._router: Router | None = None
        # (seconds between runs, job): reminders, nudges… run while channels are served
        self.periodic: list[tuple[float, Callable[[], Awaitable[None]]]] = []
        self._loops: list[asyncio.Task[None]] = []
        self._webhook: WebhookServer | None = None  # the one server when webhooks are on

    @property
    def db(self) -> Database:
        """The open database."""
        assert self._db is not None, "App.open() first"
        return self._db

    @property
    def router(self) -> Router:
        """The router with every handler registered."""
        assert self._router is not None, "App.open() first"
        return self._router

    async def open(self) -> None:
        """Load the catalogs, open and migrate the database, wire the handlers."""
        i18n = I18n(self.settings.locale, self.settings.tz)
        self._db = await Database.open(self.settings.db_path)
        roles = RoleRepo(self._db, self.settings.admins)
        services = Services(
            settings=self.settings,
            db=self._db,
            i18n=i18n,
            users=UserRepo(self._db),
            conversations=ConversationRepo(self._db),
            outbox=OutboxRepo(self._db),
            enterprises=EnterpriseRepo(self._db),
            links=LinkRepo(self._db),
            fairs=FairRepo(self._db),
            booths=BoothRepo(self._db),
            signing_keys=SigningKeyRepo(self._db),
            faq=FaqRepo(self._db),
            questions=QuestionRepo(self._db),
            roles=roles,
            audit=Audit(AuditRepo(self._db), roles),
            reports=ReportRepo(self._db),
            broadcasts=BroadcastRepo(self._db, OutboxRepo(self._db)),
            reminders=ReminderRepo(self._db),
            invitations=InvitationRepo(self._db),
            registrations=RegistrationRepo(self._db),
            web_sessions=WebSessionRepo(self._db),
        )
        await services.faq.seed()  # data/faq.yaml, the first time
        self._router = Router(services)
        handlers.register_all(self._router)
        self.periodic.append((600, registration.periodic_job(self._router)))
        self.periodic += fair_jobs.periodic_jobs(self._router)
        self.outbox = Outbox(self._router)
        self.periodic.append((3, Broadcaster(self._router, services.broadcasts).tick))
        self.periodic.append((EVERY, Scheduler(self._router).tick))
        self._router.on_queued = self.outbox.wake
        self.periodic.append((TRAFFIC_EVERY, self._router.traffic.log_summary))

    async def close(self) -> None:
        """Log the last traffic summary and close the database."""
        if self._router is not None:
            await self._router.traffic.log_summary()
        if self._db is not None:
            await self._db.close()
            self._db = None

    def platform_channels(self) -> list[Channel]:
        """The channels whose token is configured."""
        from bot.channels.webhook import WebhookServer

        channels: list[Channel] = []
        # In webhook mode every channel serves its path from one server on KETNOI_LISTEN.
        webhook = WebhookServer(self.settings.listen) if self.settings.webhook_url else None
        self._webhook = webhook
        if self.settings.telegram_token is not None:
            from bot.channels.telegram import TelegramChannel

            channels.append(TelegramChannel(self.settings, self.router, webhook))
        if self.settings.zalo_token is not None:
            from bot.channels.zalo import ZaloChannel

            channels.append(ZaloChannel(self.settings, self.router, webhook))
        return channels

    async def serve(self, channels: list[Channel]) -> None:
        """Run the channels until SIGTERM or Ctrl-C, then stop them cleanly."""
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
            self.start_loops()
            await stop.wait()
        finally:
            log.info("shutting down")
            await self.stop_loops()
            for channel in reversed(started):
                try:
                    await channel.stop()
                except Exception:
                    log.exception("channel %s did not stop cleanly", channel.name)

    async def chat(self) -> None:
        """Chat on the console until end of input."""
        from bot.channels.console import ConsoleChannel

        channel = ConsoleChannel(self.router)
        self.start_loops()
        try:
            await channel.run()
        finally:
            await self.stop_loops()

    def start_loops(self) -> None:
        """Start the outbox and the periodic jobs."""
        self._loops.append(asyncio.get_running_loop().create_task(self._run_outbox()))
        for every, job in self.periodic:
            self._loops.append(asyncio.get_running_loop().create_task(_repeat(every, job)))

    async def _run_outbox(self) -> None:
        await self.outbox.recover()
        await self.outbox.run()

    async def stop_loops(self) -> None:
        """Cancel the periodic jobs."""
        for task in self._loops:
            task.cancel()
        for task in self._loops:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._loops.clear()

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
            "No KETNOI_TELEGRAM_TOKEN or KETNOI_ZALO_TOKEN set: starting the console chat."
            " Type /start (Ctrl-D to quit).",
            file=sys.stderr,
        )
        samples = await load_samples_if_empty(self.router)
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


async def _repeat(every: float, job: Callable[[], Awaitable[None]]) -> None:
    """Run `job` now and then every `every` seconds; a failure is logged, not fatal."""
    while True:
        try:
            await job()
        except Exception:
            log.exception("periodic job %s failed", getattr(job, "__name__", job))
        await asyncio.sleep(every)
