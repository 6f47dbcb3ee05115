"""/gian_hang: the user's applications, withdrawal, the waiting list's offers and their expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from bot.app import App
from bot.services.fair_jobs import expire_offers
from storage.booths import BoothApplication, BoothStatus
from storage.outbox import OutboxRow
from tests.chat import Chat
from tests.fair_data import TODAY, make_fair, outbox_rows, register_enterprise, tap

pytestmark = pytest.mark.today


async def _applicant(app: App, who: str, booths: int) -> tuple[Chat, BoothApplication]:
    chat = Chat(app.router, external_id=who, name=who)
    await register_enterprise(app, chat, name=f"Cơ sở {who}")
    await chat.say("/start fair_test-fair")
    await chat.press("fair:test-fair:apply")
    await chat.press(f"apply:booths:{booths}")
    await chat.say("Bát đĩa men lam")
    await chat.press("apply:needs:none")
    await chat.press("apply:confirm")
    [mine] = await _mine(app, chat)
    return chat, mine


async def _mine(app: App, chat: Chat) -> list[BoothApplication]:
    user = await app.router.services.users.find(chat.user)
    assert user is not None
    return await app.router.services.booths.for_account(user.account_id)


async def _status(app: App, application: BoothApplication) -> BoothStatus:
    found = await app.router.services.booths.get(application.id)
    assert found is not None
    return found.status


async def test_my_booths_lists_applications_with_their_status(app: App) -> None:
    await make_fair(app, booths=2)
    lan, _ = await _applicant(app, "lan", 2)
    mai, _ = await _applicant(app, "mai", 1)

    await mai.say("/gian_hang")
    assert "Hội chợ thử nghiệm — 1 gian · trong danh sách chờ" in mai.text
    await mai.press(1)
    assert "Số thứ tự trong danh sách chờ: 1" in mai.text

    await lan.say("/booths")
    assert "2 gian · đã giữ gian" in lan.text


async def test_nothing_yet(app: App, chat: Chat) -> None:
    await chat.say("/gian_hang")
    assert "Bạn chưa đăng ký gian hàng nào" in chat.text
    assert [b.payload for b in chat.options] == ["fairs:up:0"]


async def test_withdrawal_offers_the_booths_to_the_next_in_line(app: App) -> None:
    await make_fair(app, booths=2)
    lan, first = await _applicant(app, "lan", 2)
    mai, second = await _applicant(app, "mai", 2)
    _, third = await _applicant(app, "hoa", 1)
    assert [await _status(app, a) for a in (first, second, third)] == [
        BoothStatus.ALLOCATED,
        BoothStatus.WAITLISTED,
        BoothStatus.WAITLISTED,
    ]

    await lan.say("/gian_hang")
    await lan.press(f"booth:{first.id}:show")
    await lan.press(f"booth:{first.id}:withdraw")
    assert "Rút đơn đăng ký gian hàng" in lan.text
    await lan.press(f"booth:{first.id}:withdraw_yes")

    assert "Đơn của bạn đã được rút." in lan.text
    assert await _status(app, second) is BoothStatus.OFFERED
    assert await _status(app, third) is BoothStatus.WAITLISTED  # nothing left for her
    [offer] = await _notices(app, mai)
    assert "vừa có 2 gian trống và dành cho bạn" in offer.replies[0].text
    assert "Thứ Tư, 25 tháng 11, 2026" in offer.replies[0].text  # 48 hours from now

    await mai.say("/gian_hang")
    await mai.press(f"booth:{second.id}:show")
    await mai.press(f"booth:{second.id}:accept")
    assert "Gian hàng là của bạn." in mai.text
    assert await _status(app, second) is BoothStatus.ALLOCATED


async def _notices(app: App, chat: Chat) -> list[OutboxRow]:
    """What other people's actions made the bot tell this user."""
    return await outbox_rows(app, chat, "notice:")


