"""The questions of the fair form, and how each answer is checked and stored in the draft."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from bot.core.i18n import N_
from bot.core.types import Button
from bot.dialog.router import Turn
from bot.domain.fair_input import parse_coordinates, parse_day, parse_moment
from bot.domain.sectors import SECTORS, sector_name
from storage.db import utcnow

__all__ = ["FIELD_NAMES", "ORDER", "Step", "answer", "draft", "question"]


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


def draft(turn: Turn) -> dict[str, Any]:
    """The fair as answered so far (JSON values: dates as ISO text)."""
    found: dict[str, Any] = turn.conversation.data.setdefault("draft", {})
    return found


def _moment(d: dict[str, Any], name: str) -> datetime | None:
    return datetime.fromisoformat(d[name]) if d.get(name) else None


def _button(turn: Turn, step: Step, label: str, value: str) -> Button:
    return Button(label=label, payload=f"fairflow:{step}:{value}")


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


def _text(turn: Turn, step: Step, text: str, button: str | None) -> str | None:
    low, high, optional = _TEXTS[step]
    if optional and button == "skip":
        draft(turn)[step.value] = ""
        return None
    text = (
        " ".join(text.split())
        if step not in (Step.DESCRIPTION_VI, Step.DESCRIPTION_EN)
        else text.strip()
    )
    if not low <= len(text) <= high:
        return turn._("Please write {low} to {high} characters.").format(low=low, high=high)
    draft(turn)[step.value] = text
    return None


def answer(turn: Turn, step: Step, text: str, button: str | None) -> tuple[bool, str | None]:
    """Store an answer: (whether to go on, a note to show above the question again)."""
    _ = turn._
    d = draft(turn)
    tz = turn.services.settings.tz
    if step in _TEXTS:
        problem = _text(turn, step, text, button)
        return problem is None, problem
    if step is Step.SECTORS:
        chosen: list[str] = d.setdefault("sectors", [])
        if button == "done":
            return (True, None) if chosen else (False, _("Please choose at least one craft."))
        if button in chosen:
            chosen.remove(button)
        elif button in SECTORS:
            chosen.append(button)
        return False, None
    if step in (Step.STARTS, Step.ENDS):
        starts = _moment(d, "starts_at")
        day = starts.astimezone(tz).date() if starts and step is Step.ENDS else None
        moment = parse_moment(text, tz, day)
        if moment is None:
            return False, _("I could not read that date and time.")
        if step is Step.STARTS and moment <= utcnow():
            return False, _("That moment has passed; please give a date to come.")
        if step is Step.ENDS and starts and moment <= starts:
            return False, _("The fair must close after it opens.")
        d[step.value] = moment.isoformat()
        return True, None
    if step is Step.LOCATION:
        found = parse_coordinates(text)
        if found is None:
            return False, _("I could not find coordinates in that.")
        d["venue_latitude"], d["venue_longitude"] = found
        return True, None
    if step in (Step.BOOTHS, Step.MAX_BOOTHS):
        value = (button or text).strip()
        high = 10_000 if step is Step.BOOTHS else int(d.get("booths", 10_000))
        if not value.isdigit() or not 1 <= int(value) <= high:
            return False, _("Please type a whole number from 1 to {high}.").format(high=high)
        d["booths" if step is Step.BOOTHS else "max_booths"] = int(value)
        return True, None
    if step is Step.APPLY_BY:
        starts = _moment(d, "starts_at")
        closes: date | None = parse_day(text)
        if button and button.startswith("before") and button[6:].isdigit() and starts:
            closes = starts.astimezone(tz).date() - timedelta(days=int(button[6:]))
        if closes is None:
            return False, _("I could not read that date.")
        if starts and closes > starts.astimezone(tz).date():
            return False, _("Applications must close by the day the fair opens.")
        d["apply_by"] = closes.isoformat()
        return True, None
    return False, None
