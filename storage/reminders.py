"""Reminders: their rules, what people follow, who a fair's reminders go to, feedback answers."""

from __future__ import annotations

from datetime import datetime, time
from typing import Final

from pydantic import BaseModel

from bot.core.clock import utcnow
from storage.engine import Database, Row
from storage.zalo_oa import outranked

__all__ = ["Feedback", "Recipient", "ReminderRepo", "Rule", "RuleKind"]

RuleKind = str  # before_start | apply_by | offer_expiring | feedback
_LIVE: Final = "('allocated', 'waitlisted', 'offered', 'approved')"
_EXHIBITORS: Final = "('allocated', 'approved')"

# Each account's identity a message surely reaches (storage.zalo_oa.reach_rank), seen last,
# with reminders on and not blocked (console users are people trying the bot at a terminal,
# not recipients).
_REACHABLE: Final = (
    "SELECT u.id, u.locale, u.account_id FROM users u"
    " WHERE u.channel != 'console' AND u.reminders_on = 1 AND u.blocked_at IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM users v WHERE v.account_id = u.account_id"
    " AND v.id != u.id AND {outranked})"
)


def _reachable() -> str:
    """_REACHABLE as of now: the identity a message surely reaches first (reach_rank)."""
    return _REACHABLE.format(outranked=outranked("u", "v", utcnow()))


class Rule(BaseModel):
    """When a kind of reminder goes, relative to its anchor."""

    id: int
    kind: RuleKind
    days: int = 0
    at_time: time | None = None
    hours: int = 0
    active: bool = True


class Recipient(BaseModel):
    """Someone a reminder goes to (the identity of their account seen last)."""

    user_id: int
    account_id: int
    locale: str | None = None


class Feedback(BaseModel):
    """An exhibitor's answers after a fair."""

    fair_id: int
    account_id: int
    visitors: str | None = None
    come_again: bool | None = None
    answered_at: datetime


def _recipients(rows: list[Row]) -> list[Recipient]:
    return [
        Recipient(user_id=r["id"], account_id=r["account_id"], locale=r["locale"]) for r in rows
    ]