async def test_a_declined_offer_passes_to_the_next(app: App) -> None:
    await make_fair(app, booths=1)
    lan, first = await _applicant(app, "lan", 1)
    mai, second = await _applicant(app, "mai", 1)
    hoa, third = await _applicant(app, "hoa", 1)
    await lan.say("/gian_hang")
    await lan.press(f"booth:{first.id}:show")
    await lan.press(f"booth:{first.id}:withdraw")
    await lan.press(f"booth:{first.id}:withdraw_yes")

    [offer] = await _notices(app, mai)
    await tap(mai, offer.replies[0].options[1].payload)  # Decline, from the notice

    assert "Bạn đã từ chối lời mời" in mai.text
    assert await _status(app, second) is BoothStatus.DECLINED
    assert await _status(app, third) is BoothStatus.OFFERED
    assert len(await _notices(app, hoa)) == 1


async def test_an_unanswered_offer_expires_after_48_hours(
    app: App, time_machine: time_machine.TimeMachineFixture
) -> None:
    await make_fair(app, booths=1)
    lan, first = await _applicant(app, "lan", 1)
    mai, second = await _applicant(app, "mai", 1)
    hoa, third = await _applicant(app, "hoa", 1)
    await lan.say("/gian_hang")
    await lan.press(f"booth:{first.id}:show")
    await lan.press(f"booth:{first.id}:withdraw")
    await lan.press(f"booth:{first.id}:withdraw_yes")

    time_machine.move_to(TODAY + timedelta(hours=47), tick=True)
    assert await expire_offers(app.router.services) == 0
    time_machine.move_to(TODAY + timedelta(hours=48, minutes=1), tick=True)
    [offer] = await _notices(app, mai)
    await tap(mai, offer.replies[0].options[0].payload)  # Accept, too late
    assert "lời mời đã hết hạn" in mai.text
    assert await _status(app, second) is BoothStatus.OFFERED  # until the job runs

    assert await expire_offers(app.router.services) == 1

    assert await _status(app, second) is BoothStatus.EXPIRED
    assert await _status(app, third) is BoothStatus.OFFERED
    [expired] = await outbox_rows(app, mai, f"booth:{second.id}:expired")
    assert "không được nhận kịp thời hạn" in expired.replies[0].text
    assert len(await outbox_rows(app, hoa, f"booth:{third.id}:offer")) == 1
    assert await expire_offers(app.router.services) == 0  # nothing twice


async def test_someone_elses_application_is_not_reachable(app: App) -> None:
    await make_fair(app, booths=2)
    _, first = await _applicant(app, "lan", 1)
    intruder = Chat(app.router, external_id="intruder")
    for action in ("show", "withdraw_yes", "accept", "qr"):
        await tap(intruder, f"booth:{first.id}:{action}")
        assert "Lựa chọn này không còn" in intruder.text
    assert await _status(app, first) is BoothStatus.ALLOCATED


async def test_buttons_naming_someone_elses_application_are_refused_and_audited(
    app: App,
) -> None:
    await make_fair(app, booths=1)
    lan, first = await _applicant(app, "lan", 1)
    mai, second = await _applicant(app, "mai", 1)
    await lan.press(f"booth:{first.id}:withdraw")
    await lan.press(f"booth:{first.id}:withdraw_yes")
    assert await _status(app, second) is BoothStatus.OFFERED
    intruder, _ = await _applicant(app, "hoa", 1)
    actions = ("show", "qr", "withdraw", "withdraw_yes", "accept", "decline")
    for action in actions:
        await tap(intruder, f"booth:{second.id}:{action}")
        assert "Lựa chọn này không còn hiệu lực" in intruder.text
        assert intruder.last.photo is None
    assert await _status(app, second) is BoothStatus.OFFERED
    entries, _total = await app.router.services.audit.repo.page(0, 100)
    refused = [e for e in reversed(entries) if e.outcome == "refused"]
    assert [e.target for e in refused] == [f"booth:{second.id}:{a}" for a in actions]
    assert all(e.actor.startswith("console:hoa") for e in refused)
    assert {e.after["reason"] for e in refused} == {"someone else's booth application"}
    await tap(mai, f"booth:{second.id}:accept")  # the offer is still hers to take
    assert "Gian hàng là của bạn." in mai.text
