"""The staff's read-only queries: messages counted by kind and status."""

from __future__ import annotations

from bot.app import App
from bot.core.types import Reply, UserRef


async def test_messages_are_counted_as_reminders_broadcasts_or_notices(app: App) -> None:
    svc = app.router.services
    user = await svc.users.ensure(UserRef(channel="console", external_id="p1"))
    hello = [Reply(text="Xin chào")]
    async with svc.db.transaction():
        broadcast = await svc.db.execute(
            "INSERT INTO broadcasts (audience, text, created_at) VALUES ('all', 'x', '')"
        )
        await svc.outbox.enqueue(user.id, hello, "b1", broadcast_id=broadcast)
        await svc.outbox.enqueue(user.id, hello, "b2", broadcast_id=broadcast)
        await svc.outbox.enqueue(user.id, hello, "r1", topic="fair:gom:before_start:20261210")
        await svc.outbox.enqueue(user.id, hello, "fair:3:remind:2026:account:1")
        await svc.outbox.enqueue(user.id, hello, "notice:abc", lane="notice")
        for key, status in (("b1", "sent"), ("b2", "blocked"), ("r1", "sent")):
            await svc.db.execute("UPDATE outbox SET status = ? WHERE dedupe_key = ?", (status, key))
    counts = {s.kind: (s.sent, s.waiting, s.failed) for s in await svc.reports.sent()}
    assert counts == {"broadcast": (1, 0, 1), "reminder": (1, 1, 0), "notice": (0, 1, 0)}
    assert await svc.reports.broadcasts() == 1
