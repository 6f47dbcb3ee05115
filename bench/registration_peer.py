"""The peer of bench.registration: the same registration as a python-telegram-bot
ConversationHandler with PicklePersistence, the usual way such bots are built.

Same states, same typed answers, same checks (the same phone, tax code and ward functions) and
the same reply texts in the same language, built as the library's keyboards but not sent: the
bot never reaches the network (its get_me is answered locally and nothing calls send_*).
The answers live in `user_data`, the states in the ConversationHandler, the numbers already
taken and the reference counter in `bot_data`; PicklePersistence writes them every
`update_interval` (60 s) and at shutdown.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update, User
from telegram.ext import (
    Application,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    ExtBot,
    MessageHandler,
    PicklePersistence,
    filters,
)

from bench.registration_peer_replies import Built, PeerReplies, name_ok
from bot.core.i18n import Lang
from bot.domain.enterprise_terms import PRACTICE_NAMES, ROLE_NAMES
from bot.domain.phones import PhoneError, parse_phone
from bot.domain.places import match_ward
from bot.domain.sectors import SECTORS
from bot.domain.taxcode import TaxCodeError, parse_tax_code
from storage.enterprises import KINDS

__all__ = ["BOT_ID", "TOKEN", "PeerBot", "build_application", "message_update"]

TOKEN = "123456:PEER"
BOT_ID = 123456
Context = ContextTypes.DEFAULT_TYPE
END = ConversationHandler.END


class OfflineBot(ExtBot[None]):
    """A bot that knows itself without asking Telegram (get_me is answered locally)."""

    async def get_me(self, *args: Any, **kwargs: Any) -> User:
        """Returns the bot's own user, as getMe would."""
        self._bot_user = User(BOT_ID, "Ket noi (peer)", is_bot=True, username="ketnoi_peer_bot")
        return self._bot_user


