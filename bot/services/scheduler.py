"""Turns reminder rules into outbox rows when they fall due, from the fairs as they are now."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.clock import utcnow
from bot.core.types import Reply
from bot.services import reminder_messages as messages
from bot.services.base import Services
from storage.fairs import Fair
from storage.reminders import Recipient, Rule

__all__ = ["EVERY", "GRACE", "Scheduler", "due_at"]

log = logging.getLogger("ketnoi.scheduler")

EVERY = 60.0  # seconds between looks
# A reminder whose moment passed more than this long ago (the bot was down) is not sent late:
# a "7 days before" arriving two days before would mislead.
GRACE = timedelta(hours=6)
_FAIR_KINDS = ("before_start", "apply_by", "feedback")
_PAST = timedelta(days=3)


def _anchor(kind: str, fair: Fair, tz: ZoneInfo) -> tuple[datetime, str]:
    """The moment a kind of reminder counts from, and a version that changes when it moves."""
    if kind == "before_start":
        return fair.starts_at, fair.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M")
    if kind == "feedback":
        return fair.ends_at, fair.ends_at.astimezone(UTC).strftime("%Y%m%dT%H%M")
    closes = datetime.combine(fair.apply_by, time(23, 59, 59), tzinfo=tz)
    return closes, fair.apply_by.strftime("%Y%m%d")


def due_at(rule: Rule, anchor: datetime, tz: ZoneInfo) -> datetime:
    """When a rule falls due: `days` before the anchor's local date at `at_time`, or
    `hours` before the anchor itself."""
    if rule.at_time is None:
        return anchor - timedelta(hours=rule.hours)
    day = anchor.astimezone(tz).date() - timedelta(days=rule.days)
    return datetime.combine(day, rule.at_time, tzinfo=tz).astimezone(UTC)


def _same(replies: list[Reply]) -> Callable[[str | None], list[Reply]]:
    """A builder that ignores the locale (the replies were built in the recipient's)."""
    return lambda _locale: replies


class Scheduler:
    """Looks every minute for reminders that fall due and queues them, each at most once."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc

    async def tick(self) -> None:
        """One look (for App.periodic)."""
        await self.run()

    async def run(self, now: datetime | None = None) -> int:
        """Queue every reminder due at `now`; returns how many messages were queued."""
        now = now or utcnow()
        tz = self.svc.settings.tz
        rules = await self.svc.reminders.rules()
        queued = 0
        for fair in await self.svc.fairs.all():
            if fair.ends_at < now - _PAST:
                continue  # long over: no rule falls due, nothing waits for it
            for kind in _FAIR_KINDS:
                queued += await self._fair_rules(fair, kind, rules, now, tz)
        for rule in (r for r in rules if r.kind == "offer_expiring"):
            queued += await self._offers(rule, now)
        if queued:
            log.info("reminders queued: %d", queued)
            self.svc.on_queued()
        return queued

    async def _fair_rules(
        self, fair: Fair, kind: str, rules: list[Rule], now: datetime, tz: ZoneInfo
    ) -> int:
        outbox = self.svc.outbox
        prefix = f"fair:{fair.key}:{kind}:"
        if fair.cancelled:
            await outbox.cancel_stale(prefix, None)  # nothing for a cancelled fair
            return 0
        anchor, version = _anchor(kind, fair, tz)
        topic = prefix + version
        await outbox.cancel_stale(prefix, topic)  # the fair moved: the old dates' are withdrawn
        queued = 0
        for rule in (r for r in rules if r.kind == kind):
            at = due_at(rule, anchor, tz)
            if not at <= now < at + GRACE or not self._still_useful(rule, fair, now, anchor):
                continue
            recipients, build = await self._audience(rule, fair)
            queued += await self._queue(rule, recipients, build, f"{fair.key}:{version}", topic)
        return queued

    def _still_useful(self, rule: Rule, fair: Fair, now: datetime, anchor: datetime) -> bool:
        if rule.kind == "feedback":
            return now >= fair.ends_at
        return now < anchor  # before the opening; before applications close

    async def _audience(
        self, rule: Rule, fair: Fair
    ) -> tuple[list[Recipient], Callable[[str | None], list[Reply]]]:
        i18n, repo = self.svc.i18n, self.svc.reminders
        if rule.kind == "before_start":
            people = await repo.fair_audience(fair.id, fair.sectors)
            return people, lambda loc: messages.fair_reminder(i18n.get(loc), fair, rule)
        if rule.kind == "apply_by":
            people = await repo.unfinished_applications(fair.id)
            return people, lambda loc: messages.apply_by_reminder(i18n.get(loc), fair)
        people = await repo.exhibitors(fair.id)
        return people, lambda loc: messages.feedback_question(i18n.get(loc), fair)

    async def _offers(self, rule: Rule, now: datetime) -> int:
        queued = 0
        for app_id, fair_id, expires, person in await self.svc.reminders.open_offers():
            at = expires - timedelta(hours=rule.hours)
            if not at <= now < expires:
                continue
            fair = await self.svc.fairs.get(fair_id)
            if fair is None or fair.cancelled:
                continue
            lang = self.svc.i18n.get(person.locale)
            replies = messages.offer_reminder(lang, fair, app_id, expires)
            version = f"{app_id}:{expires.astimezone(UTC).strftime('%Y%m%dT%H%M')}"
            queued += await self._queue(rule, [person], _same(replies), version, None)
        return queued

    async def _queue(
        self,
        rule: Rule,
        recipients: list[Recipient],
        build: Callable[[str | None], list[Reply]],
        version: str,
        topic: str | None,
    ) -> int:
        """One outbox row per recipient, keyed so that a rule reaches a person once."""
        by_locale: dict[str | None, list[int]] = {}
        for person in recipients:
            by_locale.setdefault(person.locale, []).append(person.user_id)
        queued = 0
        async with self.svc.db.transaction():
            for locale, user_ids in by_locale.items():
                queued += await self.svc.outbox.enqueue_many(
                    [(uid, f"reminder:{rule.id}:{version}:user:{uid}") for uid in user_ids],
                    build(locale),
                    topic=topic,
                )
        return queued
