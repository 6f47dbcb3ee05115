"""Applying for a booth: how many, which products, special needs, then confirm."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Final, Literal

from bot.core.i18n import N_, Lang
from bot.core.payloads import FairAction, OneOf, Payload, Range
from bot.core.types import Kind, Reply
from bot.dialog.router import Router, Turn
from bot.dialog.steps import SKIP, Answer, Flow, Next, Outcome, Question, Stay
from bot.dialog.typed import SAME_WORDS
from bot.domain.textnorm import fold
from bot.services.fair_view import applications_close_at, fair_dates, is_open
from handlers import registration
from handlers.booths import show_application
from handlers.staff.booth_queue import ReviewApplication
from handlers.start import bad_button
from storage.booths import BoothApplication, BoothStatus
from storage.enterprises import Enterprise, EnterpriseStatus
from storage.fairs import Fair

__all__ = [
    "APPLYING",
    "FLOW",
    "ApplyAction",
    "ApplyBooths",
    "ApplyNeeds",
    "ApplyProducts",
    "Step",
    "existing",
    "register",
    "register_first",
    "start",
]

FLOW: Final = "booth_apply"
QUICK_COUNTS: Final = 5  # booth counts offered as buttons; more can be typed
PRODUCTS_MIN, PRODUCTS_MAX = 3, 500
NEEDS_MAX: Final = 300
_WORDS: Final = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "one": 1, "two": 2}
_NOT_WHOLE: Final = re.compile(r"[-−]|\d\s*[.,]\s*\d")  # -1, 1.5: folding would hide them
_COUNT: Final = re.compile(r"^(\w+)(?: (?:gian(?: hang)?|booths?|stands?))?$")
NEEDS: Final = {
    "none": N_("No special needs"),
    "power": N_("Electricity"),
    "water": N_("Water"),
    "both": N_("Electricity and water"),
}


class Step(StrEnum):
    """Where an application stands in the conversation."""

    BOOTHS = "booths"
    PRODUCTS = "products"
    NEEDS = "needs"
    CONFIRM = "confirm"


@dataclass(frozen=True, slots=True)
class ApplyBooths(Payload, prefix="apply:booths"):
    """How many booths: `apply:booths:2` (the fair's own limit is checked when answered)."""

    count: Annotated[int, Range(1, 99)]


@dataclass(frozen=True, slots=True)
class ApplyProducts(Payload, prefix="apply:products"):
    """The products as in the registration: `apply:products:same`."""

    choice: Literal["same"]


@dataclass(frozen=True, slots=True)
class ApplyNeeds(Payload, prefix="apply:needs"):
    """Electricity, water, both or none: `apply:needs:power`."""

    need: Annotated[str, OneOf(NEEDS)]


@dataclass(frozen=True, slots=True)
class ApplyAction(Payload, prefix="apply"):
    """`apply:confirm` sends the application, `apply:restart` asks again from the start."""

    action: Literal["confirm", "restart"]


async def existing(turn: Turn, fair: Fair) -> BoothApplication | None:
    """The user's application for the fair that still counts, if any."""
    enterprise = await turn.services.enterprises.for_account(turn.user.account_id)
    if enterprise is None:
        return None
    return await turn.services.booths.live_for(fair.id, enterprise.id)


async def start(turn: Turn, fair: Fair) -> list[Reply]:
    """Apply for a booth: checks the fair and the registration, then asks how many booths."""
    refusal = await _refusal(turn, fair)
    if refusal is not None:
        return refusal
    data = {"fair": fair.id, "starts": fair.starts_at.isoformat(), "ends": fair.ends_at.isoformat()}
    return await APPLYING.start(turn, Step.BOOTHS, data)


async def register_first(turn: Turn, fair: Fair) -> list[Reply]:
    """Starts the registration; its last step offers to come back to this application."""
    return await registration.begin(turn, resume=FairAction(fair.key, "apply").pack())


async def _refusal(turn: Turn, fair: Fair) -> list[Reply] | None:
    """Why the user cannot apply now (with what to do instead), or None."""
    _ = turn._
    back = [FairAction(fair.key, "card").button(_("Back to the fair"))]
    if fair.cancelled:
        return [Reply(text=_("The Department has cancelled this fair."), buttons=[back])]
    if not is_open(turn.lang, fair):
        closed = turn.lang.date(applications_close_at(turn.lang, fair))
        text = _("Applications for this fair closed on {date}.").format(date=closed)
        return [Reply(text=text, buttons=[back])]
    enterprise = await turn.services.enterprises.for_account(turn.user.account_id)
    if enterprise is None:
        text = _(
            "To apply for a booth, your establishment must first be registered in the network."
            " It takes a few minutes; when you confirm the registration you can come straight"
            " back to this application."
        )
        register = FairAction(fair.key, "register").button(_("Register now"))
        return [Reply(text=text, buttons=[[register], back])]
    if enterprise.status is EnterpriseStatus.REJECTED:
        text = _(
            "Your registration in the network was not accepted, so you cannot apply for a booth"
            " yet. Please update your registration or contact the Department."
        )
        return [Reply(text=text, buttons=[back])]
    mine = await turn.services.booths.live_for(fair.id, enterprise.id)
    if mine is not None:
        intro = _("You have already applied for this fair; here is your application.")
        return await show_application(turn, mine, fair, intro)
    return None


async def _fair(turn: Turn) -> Fair | None:
    fair_id = turn.conversation.data.get("fair")
    return await turn.services.fairs.get(int(fair_id)) if fair_id is not None else None


async def _the_fair(turn: Turn) -> Fair:
    """The fair applied for (on_text and on_button checked that it is still there)."""
    fair = await _fair(turn)
    if fair is None:
        raise LookupError("the fair of a booth application is gone")
    return fair


async def ask_booths(turn: Turn, problem: str | None = None) -> list[Reply]:
    """Asks how many booths, saying how many are free."""
    _ = turn._
    fair = await _the_fair(turn)
    free = max(fair.booths - (await turn.services.booths.taken([fair.id]))[fair.id], 0)
    text = turn.ngettext(
        "How many booths do you need at “{title}”? Each establishment may ask for {n} booth.",
        "How many booths do you need at “{title}”? Each establishment may ask for 1 to {n}.",
        fair.max_booths,
    )
    lines = [text.format(title=fair.title(turn.lang.code), n=fair.max_booths)]
    lines.append(
        _("Free now: {free}.").format(free=turn.lang.number(free))
        if free
        else _("All booths are taken now: you would join the waiting list.")
    )
    counts = range(1, min(fair.max_booths, QUICK_COUNTS) + 1)
    # only numbers as options, so that typing "3" can never pick anything but 3 booths
    buttons = [[ApplyBooths(n).button(str(n)) for n in counts]]
    return [Reply(text="\n".join([problem, *lines] if problem else lines), buttons=buttons)]


def _count(text: str) -> int | None:
    """A booth count as people type it: `2`, `2 gian`, `hai`."""
    match = _COUNT.match(fold(text))
    if match is None or _NOT_WHOLE.search(text):
        return None
    word = match[1]
    return int(word) if word.isdecimal() else _WORDS.get(word)


async def got_booths(turn: Turn, answer: Answer) -> Outcome:
    """Checks the number of booths (a button's, or as people type it), then asks for the
    products."""
    _ = turn._
    if answer.choice is not None and not answer.choice.isdecimal():
        return await bad_button(turn)
    count = int(answer.choice) if answer.choice is not None else _count(answer.text)
    if count is None:
        return Stay(_("Please answer with a number, for example 1."))
    fair = await _the_fair(turn)
    if not 1 <= count <= fair.max_booths:
        problem = _("{count} is not possible here: choose from 1 to {n} booths.").format(
            count=count, n=fair.max_booths
        )
        return Stay(problem)
    turn.conversation.data["booths"] = count
    return Next(Step.PRODUCTS)


async def ask_products(turn: Turn, problem: str | None = None) -> list[Reply]:
    """Asks which products will be shown, offering those of the registration."""
    _ = turn._
    text = _(
        "Which products will you display? For example: glazed ceramic bowls and vases,"
        " bamboo baskets."
    )
    enterprise = await turn.services.enterprises.for_account(turn.user.account_id)
    buttons = []
    if enterprise is not None and enterprise.products:
        same = ApplyProducts("same").button(_("As in my registration"))
        buttons.append([same])
    return [Reply(text="\n".join(filter(None, [problem, text])), buttons=buttons)]


async def got_products(turn: Turn, answer: Answer) -> Outcome:
    """Keeps the products (or those of the registration), then asks about electricity and
    water."""
    if answer.choice is None and answer.folded in SAME_WORDS:  # "nhu ho so"
        answer.choice = "same"
    if answer.choice == "same":
        enterprise = await turn.services.enterprises.for_account(turn.user.account_id)
        products = enterprise.products or "" if enterprise else ""
    elif answer.choice is not None:
        return await bad_button(turn)
    else:
        products = answer.text
    products = " ".join(products.split())
    if not PRODUCTS_MIN <= len(products) <= PRODUCTS_MAX:
        problem = turn._("Please describe the products in {low} to {high} characters.").format(
            low=PRODUCTS_MIN, high=PRODUCTS_MAX
        )
        return Stay(problem)
    turn.conversation.data["products"] = products
    return Next(Step.NEEDS)


async def ask_needs(turn: Turn, problem: str | None = None) -> list[Reply]:
    """Asks about electricity and water."""
    _ = turn._
    text = _(
        "Do you need electricity or water at the booth? Choose, or type what you need"
        " (for example: a 2 kW socket)."
    )
    buttons = [[ApplyNeeds(key).button(_(label))] for key, label in NEEDS.items()]
    return [Reply(text="\n".join(filter(None, [problem, text])), buttons=buttons)]


async def got_needs(turn: Turn, answer: Answer) -> Outcome:
    """Keeps the special needs (a skip word is none), then shows the summary."""
    if answer.choice in NEEDS and answer.choice != "none":
        # kept in the Department's language: staff read it in their lists
        staff = turn.services.i18n.get(turn.services.settings.locale)
        needs = staff.gettext(NEEDS[answer.choice])
    elif answer.choice in ("none", SKIP):
        needs = ""
    elif answer.choice is not None:
        return await bad_button(turn)
    else:
        needs = " ".join(answer.text.split())
    if len(needs) > NEEDS_MAX:
        return Stay(turn._("Please keep it under {n} characters.").format(n=NEEDS_MAX))
    turn.conversation.data["needs"] = needs
    return Next(Step.CONFIRM)


async def ask_confirm(turn: Turn, note: str | None = None) -> list[Reply]:
    """The application as it will be sent, with Confirm and Start again."""
    return await _summary(turn, await _the_fair(turn), note)


async def got_confirm(turn: Turn, answer: Answer) -> Outcome:
    """Applies on Confirm (or a typed yes)."""
    if answer.choice == "confirm":
        return await confirm(turn, await _the_fair(turn))
    if answer.choice is not None:
        return await bad_button(turn)
    return Stay(turn._("Please press Confirm, or Start again to change your answers."))


async def _summary(turn: Turn, fair: Fair, note: str | None = None) -> list[Reply]:
    _ = turn._
    data = turn.conversation.data
    enterprise = await turn.services.enterprises.for_account(turn.user.account_id)
    count = int(data["booths"])
    lines = [note, ""] if note else []
    lines += [
        _("Please check your application:"),
        _("Fair: {title}").format(title=fair.title(turn.lang.code)),
        _("Dates: {dates}").format(dates=fair_dates(turn.lang, fair)),
        _("Establishment: {name}").format(name=enterprise.name if enterprise else "—"),
        turn.ngettext("{n} booth", "{n} booths", count).format(n=count),
        _("Products: {products}").format(products=data["products"]),
        _("Special needs: {needs}").format(needs=data.get("needs") or _("none")),
    ]
    free = fair.booths - (await turn.services.booths.taken([fair.id]))[fair.id]
    if count > free:
        only = turn.ngettext(
            "Only {free} booth is free now: if you confirm, you join the waiting list.",
            "Only {free} booths are free now: if you confirm, you join the waiting list.",
            max(free, 0),
        )
        lines.append(only.format(free=max(free, 0)))
    buttons = [
        [ApplyAction("confirm").button(_("Confirm"))],
        [ApplyAction("restart").button(_("Start again"))],
    ]
    return [Reply(text="\n".join(lines), buttons=buttons)]


async def confirm(turn: Turn, fair: Fair) -> list[Reply]:
    """Re-checks everything (the fair may have moved or closed meanwhile) and applies."""
    _ = turn._
    data = turn.conversation.data
    if (fair.starts_at.isoformat(), fair.ends_at.isoformat()) != (data["starts"], data["ends"]):
        data["starts"], data["ends"] = fair.starts_at.isoformat(), fair.ends_at.isoformat()
        note = _(
            "The dates of this fair changed while you were applying: it is now {dates}."
            " Please confirm again if they suit you."
        ).format(dates=fair_dates(turn.lang, fair))
        return await _summary(turn, fair, note)
    refusal = await _refusal(turn, fair)
    if refusal is not None:
        turn.conversation.end()
        return refusal
    enterprise = await turn.services.enterprises.for_account(turn.user.account_id)
    assert enterprise is not None  # _refusal checked it
    app = await turn.services.booths.apply(
        fair.id,
        enterprise.id,
        turn.user.account_id,
        int(data["booths"]),
        data["products"],
        data.get("needs", ""),
    )
    turn.conversation.end()
    if app is None:  # another of the account's identities applied a moment ago
        return await start(turn, fair)
    if app.status is BoothStatus.ALLOCATED:
        intro = _(
            "Done: your booths are held. The Department will confirm your booth numbers and"
            " send you a QR code for checking in."
        )
        _tell_admins(turn, app, fair, enterprise)
    else:
        position = await turn.services.booths.position(app)
        intro = _(
            "All booths are taken at the moment, so you are on the waiting list, place"
            " {position}. If booths free up, they are offered in order, and you will have 48"
            " hours to accept."
        ).format(position=position)
    return await show_application(turn, app, fair, intro)


def _tell_admins(turn: Turn, app: BoothApplication, fair: Fair, enterprise: Enterprise) -> None:
    """Tells the owners that an allocated application waits for booth numbers."""

    def build(lang: Lang) -> list[Reply]:
        text = lang.ngettext(
            "New booth application: {name} ({reference}) holds {n} booth at “{title}” and"
            " waits for approval.",
            "New booth application: {name} ({reference}) holds {n} booths at “{title}” and"
            " waits for approval.",
            app.booths,
        ).format(
            name=enterprise.name,
            reference=enterprise.reference,
            n=app.booths,
            title=fair.title(lang.code),
        )
        review = ReviewApplication(app.id, "show").button(lang.gettext("Review"))
        return [Reply(text=text, buttons=[[review]])]

    turn.notify_admins(build)


async def _lost(turn: Turn) -> list[Reply]:
    """At a step the application does not know."""
    if turn.incoming.kind is Kind.BUTTON:
        return await bad_button(turn)
    note = turn._("Please press Confirm, or Start again to change your answers.")
    return await APPLYING.ask(turn, Step.CONFIRM, note)


# Contacts and locations reach the readers as empty text, which no question takes.
_TYPED: Final = frozenset({Kind.TEXT, Kind.CONTACT, Kind.LOCATION})
APPLYING: Flow[Turn, Step] = Flow(
    FLOW,
    {
        Step.BOOTHS: Question(ask_booths, got_booths, takes=_TYPED),
        Step.PRODUCTS: Question(ask_products, got_products, takes=_TYPED),
        Step.NEEDS: Question(ask_needs, got_needs, takes=_TYPED, skip=True),
        Step.CONFIRM: Question(ask_confirm, got_confirm, takes=_TYPED, yes="confirm"),
    },
    lost=_lost,
    old_button=bad_button,
)


async def on_text(turn: Turn) -> list[Reply]:
    """Text while applying: the answer to the current question."""
    if await _fair(turn) is None:
        turn.conversation.end()
        return await bad_button(turn)
    return await APPLYING.on_input(turn)


async def ask_again(turn: Turn, note: str) -> list[Reply]:
    """Asks the current question again, `note` above it."""
    if await _fair(turn) is None:
        return []
    return await APPLYING.ask_again(turn, note)


async def on_button(turn: Turn) -> list[Reply]:
    """`apply:booths:N`, `apply:products:same`, `apply:needs:KEY`, `apply:confirm|restart`."""
    conv = turn.conversation
    fair = await _fair(turn) if conv.flow == FLOW else None
    if fair is None:
        return await bad_button(turn)
    match turn.payload:
        case ApplyAction(action="restart"):
            return await start(turn, fair)
        case ApplyAction(action="confirm"):
            return await APPLYING.pressed(turn, Step.CONFIRM, "confirm")
        case ApplyBooths(count=count):
            return await APPLYING.pressed(turn, Step.BOOTHS, str(count))
        case ApplyProducts(choice=choice):
            return await APPLYING.pressed(turn, Step.PRODUCTS, choice)
        case ApplyNeeds(need=need):
            return await APPLYING.pressed(turn, Step.NEEDS, need)
    return await bad_button(turn)


def register(router: Router) -> None:
    """Wires the application flow."""
    router.button((ApplyBooths, ApplyProducts, ApplyNeeds, ApplyAction), on_button)
    router.flow(FLOW, on_text, ask_again=ask_again)
