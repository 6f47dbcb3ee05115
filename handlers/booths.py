"""/gian_hang (/booths): the user's applications; withdraw, answer an offer, show the QR code."""

from __future__ import annotations

from bot.core.clock import utcnow
from bot.core.i18n import N_
from bot.core.payloads import BoothAction, FairAction, FairsPage, MenuEntry
from bot.core.types import Button, Reply
from bot.dialog.router import Router, Turn
from bot.dialog.typed import NUMBERED
from bot.services import fair_media
from bot.services.checkin import checkin_key, sign
from bot.services.fair_jobs import EVERY as OFFERS_EVERY
from bot.services.fair_jobs import expire_offers, offer_freed
from bot.services.fair_view import STATUS_NAMES, application_lines, short_title
from handlers.guards import record_refusal
from handlers.start import bad_button
from storage.booths import LIVE, BoothApplication, BoothStatus
from storage.fairs import Fair

__all__ = ["application_button", "my_booths", "register", "show_application"]

SHOWN = 10


def application_button(turn: Turn, app: BoothApplication) -> Button:
    """A button that opens one of the user's applications."""
    return BoothAction(app.id, "show").button(turn._("My application"))


async def my_booths(turn: Turn) -> list[Reply]:
    """Lists the user's applications, the newest first."""
    _ = turn._
    svc = turn.services
    apps = (await svc.booths.for_account(turn.user.account_id))[:SHOWN]
    fairs_up = [FairsPage("up", 0).button(_("Upcoming fairs"))]
    if not apps:
        text = _("You have not applied for a booth yet. Open a fair to apply.")
        return [Reply(text=text, buttons=[fairs_up])]
    lines = [_("Your booth applications:")]
    buttons = []
    for number, app in enumerate(apps, start=1):
        fair = await svc.fairs.get(app.fair_id)
        if fair is None:
            continue
        booths = turn.ngettext("{n} booth", "{n} booths", app.booths).format(n=app.booths)
        mark = "•" if turn.user.channel in NUMBERED else f"{number}."  # numbered below there
        lines.append(
            f"{mark} {fair.title(turn.lang.code)} — {booths} · {_(STATUS_NAMES[app.status])}"
        )
        label = short_title(turn.lang, fair, 40)  # channels without buttons number it
        buttons.append([BoothAction(app.id, "show").button(label)])
    buttons.append(fairs_up)
    return [Reply(text="\n".join(lines), buttons=buttons)]


async def show_application(
    turn: Turn, app: BoothApplication, fair: Fair, intro: str | None = None
) -> list[Reply]:
    """One application with what can be done about it."""
    _ = turn._
    position = await turn.services.booths.position(app)
    lines = application_lines(turn.lang, app, fair, position)
    buttons: list[list[Button]] = []
    if app.status is BoothStatus.OFFERED:
        buttons.append(
            [
                BoothAction(app.id, "accept").button(_("Accept")),
                BoothAction(app.id, "decline").button(_("Decline")),
            ]
        )
    if app.status is BoothStatus.APPROVED and not fair.cancelled:
        buttons.append([BoothAction(app.id, "qr").button(_("Check-in QR code"))])
    if app.status in LIVE and not fair.cancelled and fair.ends_at > utcnow():
        buttons.append([BoothAction(app.id, "withdraw").button(_("Withdraw"))])
    buttons.append(
        [
            FairAction(fair.key, "card").button(_("The fair")),
            MenuEntry("booths").button(_("My booths")),
        ]
    )
    text = "\n".join([intro, "", *lines] if intro else lines)
    return [Reply(text=text, buttons=buttons)]


async def on_booth(turn: Turn) -> list[Reply]:
    """`booth:ID:show|withdraw|withdraw_yes|accept|decline|qr` on the user's own application."""
    if not isinstance(turn.payload, BoothAction):
        return await bad_button(turn)
    svc = turn.services
    app = await svc.booths.get(turn.payload.app)
    if app is None:
        return await bad_button(turn)
    if app.account_id != turn.user.account_id:
        # answered like a stale button, so it tells nothing of the application; logged
        await record_refusal(turn, "someone else's booth application")
        return await bad_button(turn)
    fair = await svc.fairs.get(app.fair_id)
    assert fair is not None
    match turn.payload.action:
        case "show":
            return await show_application(turn, app, fair)
        case "withdraw":
            return _confirm_withdrawal(turn, app, fair)
        case "withdraw_yes":
            return await _withdraw(turn, app, fair)
        case "accept" | "decline" as action:
            return await _answer_offer(turn, app, fair, action == "accept")
        case "qr":
            return await _qr(turn, app, fair)


def _confirm_withdrawal(turn: Turn, app: BoothApplication, fair: Fair) -> list[Reply]:
    _ = turn._
    text = _(
        "Withdraw your application for “{title}”? Your place cannot be given back: the booths"
        " go to the next on the waiting list."
    ).format(title=fair.title(turn.lang.code))
    buttons = [
        [BoothAction(app.id, "withdraw_yes").button(_("Yes, withdraw"))],
        [BoothAction(app.id, "show").button(_("No, keep it"))],
    ]
    return [Reply(text=text, buttons=buttons)]


async def _withdraw(turn: Turn, app: BoothApplication, fair: Fair) -> list[Reply]:
    svc = turn.services
    done = await svc.booths.withdraw(app.id, turn.user.account_id)
    if done is None:
        intro = turn._("This application can no longer be withdrawn.")
        return await show_application(turn, app, fair, intro)
    for user_id, build, _key in await offer_freed(svc, fair):
        turn.notify(user_id, build)
    intro = turn._("Your application is withdrawn.")
    if app.status is BoothStatus.APPROVED:
        intro += " " + turn._("Its check-in code is no longer valid.")
    return await show_application(turn, done, fair, intro)


async def _answer_offer(turn: Turn, app: BoothApplication, fair: Fair, accept: bool) -> list[Reply]:
    _ = turn._
    svc = turn.services
    uid = turn.user.account_id
    if accept:
        done = await svc.booths.accept_offer(app.id, uid)
        intro = _("The booths are yours. The Department will confirm your booth numbers.")
    else:
        done = await svc.booths.decline_offer(app.id, uid)
        intro = _("You declined the offer; the booths go to the next in line.")
    if done is None:
        expired = app.status is BoothStatus.OFFERED
        intro = (
            _("Sorry, this offer has expired; the booths went to the next in line.")
            if expired
            else _("This offer is no longer open.")
        )
        return await show_application(turn, app, fair, intro)
    if not accept:
        for user_id, build, _key in await offer_freed(svc, fair):
            turn.notify(user_id, build)
    return await show_application(turn, done, fair, intro)


async def _qr(turn: Turn, app: BoothApplication, fair: Fair) -> list[Reply]:
    if app.status is not BoothStatus.APPROVED or fair.cancelled:
        return await show_application(turn, app, fair)
    token = sign(await checkin_key(turn.services.settings, turn.services.signing_keys), app.id)
    text = turn._(
        "Your check-in code for “{title}”, booths {numbers}. Show it at the entrance"
        " (code: {token})."
    ).format(title=fair.title(turn.lang.code), numbers=", ".join(app.booth_numbers), token=token)
    return [Reply(text=text, photo=fair_media.qr_png(token))]


def register(router: Router) -> None:
    """Wires the user's booths, and the lapse of waiting-list offers left unanswered."""
    router.command(("gian_hang", "booths"), my_booths, description=N_("My booth applications"))
    router.button(BoothAction, on_booth)
    router.every("booth_offers_expire", OFFERS_EVERY, lambda: expire_offers(router.services))
