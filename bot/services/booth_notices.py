"""Messages to applicants and followers who are not the one typing: built in their language."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.i18n import Lang
from bot.core.payloads import BoothAction, MenuEntry
from bot.core.types import Button, Notice, Reply
from bot.services.base import Build
from bot.services.fair_view import fair_dates, fair_times, is_open
from bot.services.notice_values import day
from storage.booths import BoothApplication
from storage.fairs import Fair
from storage.users import UserRepo

__all__ = [
    "application_approved",
    "application_rejected",
    "fair_cancelled",
    "fair_dates_changed",
    "fair_reinstated",
    "offer_expired",
    "offer_made",
    "recipient",
]


async def recipient(users: UserRepo, account_id: int) -> int | None:
    """The identity of an account to write to: the one seen most recently."""
    identities = await users.identities(account_id)
    return identities[0].id if identities else None


def _my_booths(lang: Lang) -> list[Button]:
    return [MenuEntry("booths").button(lang.gettext("My booths"))]


def _with_my_booths(text: Callable[[Lang], str]) -> Build:
    """A message about a fair, in the recipient's language, with the My booths button."""

    def build(lang: Lang) -> list[Reply]:
        return [Reply(text=text(lang), buttons=[_my_booths(lang)])]

    return build


def fair_cancelled(fair: Fair) -> Build:
    """The Department called a fair off."""
    return _with_my_booths(
        lambda lang: lang.gettext(
            "The Department has cancelled the fair “{title}” ({dates}). Your booth application"
            " for it no longer stands. We are sorry for the trouble."
        ).format(title=fair.title(lang.code), dates=fair_dates(lang, fair))
    )


def fair_reinstated(fair: Fair) -> Build:
    """A fair that was called off takes place after all."""
    return _with_my_booths(
        lambda lang: lang.gettext(
            "Good news: the fair “{title}” takes place after all.\n{dates}\nIf you had applied"
            " for a booth, your application stands again as it was; see My booths."
        ).format(title=fair.title(lang.code), dates=fair_times(lang, fair))
    )


def fair_dates_changed(fair: Fair, old: Fair) -> Build:
    """A fair moved: old and new dates."""
    return _with_my_booths(
        lambda lang: lang.gettext(
            "The dates of the fair “{title}” have changed.\nBefore: {old}\nNow: {new}\n"
            "Your booth application stays as it is. If the new dates do not suit you, you can"
            " withdraw it in My booths."
        ).format(title=fair.title(lang.code), old=fair_times(lang, old), new=fair_times(lang, fair))
    )


def offer_made(app: BoothApplication, fair: Fair) -> Build:
    """Booths freed up for someone on the waiting list."""

    def build(lang: Lang) -> list[Reply]:
        assert app.offer_expires_at is not None
        text = lang.ngettext(
            "Good news: {n} booth has become free at “{title}” and is offered to you. Please"
            " accept or decline by {moment}; after that it goes to the next in line.",
            "Good news: {n} booths have become free at “{title}” and are offered to you. Please"
            " accept or decline by {moment}; after that they go to the next in line.",
            app.booths,
        ).format(
            n=app.booths, title=fair.title(lang.code), moment=lang.date_time(app.offer_expires_at)
        )
        buttons = [
            [
                BoothAction(app.id, "accept").button(lang.gettext("Accept")),
                BoothAction(app.id, "decline").button(lang.gettext("Decline")),
            ]
        ]
        return [Reply(text=text, buttons=buttons)]

    return build


def offer_expired(app: BoothApplication, fair: Fair) -> Build:
    """An offer was not answered in time."""

    def build(lang: Lang) -> list[Reply]:
        text = lang.gettext(
            "The booths offered to you at “{title}” were not taken in time, so they have gone"
            " to the next in line."
        ).format(title=fair.title(lang.code))
        if is_open(lang, fair):
            text += "\n" + lang.gettext("You can apply again from the fair's card.")
        return [Reply(text=text, buttons=[_my_booths(lang)])]

    return build


def application_approved(app: BoothApplication, fair: Fair, token: str, qr: bytes) -> Build:
    """The Department approved an application: booth numbers and the check-in QR code."""

    def build(lang: Lang) -> list[Reply]:
        text = lang.gettext(
            "Your booth application for “{title}” is approved.\nBooth numbers: {numbers}\n"
            "{times}\nShow this QR code at the entrance to check in (code: {token})."
        ).format(
            title=fair.title(lang.code),
            numbers=", ".join(app.booth_numbers),
            times=fair_times(lang, fair),
            token=token,
        )
        values = {
            "fair": fair.title("vi"),
            "date": day(lang, fair.starts_at),
            "booths": ", ".join(app.booth_numbers),
        }
        notice = Notice("booth_approved", values)
        return [Reply(text=text, photo=qr, buttons=[_my_booths(lang)], notice=notice)]

    return build


def application_rejected(app: BoothApplication, fair: Fair) -> Build:
    """The Department turned an application down, with the reason."""

    def build(lang: Lang) -> list[Reply]:
        text = lang.gettext(
            "Your booth application for “{title}” was not accepted.\nReason: {reason}\n"
            "For questions, please contact the Department of Industry and Trade."
        ).format(title=fair.title(lang.code), reason=app.reason or "—")
        values = {"fair": fair.title("vi"), "reason": app.reason or "—"}
        notice = Notice("booth_rejected", values)
        return [Reply(text=text, buttons=[_my_booths(lang)], notice=notice)]

    return build
