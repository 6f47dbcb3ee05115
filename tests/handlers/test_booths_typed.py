"""Typed yes words at a booth application's confirmations: withdrawing, a waiting-list offer."""

from __future__ import annotations

import pytest

from bot.app import App
from storage.booths import BoothApplication, BoothStatus
from tests.chat import Chat
from tests.fair_data import make_fair, register_enterprise

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
    user = await app.router.services.users.find(chat.user)
    assert user is not None
    [mine] = await app.router.services.booths.for_account(user.account_id)
    return chat, mine


async def _status(app: App, application: BoothApplication) -> BoothStatus:
    found = await app.router.services.booths.get(application.id)
    assert found is not None
    return found.status


@pytest.mark.parametrize("yes", ["dong y", "Đồng ý", "co", "ok"])
async def test_a_typed_yes_withdraws_an_application(app: App, yes: str) -> None:
    await make_fair(app, booths=2)
    lan, first = await _applicant(app, "lan", 2)
    await lan.say("/gian_hang")
    await lan.press(f"booth:{first.id}:show")
    await lan.say("rut don")
    assert "Rút đơn đăng ký gian hàng" in lan.text
    await lan.say(yes)
    assert "Đơn của bạn đã được rút." in lan.text
    assert await _status(app, first) is BoothStatus.WITHDRAWN


async def test_a_typed_no_keeps_an_application(app: App) -> None:
    await make_fair(app, booths=2)
    lan, first = await _applicant(app, "lan", 2)
    await lan.say("/gian_hang")
    await lan.press(f"booth:{first.id}:show")
    await lan.press(f"booth:{first.id}:withdraw")
    await lan.say("khong")
    assert await _status(app, first) is BoothStatus.ALLOCATED


@pytest.mark.parametrize("yes", ["nhan", "dong y nhan", "Nhận"])
async def test_a_typed_yes_accepts_a_waiting_list_offer(app: App, yes: str) -> None:
    await make_fair(app, booths=2)
    lan, first = await _applicant(app, "lan", 2)
    mai, second = await _applicant(app, "mai", 2)
    await lan.say("/gian_hang")
    await lan.press(f"booth:{first.id}:show")
    await lan.press(f"booth:{first.id}:withdraw")
    await lan.press(f"booth:{first.id}:withdraw_yes")
    assert await _status(app, second) is BoothStatus.OFFERED
    await mai.say("/gian_hang")
    await mai.press(f"booth:{second.id}:show")
    await mai.say(yes)
    assert "Gian hàng là của bạn." in mai.text
    assert await _status(app, second) is BoothStatus.ALLOCATED


@pytest.mark.parametrize("typed", ["nhu ho so", "Như hồ sơ", "nhu da dang ky"])
async def test_the_profile_s_products_typed_in_words(app: App, typed: str) -> None:
    await make_fair(app, booths=3)
    chat = Chat(app.router)
    await register_enterprise(app, chat)
    await chat.say("/start fair_test-fair")
    await chat.press("fair:test-fair:apply")
    await chat.say("1")
    await chat.say(typed)
    await chat.say("Ổ cắm 2 kW")
    assert "Sản phẩm: Bát đĩa men lam" in chat.text
