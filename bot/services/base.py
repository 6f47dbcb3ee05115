"""What every service and handler works with: the services made once at start-up, and the
way to queue a message for someone in their own language."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.i18n import I18n, Lang
from bot.core.types import Reply, UserRef
from bot.services.audit import Audit
from bot.services.faq_reader import FaqReader
from storage.booths import BoothRepo
from storage.broadcasts import BroadcastRepo
from storage.chain import ChainRepo
from storage.conversations import ConversationRepo
from storage.coordination import Coordination, Local
from storage.enterprises import EnterpriseRepo
from storage.fairs import FairRepo
from storage.faq import FaqRepo
from storage.invitations import InvitationRepo
from storage.links import LinkRepo
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
    from bot.core.config import Settings
    from storage.engine import Database

__all__ = ["Build", "Services"]

log = logging.getLogger("ketnoi.services")

Build = Callable[[Lang], list[Reply]]  # replies built in the recipient's language


def _nobody_listens() -> None:
    """The wake-up call before the outbox runs (tests, the command line)."""


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
    faq_reader: FaqReader  # the matcher of free-text questions, for the FAQ as it is now
    questions: QuestionRepo  # the log of free-text questions
    roles: RoleRepo  # staff roles; the owners are KETNOI_ADMINS
    audit: Audit  # admin actions: await audit.record(turn, action, before, after)
    reports: ReportRepo  # the staff's figures, searches and exports
    broadcasts: BroadcastRepo  # announcements and their audiences
    reminders: ReminderRepo  # reminder rules, sectors followed, feedback, opt-outs
    personal_data: PersonalDataRepo  # consents, requests about one's data, copies, erasure
    retention: RetentionRepo  # how long each kind of data is kept
    invitations: InvitationRepo  # producers imported from lists, waiting to claim
    registrations: RegistrationRepo  # the staff's lists of registrations, and their tags
    web_sessions: WebSessionRepo  # staff's login links and sessions on the web pages
    chain: ChainRepo  # members finding each other: requests to connect, blocks, reports, meetings
    # How this process works beside others on the same database (one process: Local).
    coordination: Coordination = field(default_factory=Local)
    # Called after something was queued outside a turn: the outbox looks now, not at its tick.
    on_queued: Callable[[], None] = field(default=_nobody_listens)

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
        # By id: whichever app of their account they used last (/lien_ket); by address: that chat.
        user = await (
            self.links.reachable(target) if isinstance(target, int) else self.users.ensure(target)
        )
        if user is None:
            log.warning("no user %s to send to", target)
            return False
        replies = build(self.i18n.get(user.locale))
        if at_commit:
            self.outbox.enqueue_at_commit(
                user.id, replies, dedupe_key, lane=lane, not_before=not_before
            )
            return True
        return await self.outbox.enqueue(
            user.id, replies, dedupe_key, lane=lane, not_before=not_before
        )
