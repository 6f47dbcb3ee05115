"""The fake Bot API server against the real python-telegram-bot 22 client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    MessageEntity,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from .telegram_api import FakeTelegram

TOKEN = "123:ABC"
CHAT = 42
APPLY = InlineKeyboardMarkup(
    [[InlineKeyboardButton("Đăng ký gian hàng", callback_data="fair:7:apply")]]
)


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=f"{fake_telegram.url}/bot") as client:
        yield client


async def test_get_me_describes_the_bot(bot: Bot) -> None:
    assert (bot.id, bot.username) == (123, "ketnoi_test_bot")


async def test_send_message_records_text_and_keyboard(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    message = await bot.send_message(CHAT, "Hội chợ gốm sứ", reply_markup=APPLY)

    assert message.reply_markup == APPLY
    assert (message.chat.id, message.from_user and message.from_user.is_bot) == (CHAT, True)
    [sent] = fake_telegram.sent(CHAT)
    assert sent["message_id"] == message.message_id
    assert sent["text"] == "Hội chợ gốm sứ"
    assert sent["reply_markup"] == {
        "inline_keyboard": [[{"text": "Đăng ký gian hàng", "callback_data": "fair:7:apply"}]]
    }
    assert fake_telegram.calls("sendMessage")[0]["params"]["chat_id"] == CHAT


@pytest.mark.parametrize("text", ["123", "true", "null", '{"a": 1}'])
async def test_text_that_looks_like_json_stays_text(
    fake_telegram: FakeTelegram, bot: Bot, text: str
) -> None:
    message = await bot.send_message(CHAT, text)

    assert message.text == text
    assert fake_telegram.sent(CHAT)[0]["text"] == text


async def test_reply_keyboard_is_recorded_but_not_echoed(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    ask_phone = ReplyKeyboardMarkup([[KeyboardButton("Gửi số điện thoại", request_contact=True)]])

    message = await bot.send_message(CHAT, "Số điện thoại?", reply_markup=ask_phone)

    assert message.reply_markup is None  # Message.reply_markup is inline keyboards only
    assert fake_telegram.sent(CHAT)[0]["reply_markup"]["keyboard"][0][0]["request_contact"] is True


async def test_edits_apply_in_place_and_keep_history(fake_telegram: FakeTelegram, bot: Bot) -> None:
    message = await bot.send_message(CHAT, "Chọn hội chợ", reply_markup=APPLY)

    # PTB drops the "Bad Request: " prefix and capitalises the rest (TelegramError.__init__).
    edited = await bot.edit_message_text("Đã chọn", CHAT, message.message_id, reply_markup=APPLY)
    assert isinstance(edited, Message) and edited.edit_date is not None
    await bot.edit_message_reply_markup(CHAT, message.message_id)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Đã chọn", CHAT, message.message_id)

    [sent] = fake_telegram.sent(CHAT)
    assert (sent["text"], sent["reply_markup"]) == ("Đã chọn", None)
    assert [e["method"] for e in sent["edits"]] == ["editMessageText", "editMessageReplyMarkup"]
    assert sent["edits"][0]["reply_markup"] == APPLY.to_dict()


async def test_editing_an_unknown_message_is_a_bad_request(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", CHAT, 999)


async def test_send_document_keeps_filename_and_bytes(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    # Every byte value plus the multipart delimiters, which a sloppy parser would cut at.
    content = bytes(range(256)) + b"\r\n--boundary\r\n\r\n" + "ổ".encode() * 1000
    filename = 'danh sách "gian hàng".xlsx'

    message = await bot.send_document(CHAT, content, filename=filename, caption="Danh sách")

    assert message.document is not None
    assert (message.document.file_name, message.document.file_size) == (filename, len(content))
    document = fake_telegram.sent(CHAT)[0]["document"]
    assert (document["filename"], document["bytes"]) == (filename, content)
    assert fake_telegram.sent(CHAT)[0]["caption"] == "Danh sách"


async def test_send_photo_by_upload_and_by_url(fake_telegram: FakeTelegram, bot: Bot) -> None:
    uploaded = await bot.send_photo(CHAT, b"\x89PNG fake", filename="qr.png")
    linked = await bot.send_photo(CHAT, "https://example.org/booth.jpg", caption="Gian 12")

    assert uploaded.photo and linked.photo
    first, second = fake_telegram.sent(CHAT)
    assert (first["photo"]["filename"], first["photo"]["bytes"]) == (
        "qr.png",
        b"\x89PNG fake",
    )
    assert (second["photo"]["url"], second["caption"]) == (
        "https://example.org/booth.jpg",
        "Gian 12",
    )


async def test_send_venue_and_location(fake_telegram: FakeTelegram, bot: Bot) -> None:
    venue = await bot.send_venue(
        CHAT, 20.977, 105.915, "Bảo tàng Gốm sứ Kim Lan", "xã Bát Tràng, Hà Nội"
    )
    point = await bot.send_location(CHAT, 21.0285, 105.8542)

    assert venue.venue is not None and venue.venue.title == "Bảo tàng Gốm sứ Kim Lan"
    assert venue.venue.location.latitude == pytest.approx(20.977)
    assert point.location is not None and point.location.longitude == pytest.approx(105.8542)
    recorded = fake_telegram.sent(CHAT)[0]["venue"]
    assert recorded == {
        "location": {"latitude": 20.977, "longitude": 105.915},
        "title": "Bảo tàng Gốm sứ Kim Lan",
        "address": "xã Bát Tràng, Hà Nội",
    }


async def test_commands_are_kept_per_language(fake_telegram: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("dang_ky", "Đăng ký")], language_code="vi")
    await bot.set_my_commands([BotCommand("register", "Register")])

    assert await bot.get_my_commands(language_code="vi") == (BotCommand("dang_ky", "Đăng ký"),)
    assert fake_telegram.commands[""] == [{"command": "register", "description": "Register"}]
    await bot.delete_my_commands(language_code="vi")
    assert list(fake_telegram.commands) == [""]
    assert await bot.send_chat_action(CHAT, "typing") is True


async def test_webhook_is_kept_and_blocks_polling(fake_telegram: FakeTelegram, bot: Bot) -> None:
    await bot.set_webhook("https://bot.example.org/tg", secret_token="s3cret")

    assert fake_telegram.webhook["url"] == "https://bot.example.org/tg"
    assert fake_telegram.webhook["secret_token"] == "s3cret"
    assert (await bot.get_webhook_info()).url == "https://bot.example.org/tg"
    with pytest.raises(Conflict):
        await bot.get_updates()
    await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == ()


async def test_user_side_updates_parse_in_ptb(fake_telegram: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "Hội chợ", reply_markup=APPLY)
    fake_telegram.send_text(CHAT, "/dang_ky ngay", first_name="Hùng")
    fake_telegram.press_button(CHAT, "fair:7:apply")
    fake_telegram.share_contact(CHAT, "+84912345678")
    fake_telegram.send_location(CHAT, 21.0, 105.8)
    fake_telegram.send_sticker(CHAT)
    fake_telegram.send_photo_from_user(CHAT, caption="sản phẩm")
    fake_telegram.my_chat_member(CHAT, "kicked")

    command, press, contact, place, sticker, photo, member = await bot.get_updates()

    assert command.message and command.message.text == "/dang_ky ngay"
    assert command.message.parse_entities([MessageEntity.BOT_COMMAND]).popitem()[1] == "/dang_ky"
    assert command.effective_user and command.effective_user.first_name == "Hùng"
    assert command.effective_user.language_code == "vi"
    assert press.callback_query and press.callback_query.data == "fair:7:apply"
    assert (
        press.callback_query.message and press.callback_query.message.message_id == sent.message_id
    )
    assert contact.message and contact.message.contact
    assert (contact.message.contact.phone_number, contact.message.contact.user_id) == (
        "+84912345678",
        CHAT,
    )
    assert place.message and place.message.location and place.message.location.latitude == 21.0
    assert sticker.message and sticker.message.sticker
    assert photo.message and photo.message.photo and photo.message.caption == "sản phẩm"
    assert member.my_chat_member and member.my_chat_member.new_chat_member.status == "kicked"
    assert member.my_chat_member.old_chat_member.status == "member"


async def test_a_contact_of_someone_else_carries_their_id_or_none(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    fake_telegram.share_contact(CHAT, "+84912000111", user_id=777)
    fake_telegram.share_contact(CHAT, "+84912000222", user_id=None)

    other, unknown = await bot.get_updates()

    assert other.message and other.message.contact and other.message.contact.user_id == 777
    assert unknown.message and unknown.message.contact
    assert unknown.message.contact.user_id is None
    assert unknown.message.contact.phone_number == "+84912000222"


async def test_callback_query_is_answered_once(fake_telegram: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(CHAT, "Hội chợ", reply_markup=APPLY)
    fake_telegram.press_button(CHAT, "fair:7:apply")
    [update] = await bot.get_updates()
    assert update.callback_query is not None

    assert await update.callback_query.answer("Đã nhận") is True
    with pytest.raises(BadRequest, match="Query is too old"):
        await update.callback_query.answer()
    assert [a["text"] for a in fake_telegram.callback_answers] == ["Đã nhận"]


def test_pressing_a_button_no_message_has_is_an_error(fake_telegram: FakeTelegram) -> None:
    with pytest.raises(LookupError):
        fake_telegram.press_button(CHAT, "fair:7:apply")


async def test_offset_confirms_and_allowed_updates_filter(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    fake_telegram.send_text(CHAT, "một")
    second = fake_telegram.send_text(CHAT, "hai")
    assert [u.update_id for u in await bot.get_updates()] == [second - 1, second]

    assert await bot.get_updates(offset=second + 1) == ()
    fake_telegram.my_chat_member(CHAT, "kicked")
    last = fake_telegram.send_text(CHAT, "ba")
    updates = await bot.get_updates(allowed_updates=[Update.MESSAGE])
    assert [u.update_id for u in updates] == [last]


async def test_long_poll_returns_as_soon_as_a_user_writes(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    threading.Timer(0.2, fake_telegram.send_text, args=(CHAT, "xin chào")).start()
    started = time.monotonic()

    [update] = await bot.get_updates(timeout=5)

    assert update.message and update.message.text == "xin chào"
    assert 0.15 < time.monotonic() - started < 2


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9


async def test_retry_after(
    fake_telegram: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22 warns when retry_after is read as int
    fake_telegram.fail_next("sendMessage", 429, retry_after=3)

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "x")

    assert caught.value.retry_after == dtm.timedelta(seconds=3)
    assert (await bot.send_message(CHAT, "x")).text == "x"  # only the next call failed
    assert [c["status"] for c in fake_telegram.calls("sendMessage")] == [429, 200]


async def test_forbidden_and_block(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.fail_next("sendMessage", 403)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "x")

    fake_telegram.block(CHAT)
    with pytest.raises(Forbidden):
        await bot.send_chat_action(CHAT, "typing")
    with pytest.raises(Forbidden, match="kicked from the group chat"):
        fake_telegram.block(-5)
        await bot.send_message(-5, "x")
    fake_telegram.unblock(CHAT)
    assert (await bot.send_message(CHAT, "x")).text == "x"
    assert fake_telegram.stats["blocked"] == 2


async def test_chat_migrated(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.fail_next("sendMessage", 400, migrate_to_chat_id=-1001234567890, chat_id=-5)

    assert (await bot.send_message(-6, "other group")).chat.type == "group"
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-5, "x")
    assert caught.value.new_chat_id == -1001234567890


@pytest.mark.parametrize("status", [500, 502])
async def test_server_errors_are_network_errors(
    fake_telegram: FakeTelegram, bot: Bot, status: int
) -> None:
    fake_telegram.fail_next("sendDocument", status, times=2)

    for _ in range(2):
        with pytest.raises(NetworkError) as caught:
            await bot.send_document(CHAT, b"x", filename="a.txt")
        assert type(caught.value) is NetworkError  # not its subclass BadRequest
    assert (await bot.send_document(CHAT, b"x", filename="a.txt")).document
    assert fake_telegram.stats[f"status:{status}"] == 2


async def test_wrong_token_is_unauthorized(fake_telegram: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=f"{fake_telegram.url}/bot"):
            pass

    async with httpx.AsyncClient(base_url=fake_telegram.url) as client:
        wrong = await client.post("/bot999:WRONG/getMe")
        unknown = await client.post(f"/bot{TOKEN}/sendDice")
        elsewhere = await client.get("/favicon.ico")
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    for response in (unknown, elsewhere):
        assert (response.status_code, response.json()) == (
            404,
            {"ok": False, "error_code": 404, "description": "Not Found"},
        )


async def test_rate_limit_answers_429_over_the_cap(
    fake_telegram: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter() itself warns without it
    fake_telegram.rate_limit(5)
    outcomes = []
    for _ in range(10):
        try:
            await bot.send_message(CHAT, "x")
            outcomes.append("ok")
        except RetryAfter:
            outcomes.append("429")

    assert outcomes[:5] == ["ok"] * 5 and "429" in outcomes
    fake_telegram.rate_limit(None)
    await bot.send_message(CHAT, "x")
    assert fake_telegram.stats["rate_limited"] == outcomes.count("429")


async def test_plain_json_and_query_parameters(fake_telegram: FakeTelegram) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with httpx.AsyncClient(base_url=f"{fake_telegram.url}/bot{TOKEN}") as client:
        plain = await client.post(
            "/sendMessage", json={"chat_id": CHAT, "text": "1", "reply_markup": markup}
        )
        # PTB's RequestData.json_payload nests JSON strings inside the JSON body.
        nested = await client.post(
            "/sendMessage",
            json={"chat_id": str(CHAT), "text": "2", "reply_markup": json.dumps(markup)},
        )
        query = await client.get("/sendMessage", params={"chat_id": CHAT, "text": "3"})

    assert [r.json()["ok"] for r in (plain, nested, query)] == [True, True, True]
    assert [(m["text"], m["reply_markup"]) for m in fake_telegram.sent(CHAT)] == [
        ("1", markup),
        ("2", markup),
        ("3", None),
    ]


async def test_application_polls_and_replies(fake_telegram: FakeTelegram) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"Bạn viết: {update.message.text}")

    app = ApplicationBuilder().token(TOKEN).base_url(f"{fake_telegram.url}/bot").build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        update_id = fake_telegram.send_text(CHAT, "xin chao")
        reply = await fake_telegram.await_message(CHAT, timeout=5)
        await app.updater.stop()
        await app.stop()

    assert reply["text"] == "Bạn viết: xin chao"
    assert fake_telegram.calls("deleteWebhook")  # start_polling drops any webhook first
    # Stopping confirms what was fetched, so a restart would not see the update again.
    assert fake_telegram.calls("getUpdates")[-1]["params"]["offset"] == update_id + 1


def test_another_process_can_call_and_wait_for_message_sees_it(fake_telegram: FakeTelegram) -> None:
    code = (
        "import sys, urllib.request, urllib.parse\n"
        "data = urllib.parse.urlencode({'chat_id': 42, 'text': 'từ tiến trình khác'}).encode()\n"
        "urllib.request.urlopen(sys.argv[1] + '/sendMessage', data, timeout=5).read()\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code, f"{fake_telegram.url}/bot{TOKEN}"])
    try:
        message = fake_telegram.wait_for_message(CHAT, timeout=5)
    finally:
        assert process.wait(timeout=5) == 0

    assert message["text"] == "từ tiến trình khác"


async def test_waits_read_each_message_once(fake_telegram: FakeTelegram, bot: Bot) -> None:
    for text in ("một", "hai", "ba"):
        await bot.send_message(CHAT, text)

    assert (await fake_telegram.await_message(CHAT))["text"] == "một"
    assert (await fake_telegram.await_message(CHAT, lambda m: m["text"] == "ba"))["text"] == "ba"
    with pytest.raises(TimeoutError, match="chat 42"):
        await fake_telegram.await_message(CHAT, timeout=0.05)  # "hai" was skipped by the cursor
    await bot.edit_message_text("hai!", CHAT, 2)
    call = await fake_telegram.await_call("editMessageText")
    assert call["params"]["text"] == "hai!"
    with pytest.raises(TimeoutError):
        await asyncio.to_thread(fake_telegram.wait_for_message, CHAT, None, 0.05)


def test_my_chat_member_rejects_unknown_status(fake_telegram: FakeTelegram) -> None:
    with pytest.raises(ValueError, match="status"):
        fake_telegram.my_chat_member(CHAT, "creator")


def test_wait_idle_waits_until_updates_are_confirmed(fake_telegram: FakeTelegram) -> None:
    update_id = fake_telegram.send_text(CHAT, "một")
    with pytest.raises(TimeoutError):
        fake_telegram.wait_idle(quiet=0.01, timeout=0.1)

    with httpx.Client(base_url=f"{fake_telegram.url}/bot{TOKEN}") as client:
        client.post("/getUpdates")
        client.post("/getUpdates", data={"offset": str(update_id + 1)})
    fake_telegram.wait_idle(quiet=0.05, timeout=1)
