"""The replies of the peer registration bot (bench/registration_peer.py): the same texts and
options as the bot's, from the same catalogs, built as python-telegram-bot keyboards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)

from bot.core.i18n import N_, Lang
from bot.core.types import Button
from bot.domain.consent import CONSENT_DATE, CONSENT_TEXT, CONSENT_VERSION
from bot.domain.enterprise_terms import (
    KIND_NAMES,
    PRACTICE_NAMES,
    ROLE_NAMES,
    place_label,
    ward_label,
)
from bot.domain.phones import format_phone
from bot.domain.places import get_ward
from bot.domain.sectors import SECTORS
from storage.enterprises import KINDS

__all__ = ["Built", "PeerReplies", "name_ok"]

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None
Built = tuple[str, list[str]]  # a reply's text and its button labels, for comparisons
_ROLES_PROMPT = N_("What is your role in the chain? Several are allowed.")
_SECTORS_PROMPT = N_("Which crafts do you work in? Several are allowed.")
_PRACTICES_PROMPT = N_(
    "Which sustainable practices do you already follow? Several are allowed; “None yet” is"
    " a fine answer too."
)

# As in handlers/registration/render.py: the peer imports nothing of handlers/, which would
# bring the whole bot into its process and its memory figure.
FIELD_LABELS: dict[str, str] = {
    "name": N_("Establishment name"),
    "kind": N_("Kind"),
    "roles": N_("Role in the chain"),
    "sectors": N_("Crafts"),
    "place": N_("Place"),
    "address": N_("Address"),
    "contact_name": N_("Contact person"),
    "phone": N_("Phone"),
    "tax_code": N_("Tax code"),
    "products": N_("Main products"),
    "ocop_stars": N_("OCOP rating"),
    "practices": N_("Sustainable practices"),
    "findable": N_("Found by other members"),
}


def _inline(rows: list[list[Button]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.payload) for b in row] for row in rows]
    )


def _labels(markup: Markup) -> list[str]:
    if isinstance(markup, InlineKeyboardMarkup):
        return [b.text for row in markup.inline_keyboard for b in row]
    if isinstance(markup, ReplyKeyboardMarkup):
        return [b.text for row in markup.keyboard for b in row]
    return []


def name_ok(text: str, limit: int) -> bool:
    return 2 <= len(text) <= limit and any(ch.isalpha() for ch in text)


def _summary_lines(answers: dict[str, Any], _: Callable[[str], str]) -> str:
    """Every answer, one line each."""

    def names(table: dict[str, str], keys: list[str]) -> str:
        return ", ".join(_(table[k]) for k in keys)

    stars = answers.get("ocop_stars")
    values = {
        "name": answers.get("name") or "",
        "kind": _(KIND_NAMES[answers["kind"]]) if answers.get("kind") else "",
        "roles": names(ROLE_NAMES, answers.get("roles", [])),
        "sectors": names(SECTORS, answers.get("sectors", [])),
        "place": place_label(answers.get("ward_code"), answers.get("province"), _),
        "address": answers.get("address") or "",
        "contact_name": answers.get("contact_name") or "",
        "phone": format_phone(answers["phone"]) if answers.get("phone") else "",
        "tax_code": answers.get("tax_code") or "",
        "products": answers.get("products") or "",
        "ocop_stars": _("{stars} stars").format(stars=stars) if stars else _("none"),
        "practices": names(PRACTICE_NAMES, answers.get("practices", [])),
        "findable": _("yes") if answers.get("findable") else _("no"),
    }
    return "\n".join(
        f"• {_(label)}: {values[field] or _('not given')}" for field, label in FIELD_LABELS.items()
    )


def _menu(_: Callable[[str], str]) -> InlineKeyboardMarkup:
    """The main menu."""
    rows = [
        [(_("Register into the network"), "menu:register")],
        [(_("Upcoming fairs"), "menu:fairs"), (_("My booths"), "menu:booths")],
        [(_("Reminders"), "menu:reminders"), (_("Questions & answers"), "menu:faq")],
        [(_("Language"), "menu:language")],
    ]
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


@dataclass
class PeerReplies:
    """Builds each reply as a real bot would before `reply_text`; keeps them when recording."""

    lang: Lang
    record: bool = False
    built: dict[int, list[Built]] = field(default_factory=dict)

    def reply(self, update: Update, text: str, markup: Markup = None) -> None:
        """Builds the reply a real bot would send with `update.message.reply_text`."""
        if self.record and update.effective_user is not None:
            self.built.setdefault(update.effective_user.id, []).append((text, _labels(markup)))

    def back(self, step: str) -> Button:
        return Button(label=self.lang.gettext("◀ Back"), payload=f"reg:{step}:back")

    def question(self, update: Update, step: str, text: str, rows: list[list[Button]]) -> str:
        self.reply(update, text, _inline([*rows, [self.back(step)]]))
        return step

    def multi(self, update: Update, step: str, options: dict[str, str], prompt: str) -> str:
        _ = self.lang.gettext
        buttons = [Button(label=_(name), payload=f"reg:{step}:{k}") for k, name in options.items()]
        per_row = 2 if step == "sectors" else 1
        rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
        rows.append([Button(label=_("Done ✔"), payload=f"reg:{step}:done")])
        hint = _("Tap each one that applies, then “Done”. Or type their numbers at once, e.g. 1 3.")
        return self.question(update, step, f"{_(prompt)}\n{hint}", rows)

    def consent(self, update: Update) -> str:
        _ = self.lang.gettext
        text = _(CONSENT_TEXT).format(
            my_data="/du_lieu_cua_toi",
            profile="/ho_so",
            version=CONSENT_VERSION,
            date=self.lang.date(CONSENT_DATE, "short"),
        )
        rows = [
            [Button(label=_("I agree"), payload="reg:consent:yes")],
            [Button(label=_("No, thanks"), payload="reg:consent:no")],
        ]
        self.reply(update, text, _inline(rows))
        return "consent"

    def name(self, update: Update) -> str:
        text = self.lang.gettext(
            "What is the name of your establishment? For example: Cơ sở gốm Minh Hải,"
            " Hợp tác xã mây tre đan Phú Vinh."
        )
        return self.question(update, "name", text, [])

    def kind(self, update: Update) -> str:
        _ = self.lang.gettext
        rows = [[Button(label=_(KIND_NAMES[k]), payload=f"reg:kind:{k}")] for k in KINDS]
        return self.question(update, "kind", _("What kind of establishment is it?"), rows)

    def ward(self, update: Update) -> str:
        _ = self.lang.gettext
        text = _(
            "In which ward or commune of Hanoi is your establishment? Type its name, with or"
            " without accents, e.g. Bát Tràng or Vạn Phúc; old district names such as Gia Lâm"
            " work too."
        )
        outside = Button(label=_("Outside Hanoi"), payload="reg:ward:outside")
        return self.question(update, "ward", text, [[outside]])

    def ward_pick(self, update: Update, matches: list[list[str]]) -> str:
        _ = self.lang.gettext
        rows = []
        for code, matched in matches:
            ward = get_ward(code)
            if ward is None:
                continue
            label = ward_label(code, _)
            if matched != ward.name:
                label = f"{label} ({matched})"
            rows.append([Button(label=label, payload=f"reg:ward_pick:{code}")])
        rows.append([Button(label=_("None of these, type again"), payload="reg:ward_pick:back")])
        rows.append([Button(label=_("Outside Hanoi"), payload="reg:ward_pick:outside")])
        text = _("Which one is it? (The old name you typed is in brackets.)")
        self.reply(update, text, _inline(rows))
        return "ward_pick"

    def address(self, update: Update) -> str:
        _ = self.lang.gettext
        text = _(
            "What is the street address (house number, street, village)? For example:"
            " 12 Giang Cao, thôn 2. You can skip this."
        )
        skip = Button(label=_("Skip"), payload="reg:address:skip")
        return self.question(update, "address", text, [[skip]])

    def contact(self, update: Update) -> str:
        text = self.lang.gettext(
            "Who is the contact person? Type their full name, e.g. Nguyễn Thị Lan."
        )
        me = update.effective_user.full_name if update.effective_user else ""
        rows = [[Button(label=me, payload="reg:contact:me")]] if name_ok(me, 80) else []
        return self.question(update, "contact", text, rows)

    def phone(self, update: Update) -> str:
        _ = self.lang.gettext
        text = _(
            "What phone number can the Department call? Type it, e.g. 0912 345 678 or"
            " 024 3825 1234, or press “Share my phone number” if you see that button."
        )
        keyboard = [
            [KeyboardButton(_("📱 Share my phone number"), request_contact=True)],
            [KeyboardButton(_("◀ Back"))],
        ]
        self.reply(update, text, ReplyKeyboardMarkup(keyboard, one_time_keyboard=True))
        return "phone"

    def tax_code(self, update: Update) -> str:
        _ = self.lang.gettext
        text = _(
            "What is your tax code? Household businesses use the owner's 12-digit personal ID"
            " number (e.g. 001085012345) since July 2025; a 10-digit tax code (e.g. 0100109106)"
            " works too. You can skip this."
        )
        skip = Button(label=_("Skip"), payload="reg:tax_code:skip")
        return self.question(update, "tax_code", text, [[skip]])

    def products(self, update: Update) -> str:
        _ = self.lang.gettext
        text = _(
            "What are your main products (or, for buyers, what you look for)? For example: bát"
            " đĩa men lam, lọ hoa, ấm chén."
        )
        skip = Button(label=_("Skip"), payload="reg:products:skip")
        return self.question(update, "products", text, [[skip]])

    def ocop(self, update: Update) -> str:
        _ = self.lang.gettext
        text = _("Do your products have an OCOP rating? Choose the stars, or “No OCOP rating”.")
        stars = [
            Button(label=_("{stars} stars ⭐").format(stars=n), payload=f"reg:ocop:{n}")
            for n in (3, 4, 5)
        ]
        first = [Button(label=_("No OCOP rating"), payload="reg:ocop:none"), self.back("ocop")]
        self.reply(update, text, _inline([first, stars]))
        return "ocop"

    def findable(self, update: Update) -> str:
        _ = self.lang.gettext
        text = _(
            "May other members of the network (suppliers, producers, shops, buyers) find your"
            " establishment when they search, once the Department has approved it?\n\nThey would"
            " see its name, kind, role, crafts, ward or province, products and OCOP stars, never"
            " your phone or tax code: those are given only to a member whose request to connect"
            " you accept. You can change this at any time in {profile}."
        ).format(profile="/ho_so")
        rows = [
            [Button(label=_("Yes, members may find me"), payload="reg:findable:yes")],
            [Button(label=_("No, not now"), payload="reg:findable:no")],
        ]
        return self.question(update, "findable", text, rows)

    def summary(self, update: Update, answers: dict[str, Any]) -> str:
        _ = self.lang.gettext
        text = "\n\n".join(
            [
                _("Please check your registration:"),
                _summary_lines(answers, _),
                _("If all is right, press “Confirm and send”. To change an answer, press its ✏️."),
            ]
        )
        edits = [
            Button(label=_("✏️ {field}").format(field=_(label)), payload=f"reg:summary:edit:{f}")
            for f, label in FIELD_LABELS.items()
        ]
        rows = [
            [Button(label=_("✅ Confirm and send"), payload="reg:summary:confirm")],
            *[edits[i : i + 2] for i in range(0, len(edits), 2)],
        ]
        return self.question(update, "summary", text, rows)

    def roles(self, update: Update) -> str:
        return self.multi(update, "roles", ROLE_NAMES, _ROLES_PROMPT)

    def sectors(self, update: Update) -> str:
        return self.multi(update, "sectors", SECTORS, _SECTORS_PROMPT)

    def practices(self, update: Update) -> str:
        return self.multi(update, "practices", PRACTICE_NAMES, _PRACTICES_PROMPT)

    def phone_noted(self, update: Update, e164: str) -> None:
        saved = self.lang.gettext("Phone number noted: {phone}")
        self.reply(update, saved.format(phone=format_phone(e164)))

    def sent(self, update: Update, reference: str) -> None:
        _ = self.lang.gettext
        text = _(
            "Thank you! Your registration has been sent to the Hanoi Department of Industry and"
            " Trade.\nReference number: {reference}\n\nIt is waiting for review; I will tell you"
            " here as soon as it is decided. You can see or change it at any time with {profile}."
        ).format(reference=reference, profile="/ho_so")
        self.reply(update, text, _menu(_))
