"""The questions of the fair form, how each answer is checked and stored in the draft, and
which question follows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Final, Literal

from bot.core.clock import utcnow
from bot.core.i18n import N_
from bot.core.payloads import Payload, Word
from bot.core.types import Button, Kind
from bot.dialog.router import Turn
from bot.dialog.steps import SKIP, Answer, Next, Outcome, Read, Stay
from bot.domain.fair_input import parse_coordinates, parse_day, parse_moment
from bot.domain.sectors import SECTORS, sector_name

__all__ = [
    "FIELD_NAMES",
    "ORDER",
    "PAYLOADS",
    "FormAnswer",
    "FormEdit",
    "FormSummary",
    "Step",
    "count_reader",
    "draft",
    "is_optional",
    "moment_reader",
    "problem",
    "question",
    "read_apply_by",
    "read_location",
    "read_sectors",
    "text_reader",
    "then",
]


class Step(StrEnum):
    """The questions, in the order a new fair is asked."""

    TITLE_VI = "title_vi"
    TITLE_EN = "title_en"
    SECTORS = "sectors"
    STARTS = "starts_at"
    ENDS = "ends_at"
    VENUE_NAME = "venue_name"
    VENUE_ADDRESS = "venue_address"
    LOCATION = "location"
    BOOTHS = "booths"
    MAX_BOOTHS = "max_booths"
    APPLY_BY = "apply_by"
    DESCRIPTION_VI = "description_vi"
    DESCRIPTION_EN = "description_en"
    SUMMARY = "summary"


ORDER: Final[list[Step]] = [s for s in Step if s is not Step.SUMMARY]
FIELD_NAMES: Final = {
    Step.TITLE_VI: N_("Title (Vietnamese)"),
    Step.TITLE_EN: N_("Title (English)"),
    Step.SECTORS: N_("Crafts"),
    Step.STARTS: N_("Opens"),
    Step.ENDS: N_("Closes"),
    Step.VENUE_NAME: N_("Venue"),
    Step.VENUE_ADDRESS: N_("Venue address"),
    Step.LOCATION: N_("Map location"),
    Step.BOOTHS: N_("Booths"),
    Step.MAX_BOOTHS: N_("Booths per establishment"),
    Step.APPLY_BY: N_("Apply by"),
    Step.DESCRIPTION_VI: N_("Description (Vietnamese)"),
    Step.DESCRIPTION_EN: N_("Description (English)"),
}
# (shortest, longest, may be skipped) for the answers that are plain text
_TEXTS: Final = {
    Step.TITLE_VI: (5, 300, False),
    Step.TITLE_EN: (5, 300, True),
    Step.VENUE_NAME: (3, 200, False),
    Step.VENUE_ADDRESS: (5, 300, False),
    Step.DESCRIPTION_VI: (10, 3000, True),
    Step.DESCRIPTION_EN: (10, 3000, True),
}
_DAYS_BEFORE: Final = (1, 3, 7, 14)
_BEFORE: Final = {f"before{n}": n for n in _DAYS_BEFORE}  # the apply-by buttons' values


@dataclass(frozen=True, slots=True)
class FormAnswer(Payload, prefix="fairflow"):
    """An option of a question of the form: `fairflow:sectors:ceramics`,
    `fairflow:title_en:skip`, `fairflow:apply_by:before7`; the step's reader checks the value."""

    step: Step
    value: Word


@dataclass(frozen=True, slots=True)
class FormSummary(Payload, prefix="fairflow:summary"):
    """Save the fair, or stop without saving: `fairflow:summary:save`, `fairflow:summary:quit`."""

    action: Literal["save", "quit"]


@dataclass(frozen=True, slots=True)
class FormEdit(Payload, prefix="fairflow:summary:edit"):
    """Change one answer from the summary: `fairflow:summary:edit:venue_name`."""

    step: Step


PAYLOADS: Final = (FormAnswer, FormSummary, FormEdit)


def draft(turn: Turn) -> dict[str, Any]:
    """The fair as answered so far (JSON values: dates as ISO text)."""
    found: dict[str, Any] = turn.conversation.data.setdefault("draft", {})
    return found


