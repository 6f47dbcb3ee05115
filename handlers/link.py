"""/lien_ket (/link): one person on Zalo and Telegram, with one account; and undoing it."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from bot.core.clock import utcnow
from bot.core.i18n import N_, Lang
from bot.core.payloads import Payload
from bot.core.types import Kind, Reply
from bot.dialog import steps
from bot.dialog.router import Router, Turn
from bot.dialog.steps import TYPED, Answer, Done, Flow, Question
from handlers.menu import main_menu
from storage.links import Outcome, Redeemed
from storage.users import User

__all__ = ["Unlink", "register"]


@dataclass(frozen=True, slots=True)
class Unlink(Payload, prefix="link"):
    """`link:unlink` asks, `link:unlinkok` unlinks, `link:keep` leaves them linked."""

    step: Literal["unlink", "unlinkok", "keep"]


FLOW = "link"
_APPS = {"telegram": "Telegram", "zalo": "Zalo", "zalo_oa": "Zalo OA"}


class Step(StrEnum):
    """The one step: waiting for the code the other app showed."""

    CODE = "code"


def _app(channel: str, lang: Lang) -> str:
    """An app's name as people say it."""
    return _APPS.get(channel) or lang.gettext("the console")


def _command(lang: Lang) -> str:
    return "link" if lang.code == "en" else "lien_ket"


async def show_code(turn: Turn) -> list[Reply]:
    """Shows a one-time code to type on the other app (or takes a code typed after the command)."""
    if turn.incoming.args.strip():
        return await _redeem(turn, turn.incoming.args)
    _ = turn._
    identities = await turn.services.users.identities(turn.user.account_id)
    other = _linked_other(turn, identities)
    if other is not None:
        # A third app (Telegram, Zalo, the Zalo OA) joins by typing `/lien_ket CODE` here.
        there = _app(other.channel, turn.lang)
        text = _(
            "Your {this} and {other} are already linked: registration, booth applications and"
            " reminders are shared. Reminders come to the app you used last."
        ).format(this=_app(turn.user.channel, turn.lang), other=there)
        reply = main_menu(turn.lang, text)
        label = _("Unlink {other}").format(other=there)
        reply.buttons.insert(0, [Unlink("unlink").button(label)])
        return [reply]
    code = (await turn.services.links.issue(turn.user.id)).code
    text = _(
        "Use ketnoi on both Zalo and Telegram with one registration, the same booth"
        " applications and reminders.\n\nYour code: {code}\n\nWithin 10 minutes, open ketnoi"
        " on your other app and send:\n/{command} {code}"
    ).format(code=code, command=_command(turn.lang))
    if turn.conversation.flow is None:
        # Not while another flow is under way: starting this one would drop its answers.
        turn.conversation.start(FLOW, Step.CODE)
        text += "\n\n" + _("If your other app already showed you a code, type that code here.")
    return [Reply(text=text)]


