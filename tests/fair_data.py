"""Fairs, registered establishments and a fixed "today" for the fair and booth tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import App
from bot.core.clock import utcnow
from bot.core.types import Incoming, Kind, Reply
from bot.services.fair_import import SAMPLE_FAIRS, import_fairs, import_file
from storage.enterprises import Enterprise, EnterpriseFields, EnterpriseStatus
from storage.fairs import Fair, FairFields, FairStatus
from storage.outbox import OutboxRow
from tests.chat import Chat

__all__ = [
    "HANOI",
    "TODAY",
    "fair_fields",
    "load_samples",
    "make_fair",
    "outbox_rows",
    "register_enterprise",
    "tap",
]

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 in Hanoi, Monday 23 November 2026


def fair_fields(key: str = "test-fair", **values: object) -> FairFields:
    """A fair two weeks from TODAY, three days long, 3 booths, 2 per establishment."""
    starts = datetime(2026, 12, 7, 8, 0, tzinfo=HANOI)
    fields: dict[str, object] = {
        "key": key,
        "title_vi": "Hội chợ thử nghiệm",
        "title_en": "Test fair",
        "sectors": ["ceramics"],
        "starts_at": starts,
        "ends_at": starts + timedelta(days=3, hours=12),
        "venue_name": "Bảo tàng Gốm sứ Kim Lan",
        "venue_address": "xã Bát Tràng, Hà Nội",
        "venue_latitude": 20.9665,
        "venue_longitude": 105.9205,
        "booths": 3,
        "apply_by": date(2026, 12, 1),
        "max_booths": 2,
        "description_vi": "Hội chợ để chạy thử.",
        "description_en": "A fair for the tests.",
        "status": FairStatus.SCHEDULED,
    }
    fields.update(values)
    return FairFields.model_validate(fields)


async def make_fair(app: App, key: str = "test-fair", **values: object) -> Fair:
    """Import one fair (or update it) and return it as stored."""
    await import_fairs(app.router.services, [fair_fields(key, **values)])
    fair = await app.router.services.fairs.by_key(key)
    assert fair is not None
    return fair


async def load_samples(app: App) -> None:
    """The calendar of data/sample_fairs.yaml."""
    await import_file(app.router.services, SAMPLE_FAIRS)


async def register_enterprise(
    app: App,
    chat: Chat,
    name: str = "Cơ sở gốm Minh Hải",
    status: EnterpriseStatus = EnterpriseStatus.PENDING,
) -> Enterprise:
    """A registration for the chat's account, stored directly (the registration flow has its
    own tests)."""
    svc = app.router.services
    async with svc.db.transaction():
        user, _ = await svc.users.touch(chat.user, chat.name)
    fields = EnterpriseFields(
        name=name,
        kind="household",
        roles=["producer"],
        sectors=["ceramics"],
        contact_name="Nguyễn Thị Lan",
        phone="+8491234" + f"{user.id:04d}",
        products="Bát đĩa men lam",
    )
    enterprise = await svc.enterprises.create(user.account_id, fields, consent_at=utcnow())
    if status is not EnterpriseStatus.PENDING:
        changed = await svc.enterprises.set_status(enterprise.id, status, reason="test")
        assert changed is not None
        enterprise = changed
    return enterprise


async def outbox_rows(app: App, chat: Chat | None = None, prefix: str = "") -> list[OutboxRow]:
    """Outbox rows (of one chat's user; with a dedupe key starting with `prefix`), oldest first."""
    svc = app.router.services
    sql = "SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE ?"
    params: list[object] = [prefix + "%"]
    if chat is not None:
        user = await svc.users.find(chat.user)
        assert user is not None
        sql += " AND user_id = ?"
        params.append(user.id)
    rows = await svc.db.fetchall(sql + " ORDER BY id", params)
    found = [await svc.outbox.get(r["dedupe_key"]) for r in rows]
    return [row for row in found if row is not None]


async def tap(chat: Chat, payload: str) -> list[Reply]:
    """Send a button payload whether or not it was shown (a stale or forged button)."""
    return await chat.send(
        Incoming(user=chat.user, kind=Kind.BUTTON, payload=payload, display_name=chat.name)
    )
