"""The registration state machine: which function asks and takes each step, moving on, Back,
editing from the summary or the profile, and starting or resuming."""

from __future__ import annotations

from bot.core.types import Kind, Reply
from bot.dialog.router import Turn
from handlers.menu import main_menu
from handlers.registration import basics, choices, numbers, place, profile, summary
from handlers.registration.core import (
    FIELD_STEPS,
    FLOW,
    Ask,
    Edit,
    Got,
    Goto,
    Next,
    Outcome,
    Step,
    answers,
)
from handlers.registration.render import field_value
from storage.enterprises import EnterpriseFields

__all__ = ["ask", "ask_again", "begin", "on_button", "on_input"]

STEPS: dict[Step, tuple[Ask, Got]] = {
    Step.CONSENT: (basics.ask_consent, basics.got_consent),
    Step.NAME: (basics.ask_name, basics.got_name),
    Step.KIND: (basics.ask_kind, basics.got_kind),
    Step.ROLES: (choices.ROLES_STEP.ask, choices.ROLES_STEP.got),
    Step.SECTORS: (choices.SECTORS_STEP.ask, choices.SECTORS_STEP.got),
    Step.WARD: (place.ask_ward, place.got_ward),
    Step.WARD_PICK: (place.ask_ward_pick, place.got_ward_pick),
    Step.PROVINCE: (place.ask_province, place.got_province),
    Step.PROVINCE_PICK: (place.ask_province_pick, place.got_province_pick),
    Step.ADDRESS: (basics.ask_address, basics.got_address),
    Step.CONTACT: (basics.ask_contact, basics.got_contact),
    Step.PHONE: (numbers.ask_phone, numbers.got_phone),
    Step.PHONE_OLD: (numbers.ask_phone_old, numbers.got_phone_old),
    Step.TAX_CODE: (numbers.ask_tax_code, numbers.got_tax_code),
    Step.PRODUCTS: (basics.ask_products, basics.got_products),
    Step.OCOP: (basics.ask_ocop, basics.got_ocop),
    Step.PRACTICES: (choices.PRACTICES_STEP.ask, choices.PRACTICES_STEP.got),
    Step.SUMMARY: (summary.ask_summary, summary.got_summary),
}

# Follow-up questions of an answer, and the step that asks for the answer itself: Back from
# the next answer returns to the question, not to a list of matches.
_FOLLOW_UPS: dict[Step, Step] = {
    Step.WARD_PICK: Step.WARD,
    Step.PROVINCE: Step.WARD,
    Step.PROVINCE_PICK: Step.WARD,
    Step.PHONE_OLD: Step.PHONE,
}
_STEP_FIELDS = {step: field for field, step in FIELD_STEPS.items()}
_BY_VALUE = {s.value: s for s in Step}  # a dict lookup: Step(value) costs several times more
_TAKES_CONTACT = frozenset({Step.PHONE, Step.PHONE_OLD})


def _step(turn: Turn) -> Step | None:
    """The step the user is at, if they are in this flow at a step we know."""
    conv = turn.conversation
    if conv.flow != FLOW or conv.step is None:
        return None
    return _BY_VALUE.get(conv.step)


def _trail(turn: Turn) -> list[str]:
    """The steps answered before this one, as their plain values (saved as JSON every turn)."""
    trail: list[str] = turn.conversation.data.setdefault("trail", [])
    return trail


async def ask(turn: Turn, step: Step, note: str | None = None) -> list[Reply]:
    """Moves to `step` and asks its question."""
    turn.conversation.goto(step)
    return await STEPS[step][0](turn, note)


async def ask_again(turn: Turn, note: str) -> list[Reply]:
    """Asks the current question again, `note` above it."""
    step = _step(turn)
    return await ask(turn, step, note) if step is not None else []


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
    step = _step(turn)
    if step is not None and conv.data.get("mode") != "profile":
        if resume:
            conv.data["resume"] = resume
        note = turn._("Welcome back! Your answers are saved; let us go on where you left off.")
        return await ask(turn, step, note)
    conv.start(FLOW, Step.CONSENT, {"mode": "new", "trail": [], "answers": {}, "resume": resume})
    return await ask(turn, Step.CONSENT)


