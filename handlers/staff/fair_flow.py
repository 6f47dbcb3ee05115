"""Creating a fair in the chat step by step, editing one from its summary, or changing its
dates; saving goes through the same import as fair files, which tells the applicants."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

from bot.core.i18n import N_
from bot.core.types import Kind, Reply
from bot.dialog.router import Turn
from bot.dialog.steps import Answer, Flow, Outcome, Question, Stay
from bot.dialog.typed import NUMBERED
from bot.domain.fair_input import make_key
from bot.domain.sectors import sector_name
from bot.services.fair_import import import_fairs
from bot.services.scheduler import Scheduler
from handlers.staff.fair_card import fair_card, fair_list
from handlers.staff.fair_steps import (
    FIELD_NAMES,
    ORDER,
    FormAnswer,
    FormEdit,
    FormSummary,
    Step,
    count_reader,
    draft,
    is_optional,
    moment_reader,
    problem,
    question,
    read_apply_by,
    read_location,
    read_sectors,
    text_reader,
)
from storage.fairs import Fair, FairFields, FairStatus

__all__ = [
    "FLOW",
    "on_button",
    "on_input",
    "reschedule_reminders",
    "start_dates",
    "start_edit",
    "start_new",
]

FLOW: Final = "fair_edit"
_KEPT: Final = set(FairFields.model_fields) - {"key", "status"}
# A bare number picks an option of the last menu (how Zalo users answer): where a number is
# the answer, the options must be those numbers and nothing else.
_NUMBERS: Final = {Step.BOOTHS, Step.MAX_BOOTHS}
_USE_BUTTONS: Final = N_("Please use the buttons above.")
_TYPE_NUMBER: Final = N_("Please type the number of one of the options.")


def _mode(turn: Turn) -> str:
    return str(turn.conversation.data.get("mode", "new"))


async def _ask(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks the question of the step the form is at."""
    step = FAIR_FORM.step_of(turn) or Step.SUMMARY
    text, buttons = question(turn, step)
    if step not in _NUMBERS:
        buttons = [*buttons, [FormSummary("quit").button(turn._("Cancel"))]]
    return [
        Reply(
            text="\n\n".join(filter(None, [note, text])),
            buttons=buttons,
            edit_key="fairflow:sectors" if step is Step.SECTORS else None,
        )
    ]


async def _ask_summary(turn: Turn, note: str | None = None) -> list[Reply]:
    turn.conversation.data["reviewing"] = True
    return summary(turn, note)


async def _buttons_only(turn: Turn, answer: Answer) -> Outcome:
    """Text where only buttons answer (typed text does not reach it)."""
    return Stay(_how_to_choose(turn))


def _text_step(step: Step) -> Question[Turn]:
    return Question(_ask, text_reader(step), skip=is_optional(step))


def _how_to_choose(turn: Turn) -> str:
    """How to pick an option on this app: buttons on Telegram, numbers where they are listed."""
    return turn._(_TYPE_NUMBER if turn.user.channel in NUMBERED else _USE_BUTTONS)


async def _lost(turn: Turn) -> list[Reply]:
    """At a step the form does not know: the summary."""
    if turn.incoming.kind is Kind.BUTTON:
        note = turn._("That button belongs to an earlier question.")
    else:
        note = _how_to_choose(turn)
    return await FAIR_FORM.ask(turn, Step.SUMMARY, note)


async def _other_input(turn: Turn) -> list[Reply]:
    """What a step does not take (a photo, words at the summary): the step again, with how to
    choose on this app."""
    step = FAIR_FORM.step_of(turn)
    if step is None:
        return await _lost(turn)
    return await FAIR_FORM.ask(turn, step, _how_to_choose(turn))