def message_update(
    bot: ExtBot[None], update_id: int, user_id: int, name: str, text: str, date: int
) -> Update:
    """A private text message from `user_id`, parsed as python-telegram-bot parses updates."""
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": date,
        "chat": {"id": user_id, "type": "private", "first_name": name},
        "from": {"id": user_id, "is_bot": False, "first_name": name, "language_code": "vi"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return Update.de_json({"update_id": update_id, "message": message}, bot)


def _numbers(text: str, last: int) -> list[int] | None:
    """The option numbers typed ("1 3", "1,3"), if every one is an option; the number after the
    last (Done, as the bot reads it: "2 5") names none."""
    words = text.replace(",", " ").split()
    if not words or not all(w.isdigit() and 1 <= int(w) <= last + 1 for w in words):
        return None
    picked = [int(w) for w in words if int(w) <= last]
    return picked or None


class PeerBot:
    """The registration as a ConversationHandler, a callback per state."""

    def __init__(self, lang: Lang, *, record: bool = False) -> None:
        self.ask = PeerReplies(lang, record)

    @property
    def built(self) -> dict[int, list[Built]]:
        """The replies built for each user, when recording."""
        return self.ask.built

    async def start(self, update: Update, context: Context) -> str:
        """Starts the registration with the consent question."""
        assert context.user_data is not None
        context.user_data["answers"] = {}
        return self.ask.consent(update)

    async def got_consent(self, update: Update, context: Context) -> str | int:
        """Records consent, or asks again."""
        if _text(update) not in ("1", "đồng ý", "dong y", "ok"):
            return self.ask.consent(update)
        return self.ask.name(update)

    async def got_name(self, update: Update, context: Context) -> str:
        """Stores the name."""
        name = " ".join(_text(update).split())
        if not name_ok(name, 120):
            return self.ask.name(update)
        _answers(context)["name"] = name
        return self.ask.kind(update)

    async def got_kind(self, update: Update, context: Context) -> str:
        """Stores the kind chosen by number."""
        picked = _numbers(_text(update), len(KINDS))
        if picked is None or len(picked) != 1:
            return self.ask.kind(update)
        _answers(context)["kind"] = KINDS[picked[0] - 1]
        return self.ask.roles(update)

    async def got_roles(self, update: Update, context: Context) -> str:
        """Stores the roles typed as numbers."""
        keys = list(ROLE_NAMES)
        picked = _numbers(_text(update), len(keys))
        if picked is None:
            return self.ask.roles(update)
        _answers(context)["roles"] = [keys[n - 1] for n in sorted(set(picked))]
        return self.ask.sectors(update)

    async def got_sectors(self, update: Update, context: Context) -> str:
        """Stores the crafts typed as numbers."""
        keys = list(SECTORS)
        picked = _numbers(_text(update), len(keys))
        if picked is None:
            return self.ask.sectors(update)
        _answers(context)["sectors"] = [keys[n - 1] for n in sorted(set(picked))]
        return self.ask.ward(update)

    async def got_ward(self, update: Update, context: Context) -> str:
        """Looks the typed ward up and offers the matches."""
        found = match_ward(_text(update), limit=4)
        if not found:
            return self.ask.ward(update)
        matches = [[m.ward.code, m.matched] for m in found]
        assert context.user_data is not None
        context.user_data["ward_matches"] = matches
        return self.ask.ward_pick(update, matches)

    async def got_ward_pick(self, update: Update, context: Context) -> str:
        """Stores the ward picked by number."""
        assert context.user_data is not None
        matches: list[list[str]] = context.user_data.get("ward_matches", [])
        picked = _numbers(_text(update), len(matches))
        if picked is None or len(picked) != 1:
            return self.ask.ward_pick(update, matches)
        _answers(context)["ward_code"] = matches[picked[0] - 1][0]
        return self.ask.address(update)

    async def got_address(self, update: Update, context: Context) -> str:
        """Stores the address (1 skips it)."""
        text = " ".join(_text(update).split())
        _answers(context)["address"] = None if text == "1" else text[:200]
        return self.ask.contact(update)

    async def got_contact(self, update: Update, context: Context) -> str:
        """Stores the contact person."""
        person = " ".join(_text(update).split())
        if not name_ok(person, 80):
            return self.ask.contact(update)
        _answers(context)["contact_name"] = person
        return self.ask.phone(update)

    async def got_phone(self, update: Update, context: Context) -> str:
        """Checks the number and refuses one already taken."""
        result = parse_phone(_text(update))
        if isinstance(result, PhoneError) or not hasattr(result, "e164"):
            return self.ask.phone(update)
        if result.e164 in context.bot_data.setdefault("phones", set()):
            return self.ask.phone(update)
        _answers(context)["phone"] = result.e164
        self.ask.phone_noted(update, result.e164)
        return self.ask.tax_code(update)

    async def got_tax_code(self, update: Update, context: Context) -> str:
        """Checks the tax code and refuses one already taken (1 skips it)."""
        text = _text(update)
        if text != "1":
            result = parse_tax_code(text)
            if isinstance(result, TaxCodeError):
                return self.ask.tax_code(update)
            if result.value in context.bot_data.setdefault("tax_codes", set()):
                return self.ask.tax_code(update)
            _answers(context)["tax_code"] = result.value
        return self.ask.products(update)

    async def got_products(self, update: Update, context: Context) -> str:
        """Stores the products (1 skips them)."""
        text = " ".join(_text(update).split())
        _answers(context)["products"] = None if text == "1" else text[:500]
        return self.ask.ocop(update)

    async def got_ocop(self, update: Update, context: Context) -> str:
        """Stores the stars (3, 4 or 5) or none (1)."""
        text = _text(update)
        if text not in ("1", "3", "4", "5"):
            return self.ask.ocop(update)
        _answers(context)["ocop_stars"] = None if text == "1" else int(text)
        return self.ask.practices(update)

    async def got_practices(self, update: Update, context: Context) -> str:
        """Stores the practices and asks whether other members may find it."""
        keys = list(PRACTICE_NAMES)
        picked = _numbers(_text(update), len(keys))
        if picked is None:
            return self.ask.practices(update)
        _answers(context)["practices"] = [keys[n - 1] for n in sorted(set(picked))]
        return self.ask.findable(update)

    async def got_findable(self, update: Update, context: Context) -> str:
        """Stores whether other members may find it (1 yes, 2 no) and shows the summary."""
        text = _text(update)
        if text not in ("1", "2"):
            return self.ask.findable(update)
        _answers(context)["findable"] = text == "1"
        return self.ask.summary(update, _answers(context))

    async def got_summary(self, update: Update, context: Context) -> str | int:
        """Sends the registration (1 confirms): pending, with a reference number."""
        if _text(update) != "1":
            return self.ask.summary(update, _answers(context))
        assert context.user_data is not None
        answers = context.user_data.pop("answers")
        context.user_data.pop("ward_matches", None)
        bot_data = context.bot_data
        bot_data["count"] = number = bot_data.get("count", 0) + 1
        reference = f"HN-{datetime.now(UTC).year}-{number:06d}"
        bot_data.setdefault("phones", set()).add(answers["phone"])
        if answers.get("tax_code"):
            bot_data.setdefault("tax_codes", set()).add(answers["tax_code"])
        context.user_data["registration"] = {
            **answers,
            "reference": reference,
            "status": "pending",
        }
        self.ask.sent(update, reference)
        return END

    async def cancel(self, update: Update, context: Context) -> int:
        """Leaves the registration."""
        assert context.user_data is not None
        context.user_data.pop("answers", None)
        return END

    def handler(self) -> ConversationHandler[Context]:
        """The ConversationHandler of the whole registration, persistent."""
        steps: list[tuple[str, Callable[[Update, Context], Coroutine[Any, Any, object]]]] = [
            ("consent", self.got_consent),
            ("name", self.got_name),
            ("kind", self.got_kind),
            ("roles", self.got_roles),
            ("sectors", self.got_sectors),
            ("ward", self.got_ward),
            ("ward_pick", self.got_ward_pick),
            ("address", self.got_address),
            ("contact", self.got_contact),
            ("phone", self.got_phone),
            ("tax_code", self.got_tax_code),
            ("products", self.got_products),
            ("ocop", self.got_ocop),
            ("practices", self.got_practices),
            ("findable", self.got_findable),
            ("summary", self.got_summary),
        ]
        text = filters.TEXT & ~filters.COMMAND
        return ConversationHandler(
            entry_points=[CommandHandler(["dang_ky", "register"], self.start)],
            states={step: [MessageHandler(text, got)] for step, got in steps},
            fallbacks=[CommandHandler(["huy", "cancel"], self.cancel)],
            name="registration",
            persistent=True,
        )


def build_application(
    peer: PeerBot, pickle: Path, update_interval: float = 60
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The Application as usually built, minus the network: no updater, an offline bot.

    `update_interval`: seconds between the pickle's writes (PicklePersistence's default: 60);
    the benchmark sets it past the end of its run, so that a write (minutes at 10,000 users)
    never falls inside the timed steps on a slow machine: the peer is timed at its best.
    """
    app = (
        Application.builder()
        .bot(OfflineBot(TOKEN))
        .updater(None)
        .persistence(PicklePersistence(filepath=pickle, update_interval=update_interval))
        .build()
    )
    app.add_handler(peer.handler())
    return app


def _text(update: Update) -> str:
    return (update.message.text or "").strip() if update.message else ""


def _answers(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    answers: dict[str, Any] = context.user_data.setdefault("answers", {})
    return answers
