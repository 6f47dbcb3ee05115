"""The registration on the step machine: its table of steps, what follows an edited answer or
Back from the first question, and starting, resuming or editing from the profile."""

from __future__ import annotations

import re
from typing import Any, Final

from bot.core.types import Kind, Reply
from bot.dialog.router import PAUSED, Turn
from bot.dialog.steps import BACK, BACK_WORDS, Answer, Flow, Outcome, Question, Stay, folded
from bot.domain.consent import is_current
from handlers.menu import main_menu
from handlers.registration import basics, choices, findable, numbers, place, profile, summary
from handlers.registration.core import (
    FIELD_STEPS,
    FLOW,
    EditField,
    EditSentField,
    OpenProfile,
    RegOption,
    Step,
    answers,
    now_note,
    option,
    pick_one,
    question,
)
from storage.enterprises import EnterpriseFields

__all__ = ["REGISTRATION", "STEPS", "ask_again", "begin", "on_button", "on_input"]

_CONTACT = frozenset({Kind.TEXT, Kind.CONTACT})  # Telegram's "share my phone number" too

# "làm lại (từ đầu)", "bắt đầu lại", "đăng ký lại", with the words people put around them
_START_OVER: Final = re.compile(
    r"(?:(?:bam |go )?nham(?: roi)? |(?:toi |em |minh )?(?:muon |can |xin )|cho (?:toi|em|minh) )?"
    r"(?:xoa het |xoa (?:di )?)?(?:lam|bat dau|dang ky|khai) lai(?: tu dau)?(?: het)?"
    r"(?: (?:di|nhe|nha|duoc khong|duoc ko|dc ko|dc khong|khong|ko|duoc))?"
    r"|start (?:over|again)|restart|begin again"
)
_RESTART_FROM: Final = "restart_from"  # in data: the step she was at when she asked
# what a registration started over keeps: her consent, and what the flow was opened for
_KEPT_ON_RESTART: Final = ("consent_at", "consent_version", "resume", "nonce", "shown")


def says_start_over(text: str) -> bool:
    """Whether typed text asks to start the registration over ("lam lai tu dau", "bắt đầu
    lại nhé", "start over"): the whole text, so that an answer merely containing the words
    ("Gốm làm lại từ mảnh vỡ") stays an answer."""
    return _START_OVER.fullmatch(folded(text)) is not None


def _can_start_over(turn: Turn) -> bool:
    """A registration not yet sent, with something in it to clear."""
    data = turn.conversation.data
    return data.get("mode") != "profile" and bool(data.get("answers"))


async def _ask_restart(turn: Turn, note: str | None = None) -> list[Reply]:
    text = turn._(
        "Start your registration again from the first question? The answers you have given"
        " so far will be cleared."
    )
    buttons = [
        [option(Step.RESTART, "yes", turn._("🔄 Start again"))],
        [option(Step.RESTART, "no", turn._("▶️ Go on where I was"))],
    ]
    return [question(turn, Step.RESTART, text, buttons, note=note, back=False)]


async def _got_restart(turn: Turn, answer: Answer) -> Outcome:
    """Start again from the name (her consent kept), or go on where she was."""
    conv = turn.conversation
    data = conv.data
    if answer.choice == "yes":
        kept = {key: data[key] for key in _KEPT_ON_RESTART if key in data}
        # as after the consent step: Back from the name returns to the consent
        fresh = {"mode": "new", "trail": [Step.CONSENT.value], "answers": {}, **kept}
        conv.start(FLOW, Step.NAME, fresh)
        note = turn._("Done: your earlier answers are cleared. Let us start again.")
        return await REGISTRATION.ask(turn, Step.NAME, note)
    if answer.choice == "no" or answer.folded in BACK_WORDS:
        try:
            step = Step(str(data.pop(_RESTART_FROM)))
        except (KeyError, ValueError):  # not kept (an older conversation): the first gap
            missing = summary.first_missing(turn, answers(turn))
            step = Step(missing.step) if missing is not None else Step.SUMMARY
        note = turn._("Good: your answers are kept. Let us go on.")
        return await REGISTRATION.ask(turn, step, note)
    return pick_one(turn)


STEPS: dict[Step, Question[Turn]] = {
    Step.CONSENT: Question(basics.ask_consent, basics.got_consent, yes="yes", no="no"),
    Step.NAME: Question(basics.ask_name, basics.got_name, back=True),
    Step.KIND: Question(basics.ask_kind, basics.got_kind, back=True),
    Step.ROLES: Question(choices.ROLES_STEP.ask, choices.ROLES_STEP.got, back=True),
    Step.SECTORS: Question(choices.SECTORS_STEP.ask, choices.SECTORS_STEP.got, back=True),
    Step.WARD: Question(place.ask_ward, place.got_ward, back=True),
    # Follow-up questions of an answer name the step that asks for the answer itself: Back
    # from the next answer returns to the question, not to a list of matches.
    Step.WARD_PICK: Question(
        place.ask_ward_pick, place.got_ward_pick, follows=Step.WARD, back=True
    ),
    Step.PROVINCE: Question(place.ask_province, place.got_province, follows=Step.WARD, back=True),
    Step.PROVINCE_PICK: Question(
        place.ask_province_pick, place.got_province_pick, follows=Step.WARD, back=True
    ),
    Step.ADDRESS: Question(basics.ask_address, basics.got_address, back=True, skip=True),
    Step.CONTACT: Question(basics.ask_contact, basics.got_contact, back=True),
    Step.PHONE: Question(numbers.ask_phone, numbers.got_phone, takes=_CONTACT, back=True),
    Step.PHONE_OLD: Question(
        numbers.ask_phone_old,
        numbers.got_phone_old,
        takes=_CONTACT,
        follows=Step.PHONE,
        back=True,
        yes="yes",
        no=BACK,
    ),
    Step.TAX_CODE: Question(numbers.ask_tax_code, numbers.got_tax_code, back=True, skip=True),
    Step.PRODUCTS: Question(basics.ask_products, basics.got_products, back=True, skip=True),
    Step.OCOP: Question(basics.ask_ocop, basics.got_ocop, back=True),
    Step.PRACTICES: Question(choices.PRACTICES_STEP.ask, choices.PRACTICES_STEP.got, back=True),
    Step.FINDABLE: Question(
        findable.ask_findable, findable.got_findable, back=True, yes="yes", no="no"
    ),
    Step.SUMMARY: Question(summary.ask_summary, summary.got_summary, back=True, yes="confirm"),
    Step.RESTART: Question(_ask_restart, _got_restart, yes="yes", no="no"),
}