async def ask_code(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks for the code the other app showed."""
    text = turn._("If your other app already showed you a code, type that code here.")
    return [Reply(text="\n\n".join(filter(None, [note, text])))]


async def got_code(turn: Turn, answer: Answer) -> steps.Outcome:
    """Takes the code typed in reply to the prompt; anything else ends the linking."""
    text = answer.text
    if answer.kind is not Kind.TEXT or not text.replace(" ", "").isdecimal():
        stopped = turn._("Linking stopped. Send /{command} to start again.")
        return Done([main_menu(turn.lang, stopped.format(command=_command(turn.lang)))])
    return await _redeem(turn, text)


# Other text than a code leaves the linking (got_code): no question is answered at its step.
LINKING: Flow[Turn, Step] = Flow(
    FLOW, {Step.CODE: Question(ask_code, got_code, takes=TYPED)}, asides=False
)


async def _redeem(turn: Turn, typed: str) -> list[Reply]:
    """Joins this identity's account with the one that showed the code, if all is well."""
    _ = turn._
    code = typed.replace(" ", "").strip()
    if len(code) != 6 or not code.isdecimal():
        return [
            Reply(
                text=_(
                    "A link code has 6 digits, for example 123456. Please check it and type it"
                    " again."
                )
            )
        ]
    result = await turn.services.links.redeem(turn.user.id, code)
    this = _app(turn.user.channel, turn.lang)
    other = _app(result.other.channel, turn.lang) if result.other else ""
    if result.outcome in (Outcome.WRONG, Outcome.OWN_CODE, Outcome.SAME_APP):
        return [Reply(text=_not_joined(turn, result, this))]
    turn.conversation.end()
    if result.outcome is Outcome.LINKED and result.other is not None:
        turn.user.account_id = result.other.account_id
        turn.notify(result.other.ref, _linked_notice(turn.user.channel))
        text = _(
            "Done: your {this} and {other} are now linked. Your registration, booth applications"
            " and reminders are shared, and reminders come to the app you used last."
        ).format(this=this, other=other)
    elif result.outcome is Outcome.LOCKED:
        text = _locked(turn, result)
    elif result.outcome is Outcome.ALREADY:
        text = _("Your {this} and {other} are already linked.").format(this=this, other=other)
    else:
        text = _(
            "Your {this} and {other} each have their own registration, so they cannot be joined"
            " here. Please contact the Department, who can merge them."
        ).format(this=this, other=other)
    return [main_menu(turn.lang, text)]


def _not_joined(turn: Turn, result: Redeemed, this: str) -> str:
    """Why the code did not link anything; the user may type another."""
    _ = turn._
    if result.outcome is Outcome.OWN_CODE:
        return _("This is the code shown here: type it on your other app, not on this one.")
    if result.outcome is Outcome.SAME_APP:
        return _("That code was made on {app} too. Type it on your other app.").format(app=this)
    wrong = _(
        "That code is wrong or has expired (a code lasts 10 minutes). Check it on your other"
        " app, or send /{command} there for a new one."
    ).format(command=_command(turn.lang))
    left = turn.ngettext(
        "You can try {n} more time.", "You can try {n} more times.", result.tries_left
    ).format(n=result.tries_left)
    return f"{wrong} {left}"


def _locked(turn: Turn, result: Redeemed) -> str:
    """Too many wrong codes: how long to wait."""
    until = result.locked_until or utcnow()
    minutes = max(1, math.ceil((until - utcnow()).total_seconds() / 60))
    return turn.ngettext(
        "Too many wrong codes. Please wait {n} minute, then try again.",
        "Too many wrong codes. Please wait {n} minutes, then try again.",
        minutes,
    ).format(n=minutes)


def _linked_other(turn: Turn, identities: list[User]) -> User | None:
    """The identity on the other app of this user's account, if linked."""
    return next(
        (u for u in identities if u.channel in _APPS and u.channel != turn.user.channel), None
    )


async def on_button(turn: Turn) -> list[Reply]:
    """`link:unlink` asks, `link:unlinkok` takes the other app out of this account,
    `link:keep` leaves them linked."""
    _ = turn._
    identities = await turn.services.users.identities(turn.user.account_id)
    other = _linked_other(turn, identities)
    if other is None:
        return [main_menu(turn.lang, _("Nothing is linked with this app."))]
    this, there = _app(turn.user.channel, turn.lang), _app(other.channel, turn.lang)
    step = turn.payload.step if isinstance(turn.payload, Unlink) else "unlink"
    if step == "keep":
        text = _("Nothing changed: your {this} and {other} stay linked.")
        return [main_menu(turn.lang, text.format(this=this, other=there))]
    if step == "unlink":
        text = _(
            "Unlink {other}? It will start again on its own, with no registration and no booth"
            " applications; everything stays here on {this}. You can link them again later with"
            " /{command}."
        ).format(other=there, this=this, command=_command(turn.lang))
        buttons = [
            [Unlink("unlinkok").button(_("Yes, unlink {other}").format(other=there))],
            [Unlink("keep").button(_("No, keep them linked"))],
        ]
        return [Reply(text=text, buttons=buttons)]
    account = await turn.services.links.unlink(turn.user.id, other.id)
    if account is None:
        return [main_menu(turn.lang, _("Nothing is linked with this app."))]
    turn.user.account_id = account
    turn.notify(other.ref, _unlinked_notice(turn.user.channel))
    text = _(
        "Done: {other} is no longer linked with this account. Your registration, booth"
        " applications and reminders stay here on {this}."
    ).format(other=there, this=this)
    return [main_menu(turn.lang, text)]


def _unlinked_notice(channel: str) -> Callable[[Lang], list[Reply]]:
    """What the identity taken out is told, in its own language."""

    def build(lang: Lang) -> list[Reply]:
        text = lang.gettext(
            "This app is no longer linked with your {app}: the registration, booth applications"
            " and reminders stay with {app}. If that was not you, please contact the Department."
            " To link them again, send /{command}."
        ).format(app=_app(channel, lang), command=_command(lang))
        return [Reply(text=text)]

    return build


def _linked_notice(channel: str) -> Callable[[Lang], list[Reply]]:
    """What the identity that showed the code is told, in its own language."""

    def build(lang: Lang) -> list[Reply]:
        text = lang.gettext(
            "{app} is now linked with this account: registration, booth applications and"
            " reminders are shared. Reminders come to the app you used last."
        ).format(app=_app(channel, lang))
        return [Reply(text=text)]

    return build


def register(router: Router) -> None:
    """Wires /lien_ket and its flow."""
    router.command(
        ("lien_ket", "link"), show_code, description=N_("Use Zalo and Telegram as one account")
    )
    router.flow(FLOW, LINKING.on_input, ask_again=LINKING.ask_again)
    router.button(Unlink, on_button)