_NONE: Final[frozenset[Kind]] = frozenset()
FAIR_FORM: Flow[Turn, Step] = Flow(
    FLOW,
    {
        Step.TITLE_VI: _text_step(Step.TITLE_VI),
        Step.TITLE_EN: _text_step(Step.TITLE_EN),
        Step.SECTORS: Question(_ask, read_sectors, takes=_NONE),
        Step.STARTS: Question(_ask, moment_reader(Step.STARTS)),
        Step.ENDS: Question(_ask, moment_reader(Step.ENDS)),
        Step.VENUE_NAME: _text_step(Step.VENUE_NAME),
        Step.VENUE_ADDRESS: _text_step(Step.VENUE_ADDRESS),
        Step.LOCATION: Question(_ask, read_location, takes=frozenset({Kind.TEXT, Kind.LOCATION})),
        Step.BOOTHS: Question(_ask, count_reader(Step.BOOTHS)),
        Step.MAX_BOOTHS: Question(_ask, count_reader(Step.MAX_BOOTHS)),
        Step.APPLY_BY: Question(_ask, read_apply_by),
        Step.DESCRIPTION_VI: _text_step(Step.DESCRIPTION_VI),
        Step.DESCRIPTION_EN: _text_step(Step.DESCRIPTION_EN),
        Step.SUMMARY: Question(_ask_summary, _buttons_only, takes=_NONE),
    },
    lost=_lost,
    other_input=_other_input,
    old_button=N_("That button belongs to an earlier question."),
    asides=False,
)
on_input = FAIR_FORM.on_input


async def start_new(turn: Turn) -> list[Reply]:
    """Starts the form for a new fair."""
    stop = "/cancel" if turn.lang.code == "en" else "/huy"
    intro = turn._("A new fair. I will ask a few questions; {cancel} stops without saving.")
    data = {"mode": "new", "draft": {}}
    return await FAIR_FORM.start(turn, Step.TITLE_VI, data, intro.format(cancel=stop))


def _draft_of(fair: Fair) -> dict[str, Any]:
    return fair.model_dump(mode="json", include=_KEPT)


async def start_edit(turn: Turn, fair: Fair) -> list[Reply]:
    """Opens the summary of a fair with a button per field."""
    data = {"mode": "edit", "fair_id": fair.id, "draft": _draft_of(fair)}
    return await FAIR_FORM.start(turn, Step.SUMMARY, data)


async def start_dates(turn: Turn, fair: Fair) -> list[Reply]:
    """Asks the new opening and closing of a fair."""
    note = turn._("New dates for “{title}”. Applicants will be told once you save.").format(
        title=fair.title(turn.lang.code)
    )
    data = {"mode": "dates", "fair_id": fair.id, "draft": _draft_of(fair)}
    return await FAIR_FORM.start(turn, Step.STARTS, data, note)


def _value(turn: Turn, step: Step) -> str:
    """A field of the draft in words, for the summary."""
    _ = turn._
    d = draft(turn)
    lang = turn.lang
    match step:
        case Step.SECTORS:
            return ", ".join(sector_name(k, _) for k in d.get("sectors", []))
        case Step.STARTS | Step.ENDS:
            value = d.get(step.value)
            return lang.date_time(datetime.fromisoformat(value)) if value else ""
        case Step.LOCATION:
            lat, lon = d.get("venue_latitude"), d.get("venue_longitude")
            return f"{lat}, {lon}" if lat is not None else ""
        case Step.APPLY_BY:
            return lang.date(date.fromisoformat(d["apply_by"])) if d.get("apply_by") else ""
    text = str(d.get(step.value, "") or "")
    return text if len(text) <= 120 else text[:119] + "…"