async def _returned(turn: Turn) -> list[Reply]:
    """An answer changed from the summary or the profile: ask what it made necessary, else
    save it (from the profile) or show the summary again."""
    missing = summary.first_missing(turn, answers(turn))
    if missing is not None:
        return await REGISTRATION.ask(turn, Step(missing.step), missing.note)
    if turn.conversation.data.get("mode") == "profile":
        return await profile.save_edit(turn)
    return await REGISTRATION.end_edit(turn)


async def _stopped(turn: Turn) -> list[Reply]:
    """Back from the first question: the registration stops (an edit from the profile returns
    to the profile)."""
    mode = turn.conversation.data.get("mode", "new")
    turn.conversation.end()
    if mode == "profile":
        return await profile.show(turn)
    text = turn._("Registration stopped; nothing was saved. You can start again from the menu.")
    return [main_menu(turn.lang, text)]


async def _lost(turn: Turn) -> list[Reply]:
    """A registration button or answer while at no step of it: start or resume."""
    if turn.conversation.flow == FLOW:
        turn.conversation.end()
    return await begin(turn)


async def _heard(turn: Turn, step: Step, answer: Answer) -> Outcome | None:
    """Typed text that is not one of the step's options: before consent, not an answer; "làm
    lại từ đầu" in a registration not yet sent, an offer to start over."""
    if step is Step.CONSENT:
        return await basics.heard_before_consent(turn)
    data = turn.conversation.data
    if step is Step.RESTART or data.get("mode") == "profile" or not says_start_over(answer.text):
        return None
    if not data.get("answers"):
        return Stay(turn._("Nothing has been entered yet: this is the first question."))
    data[_RESTART_FROM] = step.value
    return await REGISTRATION.ask(turn, Step.RESTART)


REGISTRATION: Flow[Turn, Step] = Flow(
    FLOW,
    STEPS,
    summary=Step.SUMMARY,
    returned=_returned,
    back_out=_stopped,
    lost=_lost,
    heard=_heard,
)
on_input = REGISTRATION.on_input
ask_again = REGISTRATION.ask_again


async def begin(turn: Turn, resume: str | None = None) -> list[Reply]:
    """Starts the registration, or resumes it where it was; an account that already has one
    sees it instead. `resume` is a payload offered as a button once the registration is sent."""
    conv = turn.conversation
    # A user who wrote for the first time in this turn has an account of their own, empty.
    account = turn.user.account_id
    if not turn.is_new_user and await turn.services.enterprises.for_account(account) is not None:
        if conv.flow == FLOW:
            conv.end()
        return await profile.show(turn, resume=resume)
    step = REGISTRATION.step_of(turn)
    if step is not None and conv.data.get("mode") != "profile":
        conv.data.pop(PAUSED, None)
        if resume:
            conv.data["resume"] = resume
        note = turn._("Welcome back! Your answers are saved; let us go on where you left off.")
        if step is not Step.RESTART and _can_start_over(turn):
            note += " " + turn._("To start again from the first question, type “start over”.")
        return await REGISTRATION.ask(turn, step, note)
    data: dict[str, Any] = {"mode": "new", "trail": [], "answers": {}, "resume": resume}
    return await REGISTRATION.start(turn, Step.CONSENT, data)


async def on_button(turn: Turn) -> list[Reply]:
    """A `reg:` button: start, edit from the profile, or a step's answer (Back among them)."""
    match turn.payload:
        case RegOption(step=step, value=value):
            turn.conversation.data.pop(PAUSED, None)  # a step's button answered: going on
            return await REGISTRATION.pressed(turn, step, value)
        case EditField(field=field):  # read by the summary's reader as its choice
            turn.conversation.data.pop(PAUSED, None)
            return await REGISTRATION.pressed(turn, Step.SUMMARY, f"edit:{field}")
        case OpenProfile():
            return await _edit_profile(turn, "")
        case EditSentField(field=field):
            return await _edit_profile(turn, field)
    return await begin(turn)


async def _edit_profile(turn: Turn, field: str) -> list[Reply]:
    """Asks one answer of a sent registration again; it is saved when answered."""
    e = await turn.services.enterprises.for_account(turn.user.account_id)
    step = FIELD_STEPS.get(field)
    if e is None:
        return await begin(turn)
    if step is None:
        return await profile.show(turn)
    fields = EnterpriseFields.model_validate(e.model_dump()).model_dump()
    data = {"mode": "profile", "enterprise_id": e.id, "answers": fields, "trail": [], "base": 0}
    if not is_current(e.consent_version):
        # The consent text changed since it was given: asked again before the change.
        return await REGISTRATION.start(turn, Step.CONSENT, {**data, "then": step.value})
    turn.conversation.start(FLOW, step, data)
    return await REGISTRATION.ask(turn, step, now_note(turn, step))
