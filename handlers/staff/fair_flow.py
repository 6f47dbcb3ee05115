"""Creating a fair in the chat step by step, editing one from its summary, or changing its
dates; saving goes through the same import as fair files, which tells the applicants."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

from bot.core.types import Button, Kind, Reply
from bot.dialog.router import Turn
from bot.domain.fair_input import make_key
from bot.domain.sectors import sector_name
from bot.services.fair_import import import_fairs
from bot.services.scheduler import Scheduler
from handlers.staff.fair_card import fair_card, fair_list
from handlers.staff.fair_steps import FIELD_NAMES, ORDER, Step, answer, draft, question
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
_OPTIONAL: Final = {Step.TITLE_EN, Step.DESCRIPTION_VI, Step.DESCRIPTION_EN}
# A bare number picks an option of the last menu (how Zalo users answer): where a number is
# the answer, the options must be those numbers and nothing else.
_NUMBERS: Final = {Step.BOOTHS, Step.MAX_BOOTHS}


def _mode(turn: Turn) -> str:
    return str(turn.conversation.data.get("mode", "new"))


def _step(turn: Turn) -> Step:
    conv = turn.conversation
    return Step(conv.step) if conv.flow == FLOW and conv.step in set(Step) else Step.SUMMARY


async def ask(turn: Turn, step: Step, note: str | None = None) -> list[Reply]:
    """Moves to `step` and asks it (the summary for Step.SUMMARY)."""
    turn.conversation.goto(step)
    if step is Step.SUMMARY:
        turn.conversation.data["reviewing"] = True
        return summary(turn, note)
    text, buttons = question(turn, step)
    if step not in _NUMBERS:
        buttons = [*buttons, [Button(label=turn._("Cancel"), payload="fairflow:summary:quit")]]
    return [
        Reply(
            text="\n\n".join(filter(None, [note, text])),
            buttons=buttons,
            edit_key="fairflow:sectors" if step is Step.SECTORS else None,
        )
    ]


async def start_new(turn: Turn) -> list[Reply]:
    """Starts the form for a new fair."""
    turn.conversation.start(FLOW, Step.TITLE_VI, {"mode": "new", "draft": {}})
    stop = "/cancel" if turn.lang.code == "en" else "/huy"
    intro = turn._("A new fair. I will ask a few questions; {cancel} stops without saving.")
    return await ask(turn, Step.TITLE_VI, intro.format(cancel=stop))


def _draft_of(fair: Fair) -> dict[str, Any]:
    return fair.model_dump(mode="json", include=_KEPT)


async def start_edit(turn: Turn, fair: Fair) -> list[Reply]:
    """Opens the summary of a fair with a button per field."""
    turn.conversation.start(
        FLOW, Step.SUMMARY, {"mode": "edit", "fair_id": fair.id, "draft": _draft_of(fair)}
    )
    return await ask(turn, Step.SUMMARY)


async def start_dates(turn: Turn, fair: Fair) -> list[Reply]:
    """Asks the new opening and closing of a fair."""
    turn.conversation.start(
        FLOW, Step.STARTS, {"mode": "dates", "fair_id": fair.id, "draft": _draft_of(fair)}
    )
    note = turn._("New dates for “{title}”. Applicants will be told once you save.").format(
        title=fair.title(turn.lang.code)
    )
    return await ask(turn, Step.STARTS, note)


def _problem(turn: Turn) -> tuple[Step, str] | None:
    """An answer that no longer fits the others (after one was changed)."""
    _ = turn._
    d = draft(turn)
    tz = turn.services.settings.tz
    starts = datetime.fromisoformat(d["starts_at"]) if d.get("starts_at") else None
    if starts and d.get("ends_at") and datetime.fromisoformat(d["ends_at"]) <= starts:
        return Step.ENDS, _("The fair must close after it opens.")
    if (
        starts
        and d.get("apply_by")
        and date.fromisoformat(d["apply_by"]) > starts.astimezone(tz).date()
    ):
        return Step.APPLY_BY, _("Applications must close by the day the fair opens.")
    if d.get("max_booths") and d.get("booths") and d["max_booths"] > d["booths"]:
        return Step.MAX_BOOTHS, _("That is more than the booths of the whole fair.")
    return None


def _next(turn: Turn, step: Step) -> Step:
    """Where to go once `step` is answered."""
    if _mode(turn) == "dates" and step is Step.STARTS:
        return Step.ENDS
    if _mode(turn) == "new" and not turn.conversation.data.get("reviewing"):
        at = ORDER.index(step)
        return ORDER[at + 1] if at + 1 < len(ORDER) else Step.SUMMARY
    return Step.SUMMARY


async def _answered(turn: Turn, step: Step, text: str, button: str | None) -> list[Reply]:
    go_on, note = answer(turn, step, text, button)
    if not go_on:
        return await ask(turn, step, note)
    following = _next(turn, step)
    if following is Step.SUMMARY and (problem := _problem(turn)) is not None:
        return await ask(turn, *problem)
    return await ask(turn, following)


async def on_input(turn: Turn) -> list[Reply]:
    """Text (or a shared location) answering the current question."""
    step = _step(turn)
    inc = turn.incoming
    if step is Step.LOCATION and inc.kind is Kind.LOCATION and inc.latitude is not None:
        return await _answered(turn, step, f"{inc.latitude}, {inc.longitude}", None)
    if inc.kind is not Kind.TEXT or step in (Step.SUMMARY, Step.SECTORS):
        return await ask(turn, step, turn._("Please use the buttons above."))
    return await _answered(turn, step, inc.text, None)


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
    edits = [
        Button(
            label=_("✏️ {field}").format(field=_(FIELD_NAMES[s])),
            payload=f"fairflow:summary:edit:{s}",
        )
        for s in ORDER
    ]
    buttons = [[Button(label=save, payload="fairflow:summary:save")]]
    buttons += [edits[i : i + 2] for i in range(0, len(edits), 2)]
    buttons.append([Button(label=_("Cancel"), payload="fairflow:summary:quit")])
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
    problem = _problem(turn)
    if problem is not None:
        return await ask(turn, *problem)
    missing = next((s for s in ORDER if s not in _OPTIONAL and not _value(turn, s)), None)
    if missing is not None:
        return await ask(turn, missing, _("This is still missing."))
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
    parts = turn.payload_parts
    step = _step(turn)
    if turn.conversation.flow != FLOW:
        return await fair_list(turn, turn._("That form is closed. Here are the fairs:"))
    if parts[1:2] == ["summary"]:
        what = parts[2] if len(parts) > 2 else ""
        if what == "quit":
            turn.conversation.end()
            return await fair_list(turn, turn._("Stopped; nothing was saved."))
        if what == "save" and step is Step.SUMMARY:
            return await save(turn)
        if what == "edit" and len(parts) > 3 and parts[3] in {s.value for s in ORDER}:
            return await ask(turn, Step(parts[3]))
        return await ask(turn, step)
    if len(parts) < 3 or parts[1] != step:
        return await ask(turn, step, turn._("That button belongs to an earlier question."))
    return await _answered(turn, step, "", parts[2])