class ReminderRepo:
    """Reads and writes reminder rules, sector follows, feedback, and the opt-outs."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- rules --------------------------------------------------------------------------------

    async def rules(self) -> list[Rule]:
        """The active rules."""
        rows = await self.db.fetchall("SELECT * FROM reminder_rules WHERE active = 1 ORDER BY id")
        return [Rule.model_validate(dict(r)) for r in rows]

    # -- following ----------------------------------------------------------------------------

    async def follow_sector(self, account_id: int, sector: str) -> bool:
        """Follow a sector's fairs; False if already followed."""
        row = await self.db.fetchone(
            "INSERT INTO sector_follows (account_id, sector, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING sector",
            (account_id, sector, utcnow().isoformat()),
        )
        return row is not None

    async def unfollow_sector(self, account_id: int, sector: str) -> None:
        """Stop following a sector."""
        await self.db.execute(
            "DELETE FROM sector_follows WHERE account_id = ? AND sector = ?", (account_id, sector)
        )

    async def sectors(self, account_id: int) -> list[str]:
        """The sectors an account follows."""
        rows = await self.db.fetchall(
            "SELECT sector FROM sector_follows WHERE account_id = ? ORDER BY created_at, sector",
            (account_id,),
        )
        return [r[0] for r in rows]

    async def fairs_followed(self, account_id: int) -> list[int]:
        """The ids of the fairs an account follows."""
        rows = await self.db.fetchall(
            "SELECT fair_id FROM fair_follows WHERE account_id = ? ORDER BY created_at",
            (account_id,),
        )
        return [int(r[0]) for r in rows]

    async def set_reminders(self, account_id: int, on: bool) -> None:
        """Turn reminders on or off on every identity of an account."""
        await self.db.execute(
            "UPDATE users SET reminders_on = ? WHERE account_id = ?", (int(on), account_id)
        )

    async def set_broadcasts(self, account_id: int, on: bool) -> None:
        """Turn the Department's announcements on or off on every identity of an account."""
        await self.db.execute(
            "UPDATE users SET broadcasts_on = ? WHERE account_id = ?", (int(on), account_id)
        )

    async def stop_all(self, account_id: int) -> None:
        """/dung: no reminders, no announcements, nothing followed. Call inside a transaction."""
        await self.set_reminders(account_id, False)
        await self.set_broadcasts(account_id, False)
        await self.db.execute("DELETE FROM sector_follows WHERE account_id = ?", (account_id,))
        await self.db.execute("DELETE FROM fair_follows WHERE account_id = ?", (account_id,))

    # -- who gets a fair's reminders ----------------------------------------------------------

    async def fair_audience(self, fair_id: int, sectors: list[str]) -> list[Recipient]:
        """Applicants of the fair, its followers, and followers of its sectors."""
        marks = ", ".join("?" * len(sectors)) or "NULL"
        rows = await self.db.fetchall(
            f"SELECT * FROM ({_reachable()}) AS r WHERE account_id IN ("
            f" SELECT account_id FROM booth_applications WHERE fair_id = ? AND status IN {_LIVE}"
            " UNION SELECT account_id FROM fair_follows WHERE fair_id = ?"
            f" UNION SELECT account_id FROM sector_follows WHERE sector IN ({marks})"
            ") ORDER BY id",
            (fair_id, fair_id, *sectors),
        )
        return _recipients(rows)

    async def unfinished_applications(self, fair_id: int) -> list[Recipient]:
        """Those who began applying for the fair and did not send the application."""
        rows = await self.db.fetchall(
            f"SELECT * FROM ({_reachable()}) r WHERE r.id IN ("
            " SELECT c.user_id FROM conversations c WHERE c.flow = 'booth_apply'"
            " AND json_extract(c.data, '$.fair') = ?)"
            " AND r.account_id NOT IN (SELECT account_id FROM booth_applications"
            f" WHERE fair_id = ? AND status IN {_LIVE}) ORDER BY r.id",
            (fair_id, fair_id),
        )
        return _recipients(rows)

    async def exhibitors(self, fair_id: int) -> list[Recipient]:
        """Those who held booths at the fair."""
        rows = await self.db.fetchall(
            f"SELECT * FROM ({_reachable()}) AS r WHERE account_id IN (SELECT account_id"
            f" FROM booth_applications WHERE fair_id = ? AND status IN {_EXHIBITORS})"
            " ORDER BY id",
            (fair_id,),
        )
        return _recipients(rows)

    async def is_exhibitor(self, fair_id: int, account_id: int) -> bool:
        """Whether the account held booths at the fair (those asked about it afterwards)."""
        row = await self.db.fetchone(
            "SELECT 1 FROM booth_applications WHERE fair_id = ? AND account_id = ?"
            f" AND status IN {_EXHIBITORS} LIMIT 1",
            (fair_id, account_id),
        )
        return row is not None

    async def open_offers(self) -> list[tuple[int, int, datetime, Recipient]]:
        """(application id, fair id, offer expiry, recipient) of every offer not yet answered."""
        rows = await self.db.fetchall(
            f"SELECT a.id AS app_id, a.fair_id, a.offer_expires_at, r.* FROM booth_applications a"
            f" JOIN ({_reachable()}) r ON r.account_id = a.account_id"
            " WHERE a.status = 'offered' AND a.offer_expires_at IS NOT NULL ORDER BY a.id"
        )
        return [
            (
                r["app_id"],
                r["fair_id"],
                datetime.fromisoformat(r["offer_expires_at"]),
                Recipient(user_id=r["id"], account_id=r["account_id"], locale=r["locale"]),
            )
            for r in rows
        ]

    # -- feedback -----------------------------------------------------------------------------

    async def answer(
        self,
        fair_id: int,
        account_id: int,
        *,
        visitors: str | None = None,
        come_again: bool | None = None,
    ) -> Feedback:
        """Store one answer of an exhibitor (the other one is kept)."""
        row = await self.db.fetchone(
            "INSERT INTO fair_feedback (fair_id, account_id, visitors, come_again, answered_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (fair_id, account_id) DO UPDATE SET"
            " visitors = coalesce(excluded.visitors, fair_feedback.visitors),"
            " come_again = coalesce(excluded.come_again, fair_feedback.come_again),"
            " answered_at = excluded.answered_at RETURNING *",
            (
                fair_id,
                account_id,
                visitors,
                None if come_again is None else int(come_again),
                utcnow().isoformat(),
            ),
        )
        assert row is not None
        return Feedback.model_validate(dict(row))

    async def feedback(self, fair_id: int) -> list[Feedback]:
        """Every exhibitor's answers about a fair."""
        rows = await self.db.fetchall(
            "SELECT * FROM fair_feedback WHERE fair_id = ? ORDER BY answered_at", (fair_id,)
        )
        return [Feedback.model_validate(dict(r)) for r in rows]
