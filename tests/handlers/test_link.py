"""/lien_ket (/link): a code shown on one app, typed on the other, one account for both."""

from __future__ import annotations

import re

from bot.app import App
from bot.types import Reply, UserRef
from tests.chat import Chat

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

    app.router.senders[channel] = record
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
