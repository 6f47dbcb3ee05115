"""The Zalo OA's tables: a follower's window and consent, the inbox, and what goes with the
person when their data is erased or their account removed."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.core.clock import utcnow
from bot.core.types import UserRef
from storage.zalo_oa import ZaloOaRepo

OA = UserRef("zalo_oa", "8512340012345678901")
BODY = '{"sender": {"id": "8512340012345678901"}, "message": {"text": "0912345678"}}'


async def _follower(app: App) -> tuple[ZaloOaRepo, int]:
    repo = ZaloOaRepo(app.db)
    user = await app.router.services.users.ensure(OA)
    await repo.interacted(OA.external_id, utcnow())
    await repo.shared_info(OA.external_id, "84912345678", "Lan")
    await repo.receive("msg:1", BODY)
    return repo, user.account_id


async def test_the_latest_interaction_counts_and_the_card_dates_the_consent(app: App) -> None:
    repo = ZaloOaRepo(app.db)
    now = utcnow()
    await repo.interacted("u1", now)
    await repo.interacted("u1", now - timedelta(days=3))  # a late retry moves nothing back
    await repo.shared_info("u1", "84912345678", None)
    contact = await repo.contact("u1")

    assert contact is not None and contact.last_interaction_at == now
    assert contact.phone == "84912345678" and contact.phone_consent_at is not None


async def test_an_event_stays_in_the_inbox_until_done_and_a_dead_lease_frees_it(app: App) -> None:
    repo = ZaloOaRepo(app.db)
    soon, later = utcnow() + timedelta(seconds=30), utcnow() + timedelta(hours=1)
    assert await repo.receive("msg:1", "{}") and not await repo.receive("msg:1", "{}")
    assert await repo.receive("msg:2", "{}")

    assert [e.event_key for e in await repo.take_events("a", soon)] == ["msg:1", "msg:2"]
    assert await repo.take_events("b", later) == []  # a's, while its lease lasts
    first, second = await app.db.fetchall("SELECT id FROM zalo_oa_inbox ORDER BY id")
    await repo.done(first["id"])
    await app.db.execute(  # a died; its lease ran out
        "UPDATE zalo_oa_inbox SET taken_until = ?", ((utcnow() - timedelta(seconds=1)).isoformat(),)
    )
    again = await repo.take_events("b", later)
    assert [(e.event_key, e.tries) for e in again] == [("msg:2", 2)]
    assert await repo.give_back("b") == 1  # b stops cleanly before handling it
    assert [e.event_key for e in await repo.take_events("c", later)] == ["msg:2"]
    await repo.done(second["id"])
    assert await repo.take_events("d", later) == []


async def test_an_erasure_takes_the_oas_data_of_the_person(app: App) -> None:
    repo, account = await _follower(app)
    data = await app.router.services.personal_data.subject_data(account, [])
    assert data.zalo_oa[0]["phone"] == "84912345678"
    async with app.db.transaction():
        await app.router.services.personal_data.erase(account, "subject", [], [])

    assert await repo.contact(OA.external_id) is None
    assert await app.db.fetchone("SELECT * FROM zalo_oa_inbox") is None


async def test_removing_the_user_removes_the_oas_data(app: App) -> None:
    repo, _ = await _follower(app)
    await app.db.execute("DELETE FROM users WHERE channel = 'zalo_oa'")

    assert await repo.contact(OA.external_id) is None
    assert await app.db.fetchone("SELECT * FROM zalo_oa_inbox") is None


async def test_a_followers_events_stay_with_the_process_handling_their_first(app: App) -> None:
    repo = ZaloOaRepo(app.db)
    later = utcnow() + timedelta(hours=1)
    for key, follower in (("m1", "lan"), ("m2", "hai"), ("m3", "lan")):
        assert await repo.receive(key, "{}", follower)
    assert [e.event_key for e in await repo.take_events("a", later, limit=1)] == ["m1"]

    # b may take Hải's, not Lan's next while a has her first in hand: a takes it
    assert [e.event_key for e in await repo.take_events("b", later)] == ["m2"]
    assert [e.event_key for e in await repo.take_events("a", later)] == ["m3"]


async def test_a_lease_is_renewed_only_for_the_events_still_in_hand(app: App) -> None:
    repo = ZaloOaRepo(app.db)
    later = utcnow() + timedelta(hours=1)
    assert await repo.receive("m1", "{}", "lan") and await repo.receive("m2", "{}", "hai")
    first, _ = await repo.take_events("a", utcnow() - timedelta(seconds=1))

    await repo.hold("a", [first.id], later)  # m2 was taken but never handed on (a failure)

    assert [e.event_key for e in await repo.take_events("b", later)] == ["m2"]