def summary(turn: Turn, note: str | None = None) -> list[Reply]:
    """Every answer, a button to change each, and Save."""
    _ = turn._
    mode = _mode(turn)
    head = {
        "new": _("The new fair, as it will be published:"),
        "edit": _("The fair, with your changes:"),
        "dates": _("The fair with its new dates:"),
    }[mode]
    lines = [note, ""] if note else []
    lines.append(head)
    lines += [f"• {_(FIELD_NAMES[s])}: {_value(turn, s) or '—'}" for s in ORDER]
    save = {
        "new": _("✅ Publish the fair"),
        "edit": _("✅ Save the changes"),
        "dates": _("✅ Save and tell the applicants"),
    }[mode]
    edits = [FormEdit(s).button(_("✏️ {field}").format(field=_(FIELD_NAMES[s]))) for s in ORDER]
    buttons = [[FormSummary("save").button(save)]]
    buttons += [edits[i : i + 2] for i in range(0, len(edits), 2)]
    buttons.append([FormSummary("quit").button(_("Cancel"))])
    return [Reply(text="\n".join(lines), buttons=buttons)]


async def reschedule_reminders(turn: Turn) -> int:
    """Let the reminder scheduler look at the fairs now, after a date change or a cancellation:
    it withdraws what waits for the old dates and queues what is due for the new ones."""
    return await Scheduler(turn.services).run()


async def save(turn: Turn) -> list[Reply]:
    """Checks the whole fair, imports it (which tells the applicants), and logs it."""
    _ = turn._
    svc = turn.services
    mode = _mode(turn)
    found = problem(turn)
    if found is not None:
        return await FAIR_FORM.ask(turn, *found)
    missing = next((s for s in ORDER if not is_optional(s) and not _value(turn, s)), None)
    if missing is not None:
        return await FAIR_FORM.ask(turn, missing, _("This is still missing."))
    before = await svc.fairs.get(int(turn.conversation.data.get("fair_id", 0)))
    if mode != "new" and before is None:
        turn.conversation.end()
        return await fair_list(turn, _("That fair is no longer in the calendar."))
    d = draft(turn)
    if before is None:
        taken = {f.key for f in await svc.fairs.all()}
        key = make_key(d["title_vi"], datetime.fromisoformat(d["starts_at"]).year, taken)
        status = FairStatus.SCHEDULED
    else:
        key, status = before.key, before.status
    fields = FairFields.model_validate({**d, "key": key, "status": status})
    report = await import_fairs(turn.services, [fields])
    fair = await svc.fairs.by_key(key)
    assert fair is not None
    turn.conversation.end()
    if report.unchanged:
        return await fair_card(turn, fair, _("Nothing was changed."))
    if before is not None and (before.starts_at, before.ends_at) != (fair.starts_at, fair.ends_at):
        await reschedule_reminders(turn)
    action = "fair.create" if before is None else ("fair.dates" if mode == "dates" else "fair.edit")
    await svc.audit.record(turn, action, before, fair, target=f"fair:{fair.id}")
    lines = [_("Published.") if before is None else _("Saved.")]
    if report.messages:
        told = turn.ngettext(
            "{n} applicant or follower is being told.",
            "{n} applicants and followers are being told.",
            report.messages,
        )
        lines.append(told.format(n=report.messages))
    held = (await svc.booths.taken([fair.id]))[fair.id]
    if held > fair.booths:
        lines.append(
            _(
                "Note: {held} booths are already held, more than the {total} the fair now has."
            ).format(held=held, total=fair.booths)
        )
    return await fair_card(turn, fair, " ".join(lines))


async def on_button(turn: Turn) -> list[Reply]:
    """`fairflow:STEP:VALUE` answers; `fairflow:summary:save|quit|edit:STEP`."""
    step = FAIR_FORM.step_of(turn) or Step.SUMMARY
    if turn.conversation.flow != FLOW:
        return await fair_list(turn, turn._("That form is closed. Here are the fairs:"))
    match turn.payload:
        case FormSummary(action="quit"):
            turn.conversation.end()
            return await fair_list(turn, turn._("Stopped; nothing was saved."))
        case FormSummary(action="save") if step is Step.SUMMARY:
            return await save(turn)
        case FormEdit(step=edited) if edited in ORDER:
            return await FAIR_FORM.ask(turn, edited)
        case FormAnswer(step=asked, value=value):  # the step's own buttons
            return await FAIR_FORM.pressed(turn, asked, value)
    return await FAIR_FORM.ask(turn, step)
