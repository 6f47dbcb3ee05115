"""The consent step: what it says, the version and date stored per app, and a new version of
the text asked again before the next change of a registration."""

from __future__ import annotations

import time_machine

from bot.app import App
from bot.domain.consent import CONSENT_VERSION
from storage.enterprises import EnterpriseStatus
from tests.chat import Chat
from tests.fair_data import TODAY
from tests.handlers.registration_walk import register, stored


async def test_the_consent_says_what_why_who_how_long_and_the_rights(chat: Chat) -> None:
    await chat.say("/dang_ky")
    text = chat.text
    for said in (
        "số định danh cá nhân 12 số",  # which data
        "vận hành mạng lưới làng nghề",  # why
        "Sở Công Thương Hà Nội là bên kiểm soát",  # who is responsible
        "Chỉ cán bộ của Sở",  # who sees it
        "Lưu bao lâu",  # how long
        "/du_lieu_cua_toi",  # how to use one's rights
        f"phiên bản {CONSENT_VERSION}",
    ):
        assert said in text, said
    assert [b.payload for b in chat.options] == ["reg:consent:yes", "reg:consent:no"]


async def test_the_version_date_and_app_are_stored(app: App) -> None:
    lan = Chat(app.router, channel="zalo", external_id="z1")
    await register(lan)
    e = await stored(app, lan)
    assert e is not None and e.consent_version == CONSENT_VERSION
    rows = await app.router.services.db.fetchall("SELECT * FROM consents")
    assert [(r["account_id"], r["version"], r["channel"]) for r in rows] == [
        (e.account_id, CONSENT_VERSION, "zalo")
    ]


async def test_a_new_text_is_asked_again_before_the_next_change(
    app: App, chat: Chat, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(TODAY, tick=False)
    await register(chat)
    svc = app.router.services
    e = await stored(app, chat)
    assert e is not None
    await svc.enterprises.set_status(e.id, EnterpriseStatus.APPROVED, by=None)
    async with svc.db.transaction():  # registered under an older text
        await svc.db.execute("UPDATE enterprises SET consent_version = '2025.0'")
    time_machine.shift(3600)
    await chat.say("/ho_so")
    await chat.press("reg:profile:edit:products")
    assert chat.text.startswith("Nội dung bạn đã đồng ý nay đã thay đổi")
    await chat.press("reg:consent:yes")
    assert "Sản phẩm chính" in chat.text
    await chat.say("Bình hút lộc men rạn")
    after = await stored(app, chat)
    assert after is not None and after.products == "Bình hút lộc men rạn"
    assert after.consent_version == CONSENT_VERSION and after.consent_at > e.consent_at
    versions = await svc.db.fetchall("SELECT version FROM consents ORDER BY id")
    assert [r[0] for r in versions] == [CONSENT_VERSION, CONSENT_VERSION]
    # the next change asks nothing more
    await chat.press("reg:profile:edit:products")
    assert "Nội dung bạn đã đồng ý" not in chat.text


async def test_refusing_the_new_text_changes_nothing(app: App, chat: Chat) -> None:
    await register(chat)
    svc = app.router.services
    async with svc.db.transaction():
        await svc.db.execute("UPDATE enterprises SET consent_version = NULL")
    await chat.say("/ho_so")
    await chat.press("reg:profile:edit:products")
    await chat.press("reg:consent:no")
    assert "/du_lieu_cua_toi" in chat.text
    after = await stored(app, chat)
    assert after is not None and after.consent_version is None
