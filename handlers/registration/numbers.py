"""Phone number (shared from Telegram or typed; old 11-digit mobiles converted) and tax code,
each with its own polite message per mistake, and refused when another account has it."""

from __future__ import annotations

from bot.core.types import Kind, Reply
from bot.dialog.router import Turn
from bot.dialog.steps import SKIP
from bot.dialog.typed import folded
from bot.domain.phones import OldMobile, PhoneError, PhoneErrorCode, format_phone, parse_phone
from bot.domain.taxcode import TaxCodeError, TaxCodeErrorCode, parse_tax_code
from handlers.registration.core import (
    Answer,
    Back,
    Goto,
    Next,
    Outcome,
    Stay,
    Step,
    answer,
    answers,
    option,
    question,
    store,
)

__all__ = [
    "ask_phone",
    "ask_phone_old",
    "ask_tax_code",
    "duplicate_phone",
    "duplicate_tax_code",
    "got_phone",
    "got_phone_old",
    "got_tax_code",
    "tax_code_required",
]

_NEED_TAX_CODE = frozenset({"company", "cooperative"})


def _phone_problem(turn: Turn, code: PhoneErrorCode) -> str:
    _ = turn._
    match code:
        case "not_a_number":
            return _(
                "A phone number has only digits (spaces, dots and dashes are fine), e.g."
                " 0912 345 678 or 024 3825 1234."
            )
        case "too_short":
            return _(
                "That number has too few digits. A mobile number has 10 digits, e.g."
                " 0912 345 678; a Hanoi landline has 11, e.g. 024 3825 1234."
            )
        case "too_long":
            return _(
                "That number has too many digits. A mobile number has 10 digits, e.g."
                " 0912 345 678; a Hanoi landline has 11, e.g. 024 3825 1234."
            )
        case "not_vietnamese":
            return _("Please give a Vietnamese number, starting with 0 or +84, e.g. 0912 345 678.")
        case "invalid":
            return _(
                "That is not a phone number in use in Vietnam. Please check it; for example"
                " 0912 345 678 or 024 3825 1234."
            )
        case _:
            return _("Please type a phone number, e.g. 0912 345 678.")


def duplicate_phone(turn: Turn) -> str:
    """The refusal of a number another account registered (nothing of theirs is shown)."""
    return turn._(
        "This phone number is already registered in the network by someone else. If it is"
        " yours, please contact the Hanoi Department of Industry and Trade, who will sort it"
        " out; or type another number."
    )


def duplicate_tax_code(turn: Turn) -> str:
    """The refusal of a tax code another account registered (nothing of theirs is shown)."""
    return turn._(
        "This tax code is already registered in the network by someone else. If it is yours,"
        " please contact the Hanoi Department of Industry and Trade, who will sort it out; or"
        " check the number and type it again."
    )