def _moment(d: dict[str, Any], name: str) -> datetime | None:
    return datetime.fromisoformat(d[name]) if d.get(name) else None


def _button(turn: Turn, step: Step, label: str, value: str) -> Button:
    return FormAnswer(step, value).button(label)


def question(turn: Turn, step: Step) -> tuple[str, list[list[Button]]]:
    """The question of a step and its buttons."""
    _ = turn._
    d = draft(turn)
    skip = [[_button(turn, step, _("Skip"), "skip")]]
    match step:
        case Step.TITLE_VI:
            return _("What is the fair called, in Vietnamese?"), []
        case Step.TITLE_EN:
            return _("And in English? (Skip to show the Vietnamese title to everyone.)"), skip
        case Step.SECTORS:
            chosen = d.get("sectors", [])
            picks = [
                _button(turn, step, ("☑ " if k in chosen else "") + sector_name(k, _), k)
                for k in SECTORS
            ]
            rows = [picks[i : i + 2] for i in range(0, len(picks), 2)]
            rows.append([_button(turn, step, _("Done ▶"), "done")])
            return _("Which crafts is the fair for? Press each, then Done."), rows
        case Step.STARTS:
            return _("When does it open? Type the date and time, like 10/12/2026 08:00."), []
        case Step.ENDS:
            return _(
                "When does it close? Like 14/12/2026 17:00 (or just 17:00 for the same day)."
            ), []
        case Step.VENUE_NAME:
            return _("Where is it held? The name of the place, like Bảo tàng Gốm sứ Kim Lan."), []
        case Step.VENUE_ADDRESS:
            return _("The address of the place, like: xã Bát Tràng, Hà Nội."), []
        case Step.LOCATION:
            return (
                _(
                    "Where is it on the map? Share the location, or paste the coordinates or a"
                    " Google Maps link, like 20.977, 105.915."
                ),
                [],
            )
        case Step.BOOTHS:
            return _("How many booths are there in all?"), []
        case Step.MAX_BOOTHS:
            counts = [n for n in (1, 2, 3, 4) if n <= int(d.get("booths", 4))]
            rows = [[_button(turn, step, str(n), str(n)) for n in counts]]
            return _("At most how many booths may one establishment ask for?"), rows
        case Step.APPLY_BY:
            buttons = [
                _button(turn, step, _("{n} days before").format(n=n), f"before{n}")
                for n in _DAYS_BEFORE
            ]
            text = _("Until which day can establishments apply? Type a date like 01/12/2026.")
            return text, [buttons[:2], buttons[2:]]
        case Step.DESCRIPTION_VI:
            return _("A few lines about the fair in Vietnamese, for its card (or Skip)."), skip
        case Step.DESCRIPTION_EN:
            return _("The same in English (or Skip)."), skip
    return "", []


def problem(turn: Turn) -> tuple[Step, str] | None:
    """An answer that no longer fits the others (after one was changed), and why."""
    _ = turn._
    d = draft(turn)
    tz = turn.services.settings.tz
    starts = _moment(d, "starts_at")
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


def then(turn: Turn, step: Step) -> Next:
    """Where to go once `step` is answered: the next question of a new fair, the closing after
    new opening dates, else the summary (or first the answer that no longer fits)."""
    data = turn.conversation.data
    mode = data.get("mode", "new")
    if mode == "dates" and step is Step.STARTS:
        return Next(Step.ENDS)
    if mode == "new" and not data.get("reviewing"):
        at = ORDER.index(step)
        if at + 1 < len(ORDER):
            return Next(ORDER[at + 1])
    found = problem(turn)
    if found is not None:
        return Next(found[0], note=found[1])
    return Next(Step.SUMMARY)


def _typed(answer: Answer) -> str:
    """The text typed, if the answer was typed (a typed number picking a button is not)."""
    return answer.text if answer.choice is None else ""


