"""/lien_ket (/link): a code shown on one app, typed on the other, one account for both."""

from __future__ import annotations

import re

from bot.app import App
from bot.core.types import Reply, UserRef
from tests.chat import Chat
from tests.fair_data import register_enterprise, tap

ZALO = UserRef(channel="zalo", external_id="z1")
TELEGRAM = UserRef(channel="telegram", external_id="42")


def code_in(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found is not None, text
    return found.group(1)


def on(app: App, ref: UserRef, language: str | None = None) -> Chat:
    return Chat(app.router, external_id=ref.external_id, channel=ref.channel, language=language)


async def sent_by_outbox(app: App, channel: str) -> list[Reply]:
    got: list[Reply] = []

    async def record(user: UserRef, replies: list[Reply]) -> None:
        got.extend(replies)

    app.outlets.senders[channel] = record
    await app.outbox.drain_once()
    return got


async def test_code_shown_on_zalo_and_typed_on_telegram_links_both(app: App) -> None:
    zalo, telegram = on(app, ZALO), on(app, TELEGRAM, language="en")
    await zalo.say("/lien_ket")
    code = code_in(zalo.text)

    await telegram.say(f"/link {code}")

    assert f"/lien_ket {code}" in zalo.text
    assert telegram.text.startswith("Done: your Telegram and Zalo are now linked.")
    users = app.router.services.users
    z, t = await users.find(ZALO), await users.find(TELEGRAM)
    assert z is not None and t is not None and z.account_id == t.account_id
    [notice] = await sent_by_outbox(app, "zalo")  # the app that showed the code hears too
    assert notice.text.startswith("Telegram đã được liên kết")


async def test_the_code_can_be_typed_as_the_answer_to_the_prompt(app: App) -> None:
    zalo, telegram = on(app, ZALO), on(app, TELEGRAM)
    await telegram.say("/lien_ket")
    await zalo.say("/lien_ket")

    await telegram.say(code_in(zalo.text)[:3] + " " + code_in(zalo.text)[3:])

    assert telegram.text.startswith("Xong: Telegram và Zalo của bạn đã được liên kết.")
    await zalo.say("/lien_ket")
    assert "đã được liên kết" in zalo.text and not re.search(r"\d{6}", zalo.text)


async def test_a_wrong_code_is_answered_politely_and_tries_run_out(app: App) -> None:
    zalo, telegram = on(app, ZALO), on(app, TELEGRAM, language="en")
    await zalo.say("/lien_ket")
    wrong = "000000" if code_in(zalo.text) != "000000" else "111111"
    await telegram.say("/link")

    answers = []
    for _ in range(5):
        answers.append((await telegram.say(wrong))[0].text)
    await telegram.say(f"/link {code_in(zalo.text)}")

    assert answers[0] == (
        "That code is wrong or has expired (a code lasts 10 minutes). Check it on your other"
        " app, or send /link there for a new one. You can try 4 more times."
    )
    assert answers[3].endswith("You can try 1 more time.")
    assert answers[4] == "Too many wrong codes. Please wait 15 minutes, then try again."
    assert telegram.text.startswith("Too many wrong codes.")  # even the right code must wait


async def test_own_code_and_bad_input(app: App) -> None:
    zalo = on(app, ZALO, language="en")
    await zalo.say("/link")
    code = code_in(zalo.text)

    own = (await zalo.say(code))[0].text
    short = (await zalo.say("12345"))[0].text
    stopped = (await zalo.say("what is this?"))[0]

    assert own == "This is the code shown here: type it on your other app, not on this one."
    assert short.startswith("A link code has 6 digits")
    assert stopped.text == "Linking stopped. Send /link to start again."
    assert stopped.buttons  # back at the main menu


async def test_a_flow_under_way_is_not_dropped(app: App) -> None:
    zalo = on(app, ZALO)
    await zalo.say("/lien_ket")
    conv = await app.router.services.conversations.get(1)
    conv.start("registration", "name", {"consent": True})
    async with app.db.transaction():
        await app.router.services.conversations.save(conv)

    await zalo.say("/lien_ket")

    assert code_in(zalo.text)
    kept = await app.router.services.conversations.get(1)
    assert (kept.flow, kept.data) == ("registration", {"consent": True})


async def _linked(app: App) -> tuple[Chat, Chat]:
    """Zalo showed the code, Telegram typed it: one account."""
    zalo, telegram = on(app, ZALO), on(app, TELEGRAM)
    await zalo.say("/lien_ket")
    await telegram.say(f"/lien_ket {code_in(zalo.text)}")
    return zalo, telegram


async def _accounts(app: App) -> tuple[int, int]:
    users = app.router.services.users
    z, t = await users.find(ZALO), await users.find(TELEGRAM)
    assert z is not None and t is not None
    return z.account_id, t.account_id


async def test_unlinking_the_other_app_keeps_everything_here_and_tells_it(app: App) -> None:
    zalo, telegram = await _linked(app)  # the account bears Zalo's id: it moves to Telegram
    e = await register_enterprise(app, telegram, name="Cơ sở gốm Minh Hải")
    await sent_by_outbox(app, "zalo")  # the linked notice
    await telegram.say("/lien_ket")
    await telegram.press("Hủy liên kết Zalo")
    assert "mọi thứ vẫn ở đây trên Telegram" in telegram.text
    await telegram.press("Không, giữ liên kết")
    assert "vẫn được liên kết" in telegram.text
    z_account, t_account = await _accounts(app)
    assert z_account == t_account == e.account_id

    await telegram.say("/lien_ket")
    await telegram.press("Hủy liên kết Zalo")
    await telegram.press("Đồng ý, hủy liên kết Zalo")

    assert telegram.text.startswith("Xong: Zalo không còn liên kết với tài khoản này.")
    users = app.router.services.users
    z, t = await users.find(ZALO), await users.find(TELEGRAM)
    assert z is not None and t is not None
    assert z.account_id == z.id and t.account_id != z.account_id
    enterprises = app.router.services.enterprises
    kept = await enterprises.for_account(t.account_id)
    assert kept is not None and kept.id == e.id
    assert await enterprises.for_account(z.account_id) is None
    [notice] = await sent_by_outbox(app, "zalo")
    assert notice.text.startswith("Ứng dụng này không còn liên kết với Telegram của bạn")
    await zalo.say("/ho_so")
    assert "Cơ sở gốm Minh Hải" not in zalo.text
    await telegram.say("/ho_so")
    assert "Cơ sở gốm Minh Hải" in telegram.text
    await tap(telegram, "link:unlinkok")  # a stale button: nothing is linked any more
    assert "chưa liên kết với ứng dụng nào" in telegram.text


async def test_unlinking_from_the_app_whose_id_the_account_bears(app: App) -> None:
    zalo, telegram = await _linked(app)
    z_account, _ = await _accounts(app)
    users = app.router.services.users
    z = await users.find(ZALO)
    assert z is not None and z_account == z.id  # the account bears Zalo's id
    e = await register_enterprise(app, zalo, name="Hợp tác xã mây tre Phú Vinh")

    await zalo.say("/lien_ket")
    await zalo.press("Hủy liên kết Telegram")
    await zalo.press("Đồng ý, hủy liên kết Telegram")

    assert "Hợp tác xã mây tre Phú Vinh" not in (await telegram.say("/profile"))[0].text
    await zalo.say("/ho_so")
    assert "Hợp tác xã mây tre Phú Vinh" in zalo.text
    z_account, t_account = await _accounts(app)
    t = await users.find(TELEGRAM)
    assert t is not None and t_account == t.id and z_account != t_account
    kept = await app.router.services.enterprises.for_account(z_account)
    assert kept is not None and kept.id == e.id