async def on_button(turn: Turn) -> list[Reply]:
    """A `reg:` button: start, edit from the profile, Back, or an answer to the current step."""
    parts = (turn.incoming.payload or "").split(":")
    what = parts[1] if len(parts) > 1 else ""
    if what == "start":
        return await begin(turn)
    if what == "profile":
        return await _edit_profile(turn, parts[3] if len(parts) > 3 else "")
    step = _step(turn)
    if step is None:
        return await begin(turn)
    if what != step:
        note = turn._("That button belongs to an earlier question. Here is where we are:")
        return await ask(turn, step, note)
    if len(parts) > 2 and parts[2] == "back":
        return await back(turn)
    return await _proceed(turn, await STEPS[step][1](turn))


async def on_input(turn: Turn) -> list[Reply]:
    """Text or a shared contact while registering: an answer to the current step."""
    step = _step(turn)
    if step is None:
        turn.conversation.end()
        return await begin(turn)
    kind = turn.incoming.kind
    if kind is not Kind.TEXT and not (kind is Kind.CONTACT and step in _TAKES_CONTACT):
        return await ask(turn, step, turn._("Please answer the question above."))
    return await _proceed(turn, await STEPS[step][1](turn))


async def back(turn: Turn) -> list[Reply]:
    """Returns to the previous question (or to the summary or profile when editing)."""
    data = turn.conversation.data
    trail = _trail(turn)
    mode = data.get("mode", "new")
    if len(trail) > (int(data.get("base", 0)) if mode != "new" else 0):
        return await ask(turn, Step(trail.pop()))
    if mode == "edit":
        data["mode"], data["base"] = "new", 0
        return await ask(turn, Step.SUMMARY)
    turn.conversation.end()
    if mode == "profile":
        return await profile.show(turn)
    text = turn._("Registration stopped; nothing was saved. You can start again from the menu.")
    return [main_menu(turn.lang, text)]


async def _proceed(turn: Turn, outcome: Outcome) -> list[Reply]:
    """Acts on what a step decided: stay, a follow-up, the next step, or an edit."""
    if isinstance(outcome, list):
        return outcome
    data = turn.conversation.data
    trail = _trail(turn)
    current = _step(turn) or Step.SUMMARY
    if isinstance(outcome, Goto):
        trail.append(current.value)
        return await ask(turn, outcome.step)
    if isinstance(outcome, Edit):
        return await _edit(turn, outcome.step, outcome.note)
    mode = data.get("mode", "new")
    if mode == "new":
        main = _FOLLOW_UPS.get(current, current)
        while trail and (trail[-1] in _FOLLOW_UPS or trail[-1] == main):
            trail.pop()
        trail.append(main.value)
        return outcome.before + await ask(turn, outcome.step)
    return outcome.before + await _edited(turn, outcome)


async def _edited(turn: Turn, outcome: Next) -> list[Reply]:
    """An answer changed while editing: ask what it made necessary, else return."""
    data = turn.conversation.data
    del _trail(turn)[int(data.get("base", 0)) :]
    missing = summary.first_missing(turn, answers(turn))
    if missing is not None:
        return await ask(turn, missing.step, missing.note)
    if data.get("mode") == "profile":
        return await profile.save_edit(turn)
    data["mode"], data["base"] = "new", 0
    return await ask(turn, Step.SUMMARY)


async def _edit(turn: Turn, step: Step, note: str | None) -> list[Reply]:
    """Asks one answer again, from the summary; it comes back there when answered."""
    data = turn.conversation.data
    if data.get("mode", "new") == "new":
        data["mode"] = "edit"
        data["base"] = len(_trail(turn))
    return await ask(turn, step, note or _now(turn, step))


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
    turn.conversation.start(FLOW, step, data)
    return await ask(turn, step, _now(turn, step))


def _now(turn: Turn, step: Step) -> str | None:
    """The current answer of the field a step asks, as a reminder above the question."""
    field = _STEP_FIELDS.get(step)
    if field is None:
        return None
    value = field_value(field, answers(turn), turn._)
    return turn._("Now: {value}").format(value=value)