async def ask_phone(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks for the phone number, offering Telegram's share-contact button."""
    _ = turn._
    if turn.user.channel not in _SHARES_CONTACT:  # Zalo's bots have no such button
        text = _(
            "What phone number can the Department call? Type it, e.g. 0912 345 678 or"
            " 024 3825 1234."
        )
        return [question(turn, Step.PHONE, text, note=note)]
    text = _(
        "What phone number can the Department call? Type it, e.g. 0912 345 678 or"
        " 024 3825 1234, or press “Share my phone number” if you see that button."
    )
    share = _("📱 Share my phone number")
    return [question(turn, Step.PHONE, text, note=note, request_contact=share)]


# Channels with a way to share one's number: Telegram's contact button, the Zalo Official
# Account's request-for-information card (bot/channels/zalo_oa_render.py), the console.
_SHARES_CONTACT = frozenset({"telegram", "zalo_oa", "console"})


def _not_yours(turn: Turn) -> str:
    """The answer to a contact from the address book: only one's own number is taken."""
    return turn._(
        "That is someone else's contact, so I cannot take its number as yours. Please press"
        " “Share my phone number” to share your own, or type your number."
    )


async def got_phone(turn: Turn, answer: Answer) -> Outcome:
    """Checks the number; an old 11-digit mobile is offered its new number."""
    inc = turn.incoming
    if inc.kind is Kind.CONTACT and not inc.own_contact:
        return await _again(turn, _not_yours(turn))
    if inc.kind is Kind.CONTACT and inc.phone:
        raw = inc.phone if inc.phone.startswith("+") else "+" + inc.phone.lstrip()
    elif inc.kind is Kind.TEXT:
        raw = _unlabelled(answer.text, _PHONE_LABELS)  # "sdt 0912 345 678"
    else:
        return await _again(turn)
    result = parse_phone(raw)
    if isinstance(result, PhoneError):
        return await _again(turn, _phone_problem(turn, result.code))
    if isinstance(result, OldMobile):
        turn.conversation.data["old_phone"] = [result.old, result.suggested]
        return Goto(Step.PHONE_OLD)
    return await _keep_phone(turn, result.e164, shared=inc.kind is Kind.CONTACT)


# Words put before a number, folded: "sdt 0912 345 678", "MST: 0100109106".
_PHONE_LABELS = ("so dien thoai", "dien thoai", "sdt", "dt", "so", "phone", "tel")
_TAX_LABELS = ("ma so thue", "mst", "ma so", "tax code")


def _unlabelled(text: str, labels: tuple[str, ...]) -> str:
    """`text` without a label typed before its number (and a colon after it), if any."""
    words = text.strip().split()
    for label in labels:
        size = len(label.split())
        if len(words) > size and folded(" ".join(words[:size])).replace(" ", "") == label.replace(
            " ", ""
        ):
            return " ".join(words[size:]).lstrip(":").strip()
    return text


def _checked_again(turn: Turn) -> bool:
    """Whether the registration is still to be sent, which checks the numbers again (a change
    from /ho_so is saved at once, on the strength of this check)."""
    return turn.conversation.data.get("mode") != "profile"


async def _again(turn: Turn, note: str | None = None) -> Outcome:
    """The phone question again: from the new-number offer, as Back would."""
    if turn.conversation.step == Step.PHONE_OLD:
        return Back(note)
    return Stay(note)


async def _keep_phone(turn: Turn, e164: str, *, shared: bool = False) -> Outcome:
    svc = turn.services
    early = _checked_again(turn)
    if await svc.enterprises.phone_taken(e164, turn.user.account_id, early=early):
        return await _again(turn, duplicate_phone(turn))
    if shared:
        await svc.users.set_phone(turn.user.id, e164)
    store(turn, phone=e164)
    saved = turn._("Phone number noted: {phone}").format(phone=format_phone(e164))
    return Next(Step.TAX_CODE, before=[Reply(text=saved, remove_keyboard=True)])


async def ask_phone_old(turn: Turn, note: str | None = None) -> list[Reply]:
    """Offers the new number of an old 11-digit mobile number."""
    _ = turn._
    old, new = turn.conversation.data.get("old_phone", ["", ""])
    text = _(
        "{old} is an old 11-digit mobile number: since 2018 it has been {new}. Shall I save {new}?"
    ).format(old=old, new=format_phone(new))
    buttons = [
        [option(Step.PHONE_OLD, "yes", _("Yes, save {new}").format(new=format_phone(new)))],
        [option(Step.PHONE_OLD, "back", _("No, I will type another number"))],
    ]
    return [question(turn, Step.PHONE_OLD, text, buttons, note=note, back=False)]


async def got_phone_old(turn: Turn, answer: Answer) -> Outcome:
    """Saves the converted number (a typed yes too), or takes a newly typed one."""
    if answer.choice is not None:
        if answer.choice != "yes":
            return Stay()
        _, new = turn.conversation.data.get("old_phone", ["", ""])
        return await _keep_phone(turn, new)
    return await got_phone(turn, answer)


def tax_code_required(kind: str | None) -> bool:
    """Companies and cooperatives must give their tax code; households and people may not."""
    return kind in _NEED_TAX_CODE


def _tax_problem(turn: Turn, code: TaxCodeErrorCode, text: str) -> str:
    _ = turn._
    digits = sum(ch.isdigit() for ch in text)
    match code:
        case "not_digits":
            return _(
                "A tax code has only digits (a dash before a branch number is fine), e.g."
                " 0100109106 or 0100109106-001."
            )
        case "wrong_length":
            return _(
                "That has {count} digits. A tax code has 10 digits (e.g. 0100109106), a branch"
                " code 13 (0100109106-001) and a personal ID number 12 (e.g. 001085012345)."
            ).format(count=digits)
        case "bad_check_digit":
            return _(
                "The last digit of that tax code does not fit the others, so there is a typo"
                " somewhere. Please check it against your registration certificate; a valid"
                " example is 0100109106."
            )
        case "bad_province":
            return _(
                "A 12-digit personal ID number starts with the code of a province, e.g. 001 for"
                " Hà Nội (001085012345); this one does not. Please check your ID card."
            )
        case "invalid":
            return _(
                "That tax code cannot have been issued. Please check it against your"
                " registration certificate; a valid example is 0100109106."
            )
        case _:
            return _("Please type the tax code, e.g. 0100109106.")


async def ask_tax_code(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks for the tax code; households and individuals may skip it."""
    _ = turn._
    if tax_code_required(answer(turn, "kind")):
        text = _(
            "What is the tax code (MST) of your company or cooperative? 10 digits, e.g."
            " 0100109106, or a branch code such as 0100109106-001."
        )
        return [question(turn, Step.TAX_CODE, text, note=note)]
    text = _(
        "What is your tax code? Household businesses use the owner's 12-digit personal ID number"
        " (e.g. 001085012345) since July 2025; a 10-digit tax code (e.g. 0100109106) works too."
        " You can skip this."
    )
    buttons = [[option(Step.TAX_CODE, "skip", _("Skip"))]]
    return [question(turn, Step.TAX_CODE, text, buttons, note=note)]


async def got_tax_code(turn: Turn, answer: Answer) -> Outcome:
    """Checks the tax code, refusing one another account has."""
    _ = turn._
    fields = answers(turn)
    required = tax_code_required(fields.kind)
    # A skip word typed where the code is required is read as a (wrong) tax code.
    if answer.kind is Kind.BUTTON or (answer.choice == SKIP and not required):
        if answer.choice != SKIP or required:
            return Stay()
        store(turn, tax_code=None)
        return Next(Step.PRODUCTS)
    text = _unlabelled(answer.text, _TAX_LABELS)  # "MST 0100109106"
    result = parse_tax_code(text)
    if isinstance(result, TaxCodeError):
        return Stay(_tax_problem(turn, result.code, text))
    if result.kind == "personal_id" and tax_code_required(fields.kind):
        note = _(
            "A company or cooperative registers with its 10-digit tax code (MST), e.g."
            " 0100109106, not a personal ID number."
        )
        return Stay(note)
    account = turn.user.account_id
    if await turn.services.enterprises.tax_code_taken(
        result.value, account, early=_checked_again(turn)
    ):
        return Stay(duplicate_tax_code(turn))
    store(turn, tax_code=result.value)
    return Next(Step.PRODUCTS)
