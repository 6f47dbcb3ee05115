"""/nhac_lich (/reminders): follow sectors or fairs, turn reminders and announcements on or off;
/dung (/stop): stop everything; the exhibitors' answers to the question after a fair."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from bot.core.i18n import N_
from bot.core.payloads import Feedback, Id, OneOf, Payload, Reminders
from bot.core.types import Reply
from bot.dialog.router import Router, Turn
from bot.domain.sectors import SECTORS, sector_name
from bot.services.scheduler import EVERY as REMINDERS_EVERY
from bot.services.scheduler import Scheduler
from handlers.guards import record_refusal
from handlers.menu import main_menu

__all__ = ["FollowFair", "FollowSector", "register"]

_CHECK = "✓ "
_FAIRS_SHOWN = 10


@dataclass(frozen=True, slots=True)
class FollowSector(Payload, prefix="remind:sector"):
    """Follow or unfollow a sector: `remind:sector:ceramics`."""

    sector: Annotated[str, OneOf(SECTORS)]


@dataclass(frozen=True, slots=True)
class FollowFair(Payload, prefix="remind:fair"):
    """Follow or unfollow a fair: `remind:fair:7`."""

    fair: Id


async def overview(turn: Turn, note: str | None = None) -> list[Reply]:
    """What the user follows, whether reminders and announcements are on, and what to change."""
    _ = turn._
    svc = turn.services
    account = turn.user.account_id
    sectors = [sector_name(k, _) for k in await svc.reminders.sectors(account)]
    fairs = [await svc.fairs.get(i) for i in await svc.reminders.fairs_followed(account)]
    titles = [f.title(turn.lang.code) for f in fairs if f is not None]
    lines = [note] if note else []
    lines.append(_("Reminders: on") if turn.user.reminders_on else _("Reminders: off"))
    lines.append(
        _("Announcements from the Department: on")
        if turn.user.broadcasts_on
        else _("Announcements from the Department: off")
    )
    if sectors or titles:
        if sectors:
            lines.append(_("Sectors you follow: {names}").format(names=", ".join(sectors)))
        if titles:
            lines.append(_("Fairs you follow: {names}").format(names="; ".join(titles)))
    else:
        lines.append(
            _(
                "You follow nothing yet. Follow a sector to hear about its fairs, or a fair to be"
                " reminded of it a week before, the day before and on its first morning."
            )
        )
    remind = (
        Reminders("off").button(_("Turn reminders off"))
        if turn.user.reminders_on
        else Reminders("on").button(_("Turn reminders on"))
    )
    news = (
        Reminders("news_off").button(_("Turn announcements off"))
        if turn.user.broadcasts_on
        else Reminders("news_on").button(_("Turn announcements on"))
    )
    buttons = [
        [
            Reminders("sectors").button(_("Follow a sector")),
            Reminders("fairs").button(_("Follow a fair")),
        ],
        [remind],
        [news],
    ]
    return [Reply(text="\n".join(lines), buttons=buttons)]


async def show(turn: Turn) -> list[Reply]:
    """/nhac_lich: the overview."""
    return await overview(turn)


async def sectors_menu(turn: Turn, note: str | None = None) -> list[Reply]:
    """Every sector, those followed ticked; pressing one follows or unfollows it."""
    _ = turn._
    followed = set(await turn.services.reminders.sectors(turn.user.account_id))
    buttons = [
        [FollowSector(key).button((_CHECK if key in followed else "") + sector_name(key, _))]
        for key in SECTORS
    ]
    buttons.append([Reminders("show").button(_("Done"))])
    text = _("Choose the sectors whose fairs you want to hear about (ticked: followed).")
    return [Reply(text=f"{note}\n{text}" if note else text, buttons=buttons)]


async def fairs_menu(turn: Turn, note: str | None = None) -> list[Reply]:
    """The upcoming fairs, those followed ticked; pressing one follows or unfollows it."""
    _ = turn._
    svc = turn.services
    fairs, _total = await svc.fairs.upcoming(limit=_FAIRS_SHOWN)
    followed = set(await svc.reminders.fairs_followed(turn.user.account_id))
    buttons = [
        [FollowFair(f.id).button((_CHECK if f.id in followed else "") + f.title(turn.lang.code))]
        for f in fairs
        if not f.cancelled
    ]
    buttons.append([Reminders("show").button(_("Done"))])
    text = _("Choose the fairs you want to be reminded of (ticked: followed).")
    if len(buttons) == 1:
        text = _("There is no upcoming fair to follow yet.")
    return [Reply(text=f"{note}\n{text}" if note else text, buttons=buttons)]


async def toggle_sector(turn: Turn, key: str) -> list[Reply]:
    """Follows or unfollows a sector."""
    _ = turn._
    repo = turn.services.reminders
    account = turn.user.account_id
    name = sector_name(key, _)
    if await repo.follow_sector(account, key):
        note = _("You now follow {name}.").format(name=name) + await _turned_on(turn)
    else:
        await repo.unfollow_sector(account, key)
        note = _("You no longer follow {name}.").format(name=name)
    return await sectors_menu(turn, note)


async def toggle_fair(turn: Turn, fair_id: int) -> list[Reply]:
    """Follows or unfollows a fair."""
    _ = turn._
    fairs = turn.services.fairs
    fair = await fairs.get(fair_id)
    if fair is None:
        return await fairs_menu(turn)
    title = fair.title(turn.lang.code)
    if await fairs.follow(fair.id, turn.user.account_id):
        note = _("I will remind you of “{title}”.").format(title=title) + await _turned_on(turn)
    else:
        await fairs.unfollow(fair.id, turn.user.account_id)
        note = _("I will not remind you of “{title}”.").format(title=title)
    return await fairs_menu(turn, note)


async def _turned_on(turn: Turn) -> str:
    """Following something means wanting reminders: turn them on if they were off."""
    if turn.user.reminders_on:
        return ""
    await turn.services.reminders.set_reminders(turn.user.account_id, True)
    turn.user.reminders_on = True
    return " " + turn._("Reminders are on again.")


async def switch(turn: Turn, what: str, on: bool) -> list[Reply]:
    """Turns reminders or announcements on or off."""
    _ = turn._
    repo = turn.services.reminders
    account = turn.user.account_id
    if what == "reminders":
        await repo.set_reminders(account, on)
        turn.user.reminders_on = on
        note = _("Reminders are on.") if on else _("Reminders are off. Nothing you follow is lost.")
    else:
        await repo.set_broadcasts(account, on)
        turn.user.broadcasts_on = on
        note = _("Announcements are on.") if on else _("Announcements are off.")
    return await overview(turn, note)


async def stop(turn: Turn) -> list[Reply]:
    """/dung: no more reminders or announcements, nothing followed."""
    await turn.services.reminders.stop_all(turn.user.account_id)
    turn.user.reminders_on = turn.user.broadcasts_on = False
    text = turn._(
        "Done: you will get no more reminders or announcements from me, and you follow nothing."
        " Everything else still works; type /{command} to turn reminders back on."
    ).format(command="reminders" if turn.lang.code == "en" else "nhac_lich")
    return [main_menu(turn.lang, text)]


async def on_remind(turn: Turn) -> list[Reply]:
    """`remind:show|sectors|fairs|on|off|news_on|news_off`, `remind:sector:KEY`,
    `remind:fair:ID`."""
    match turn.payload:
        case Reminders(action="sectors"):
            return await sectors_menu(turn)
        case Reminders(action="fairs"):
            return await fairs_menu(turn)
        case FollowSector(sector=sector):
            return await toggle_sector(turn, sector)
        case FollowFair(fair=fair_id):
            return await toggle_fair(turn, fair_id)
        case Reminders(action="on" | "off" as action):
            return await switch(turn, "reminders", action == "on")
        case Reminders(action="news_on" | "news_off" as action):
            return await switch(turn, "broadcasts", action == "news_on")
    return await overview(turn)


async def on_feedback(turn: Turn) -> list[Reply]:
    """`fb:FAIR:v:RANGE` then `fb:FAIR:again:1|0`: an exhibitor's answers after a fair; only
    those who held booths at the fair are asked, and only their answers are kept."""
    _ = turn._
    svc = turn.services
    asked = turn.payload
    fair = await svc.fairs.get(asked.fair) if isinstance(asked, Feedback) else None
    if fair is None or not isinstance(asked, Feedback):
        return [main_menu(turn.lang, _("That question is no longer open."))]
    account = turn.user.account_id
    if not await svc.reminders.is_exhibitor(fair.id, account):
        await record_refusal(turn, "an answer about a fair where they held no booth")
        text = _("Sorry, this question is for the establishments that held a booth at that fair.")
        return [main_menu(turn.lang, text)]
    match asked:
        case Feedback(question="v", answer="lt50" | "50_200" | "200_500" | "gt500" as visitors):
            await svc.reminders.answer(fair.id, account, visitors=visitors)
            buttons = [
                [
                    Feedback(fair.id, "again", "1").button(_("Yes")),
                    Feedback(fair.id, "again", "0").button(_("No")),
                ]
            ]
            text = _("Would you take part in a fair like this again?")
            return [Reply(text=text, buttons=buttons)]
        case Feedback(question="again", answer="0" | "1" as again):
            await svc.reminders.answer(fair.id, account, come_again=again == "1")
            return [main_menu(turn.lang, _("Thank you! Your answers help the Department."))]
    return [main_menu(turn.lang, _("That question is no longer open."))]


def register(router: Router) -> None:
    """Wires /nhac_lich, /dung, their buttons (`remind:`, `fb:`), and the look for reminders
    that fall due."""
    router.command(
        ("nhac_lich", "reminders"), show, description=N_("Reminders: follow sectors and fairs")
    )
    router.command(("dung", "stop"), stop, description=N_("Stop all reminders and announcements"))
    router.button((Reminders, FollowSector, FollowFair), on_remind)
    router.button(Feedback, on_feedback)
    router.every("reminders_due", REMINDERS_EVERY, Scheduler(router.services).tick)