def text_reader(step: Step) -> Read[Turn]:
    """The reader of a plain-text answer: `low` to `high` characters, or Skip if optional."""
    low, high, optional = _TEXTS[step]

    async def read(turn: Turn, answer: Answer) -> Outcome:
        if optional and answer.choice == SKIP:
            draft(turn)[step.value] = ""
            return then(turn, step)
        text = _typed(answer)
        text = (
            " ".join(text.split())
            if step not in (Step.DESCRIPTION_VI, Step.DESCRIPTION_EN)
            else text.strip()
        )
        if not low <= len(text) <= high:
            return Stay(
                turn._("Please write {low} to {high} characters.").format(low=low, high=high)
            )
        draft(turn)[step.value] = text
        return then(turn, step)

    return read


def is_optional(step: Step) -> bool:
    """Whether the answer may be left empty (Skip)."""
    return step in _TEXTS and _TEXTS[step][2]


async def read_sectors(turn: Turn, answer: Answer) -> Outcome:
    """Ticks or unticks a craft, or goes on with Done."""
    chosen: list[str] = draft(turn).setdefault("sectors", [])
    if answer.choice == "done":
        if chosen:
            return then(turn, Step.SECTORS)
        return Stay(turn._("Please choose at least one craft."))
    if answer.choice in chosen:
        chosen.remove(answer.choice)
    elif answer.choice in SECTORS:
        chosen.append(answer.choice)
    return Stay()


def moment_reader(step: Step) -> Read[Turn]:
    """The reader of the opening or the closing: a date and time (the closing: or a time on the
    opening day), to come, and after the opening."""

    async def read(turn: Turn, answer: Answer) -> Outcome:
        _ = turn._
        d = draft(turn)
        tz = turn.services.settings.tz
        starts = _moment(d, "starts_at")
        day = starts.astimezone(tz).date() if starts and step is Step.ENDS else None
        moment = parse_moment(_typed(answer), tz, day)
        if moment is None:
            return Stay(_("I could not read that date and time."))
        if step is Step.STARTS and moment <= utcnow():
            return Stay(_("That moment has passed; please give a date to come."))
        if step is Step.ENDS and starts and moment <= starts:
            return Stay(_("The fair must close after it opens."))
        d[step.value] = moment.isoformat()
        return then(turn, step)

    return read


async def read_location(turn: Turn, answer: Answer) -> Outcome:
    """A shared location, pasted coordinates or a map link."""
    inc = turn.incoming
    if answer.kind is Kind.LOCATION:
        if inc.latitude is None:
            return Stay(turn._("Please use the buttons above."))
        text = f"{inc.latitude}, {inc.longitude}"
    else:
        text = _typed(answer)
    found = parse_coordinates(text)
    if found is None:
        return Stay(turn._("I could not find coordinates in that."))
    d = draft(turn)
    d["venue_latitude"], d["venue_longitude"] = found
    return then(turn, Step.LOCATION)


def count_reader(step: Step) -> Read[Turn]:
    """The reader of the booths in all, or the most one establishment may ask for."""

    async def read(turn: Turn, answer: Answer) -> Outcome:
        d = draft(turn)
        value = (answer.choice or _typed(answer)).strip()
        high = 10_000 if step is Step.BOOTHS else int(d.get("booths", 10_000))
        if not value.isdecimal() or not 1 <= int(value) <= high:
            note = turn._("Please type a whole number from 1 to {high}.").format(high=high)
            return Stay(note)
        d["booths" if step is Step.BOOTHS else "max_booths"] = int(value)
        return then(turn, step)

    return read


async def read_apply_by(turn: Turn, answer: Answer) -> Outcome:
    """The last day to apply: a date, or so many days before the opening."""
    _ = turn._
    d = draft(turn)
    tz = turn.services.settings.tz
    starts = _moment(d, "starts_at")
    closes: date | None = parse_day(_typed(answer))
    button = answer.choice
    days_before = _BEFORE.get(button or "")
    if days_before is not None and starts:
        closes = starts.astimezone(tz).date() - timedelta(days=days_before)
    if closes is None:
        return Stay(_("I could not read that date."))
    if starts and closes > starts.astimezone(tz).date():
        return Stay(_("Applications must close by the day the fair opens."))
    d["apply_by"] = closes.isoformat()
    return then(turn, Step.APPLY_BY)
