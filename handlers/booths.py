"""/gian_hang (/booths): the user's applications; withdraw, answer an offer, show the QR code."""

from __future__ import annotations

from bot.core.i18n import N_
from bot.core.types import Button, Reply
from bot.dialog.router import Router, Turn
from bot.services import fair_media
from bot.services.checkin import checkin_key, sign
from bot.services.fair_jobs import EVERY as OFFERS_EVERY
from bot.services.fair_jobs import expire_offers, offer_freed
from bot.services.fair_view import STATUS_NAMES, application_lines, short_title
from handlers.start import bad_button
from storage.booths import LIVE, BoothApplication, BoothStatus
from storage.db import utcnow
from storage.fairs import Fair

__all__ = ["application_button", "my_booths", "register", "show_application"]

SHOWN = 10


def application_button(turn: Turn, app: BoothApplication) -> Button:
    """A button that opens one of the user's applications."""
    return Button(label=turn._("My application"), payload=f"booth:{app.id}:show")


async def my_booths(turn: Turn) -> list[Reply]:
    """Lists the user's applications, the newest first."""
    _ = turn._
    svc = turn.services
    apps = (await svc.booths.for_account(turn.user.account_id))[:SHOWN]
    fairs_up = [Button(label=_("Upcoming fairs"), payload="fairs:up:0")]
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
        lines.append(
            f"{number}. {fair.title(turn.lang.code)} — {booths} · {_(STATUS_NAMES[app.status])}"
        )
        label = short_title(turn.lang, fair, 40)  # channels without buttons number it
        buttons.append([Button(label=label, payload=f"booth:{app.id}:show")])
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
                Button(label=_("Accept"), payload=f"booth:{app.id}:accept"),
                Button(label=_("Decline"), payload=f"booth:{app.id}:decline"),
            ]
        )
    if app.status is BoothStatus.APPROVED and not fair.cancelled:
        buttons.append([Button(label=_("Check-in QR code"), payload=f"booth:{app.id}:qr")])
    if app.status in LIVE and not fair.cancelled and fair.ends_at > utcnow():
        buttons.append([Button(label=_("Withdraw"), payload=f"booth:{app.id}:withdraw")])
    buttons.append(
        [
            Button(label=_("The fair"), payload=f"fair:{fair.key}:card"),
            Button(label=_("My booths"), payload="menu:booths"),
        ]
    )
    text = "\n".join([intro, "", *lines] if intro else lines)
    return [Reply(text=text, buttons=buttons)]


async def on_booth(turn: Turn) -> list[Reply]:
    """`booth:ID:show|withdraw|withdraw_yes|accept|decline|qr` on the user's own application."""
    parts = turn.payload_parts
    svc = turn.services
    app = await svc.booths.get(int(parts[1])) if len(parts) == 3 and parts[1].isdigit() else None
    # a payload naming someone else's application is treated like a stale button
    if app is None or app.account_id != turn.user.account_id:
        return await bad_button(turn)
    fair = await svc.fairs.get(app.fair_id)
    assert fair is not None
    action = parts[2]
    if action == "show":
        return await show_application(turn, app, fair)
    if action == "withdraw":
        return _confirm_withdrawal(turn, app, fair)
    if action == "withdraw_yes":
        return await _withdraw(turn, app, fair)
    if action in ("accept", "decline"):
        return await _answer_offer(turn, app, fair, action == "accept")
    if action == "qr":
        return await _qr(turn, app, fair)
    return await bad_button(turn)


def _confirm_withdrawal(turn: Turn, app: BoothApplication, fair: Fair) -> list[Reply]:
    _ = turn._
    text = _(
        "Withdraw your application for “{title}”? Your place cannot be given back: the booths"
        " go to the next on the waiting list."
    ).format(title=fair.title(turn.lang.code))
    buttons = [
        [Button(label=_("Yes, withdraw"), payload=f"booth:{app.id}:withdraw_yes")],
        [Button(label=_("No, keep it"), payload=f"booth:{app.id}:show")],
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
    router.button("booth", on_booth)
    router.every("booth_offers_expire", OFFERS_EVERY, lambda: expire_offers(router.services))
