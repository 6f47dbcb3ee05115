"""Reminders as their recipients read them: in their language, with dates, venue and a map link."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from bot.core.i18n import N_, Lang
from bot.core.payloads import BoothAction, FairAction, Feedback, Reminders, Visitors
from bot.core.types import Button, Notice, Reply
from bot.services.fair_view import applications_close_at, fair_dates
from bot.services.notice_values import fair_values, moment
from storage.fairs import Fair
from storage.reminders import Rule

__all__ = [
    "VISITORS",
    "apply_by_reminder",
    "fair_reminder",
    "feedback_question",
    "map_link",
    "offer_reminder",
    "stop_button",
]

# Answers to "about how many visitors came to your booth?", as stored in fair_feedback.
VISITORS: Final[dict[Visitors, str]] = {
    "lt50": N_("Fewer than 50"),
    "50_200": N_("50 to 200"),
    "200_500": N_("200 to 500"),
    "gt500": N_("More than 500"),
}


def map_link(fair: Fair) -> str:
    """A link that opens the venue on a map, on any phone."""
    return f"https://maps.google.com/?q={fair.venue_latitude},{fair.venue_longitude}"


def stop_button(lang: Lang) -> Button:
    """Turns all reminders off."""
    return Reminders("off").button(lang.gettext("Stop reminders"))


def _where(lang: Lang, fair: Fair) -> list[str]:
    _ = lang.gettext
    return [
        _("When: {dates}").format(dates=fair_dates(lang, fair)),
        _("Where: {venue}, {address}").format(venue=fair.venue_name, address=fair.venue_address),
        _("Map: {link}").format(link=map_link(fair)),
    ]


def fair_reminder(lang: Lang, fair: Fair, rule: Rule) -> list[Reply]:
    """'Reminder: … opens in 7 days', 'tomorrow', or 'today at 08:00'."""
    _ = lang.gettext
    title = fair.title(lang.code)
    start = fair.starts_at
    if rule.days >= 2:
        head = lang.ngettext(
            "Reminder: “{title}” opens in {n} day, on {date}.",
            "Reminder: “{title}” opens in {n} days, on {date}.",
            rule.days,
        ).format(title=title, n=rule.days, date=lang.date(start))
    elif rule.days == 1:
        head = _("Reminder: “{title}” opens tomorrow, {date}, at {time}.").format(
            title=title, date=lang.date(start), time=lang.time(start)
        )
    else:
        head = _("“{title}” opens today at {time}.").format(title=title, time=lang.time(start))
    buttons = [
        [FairAction(fair.key, "card").button(_("See the fair"))],
        [stop_button(lang)],
    ]
    notice = Notice("fair_reminder", fair_values(lang, fair))
    text = "\n".join([head, "", *_where(lang, fair)])
    return [Reply(text=text, buttons=buttons, notice=notice)]


def apply_by_reminder(lang: Lang, fair: Fair) -> list[Reply]:
    """To someone who began a booth application and did not send it."""
    _ = lang.gettext
    text = _(
        "You began applying for a booth at “{title}” but the application was not sent."
        " Applications close at {moment}."
    ).format(title=fair.title(lang.code), moment=lang.date_time(applications_close_at(lang, fair)))
    buttons = [
        [FairAction(fair.key, "apply").button(_("Continue the application"))],
        [stop_button(lang)],
    ]
    closes = moment(lang, applications_close_at(lang, fair))
    notice = Notice("apply_by_reminder", {"fair": fair.title("vi"), "deadline": closes})
    return [Reply(text="\n".join([text, "", *_where(lang, fair)]), buttons=buttons, notice=notice)]


def offer_reminder(lang: Lang, fair: Fair, app_id: int, expires: datetime) -> list[Reply]:
    """A waiting-list offer is about to lapse."""
    _ = lang.gettext
    text = _(
        "Reminder: the booth offered to you at “{title}” is held for you until {moment}."
        " After that it goes to the next in line."
    ).format(title=fair.title(lang.code), moment=lang.date_time(expires))
    buttons = [
        [
            BoothAction(app_id, "accept").button(_("Accept")),
            BoothAction(app_id, "decline").button(_("Decline")),
        ]
    ]
    notice = Notice("offer_reminder", {"fair": fair.title("vi"), "deadline": moment(lang, expires)})
    return [Reply(text=text, buttons=buttons, notice=notice)]


def feedback_question(lang: Lang, fair: Fair) -> list[Reply]:
    """After the fair: how many visitors came to the exhibitor's booth."""
    _ = lang.gettext
    text = _(
        "Thank you for taking part in “{title}”! Two short questions help the Department"
        " plan the next fair.\n\nAbout how many visitors came to your booth?"
    ).format(title=fair.title(lang.code))
    buttons = [[Feedback(fair.id, "v", key).button(_(label))] for key, label in VISITORS.items()]
    return [Reply(text=text, buttons=buttons)]
