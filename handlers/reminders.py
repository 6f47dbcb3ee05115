"""/nhac_lich (/reminders): follow sectors or fairs, turn reminders and announcements on or off;
/dung (/stop): stop everything; the exhibitors' answers to the question after a fair."""

from __future__ import annotations

from bot.core.i18n import N_
from bot.core.types import Button, Reply
from bot.dialog.router import Router, Turn
from bot.domain.sectors import SECTORS, sector_name
from bot.services.reminder_messages import VISITORS
from bot.services.scheduler import EVERY as REMINDERS_EVERY
from bot.services.scheduler import Scheduler
from handlers.menu import main_menu

__all__ = ["register"]

_CHECK = "✓ "
_FAIRS_SHOWN = 10


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
        Button(label=_("Turn reminders off"), payload="remind:off")
        if turn.user.reminders_on
        else Button(label=_("Turn reminders on"), payload="remind:on")
    )
    news = (
        Button(label=_("Turn announcements off"), payload="remind:news_off")
        if turn.user.broadcasts_on
        else Button(label=_("Turn announcements on"), payload="remind:news_on")
    )
    buttons = [
        [
            Button(label=_("Follow a sector"), payload="remind:sectors"),
            Button(label=_("Follow a fair"), payload="remind:fairs"),
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
        [
            Button(
                label=(_CHECK if key in followed else "") + sector_name(key, _),
                payload=f"remind:sector:{key}",
            )
        ]
        for key in SECTORS
    ]
    buttons.append([Button(label=_("Done"), payload="remind:show")])
    text = _("Choose the sectors whose fairs you want to hear about (ticked: followed).")
    return [Reply(text=f"{note}\n{text}" if note else text, buttons=buttons)]


async def fairs_menu(turn: Turn, note: str | None = None) -> list[Reply]:
    """The upcoming fairs, those followed ticked; pressing one follows or unfollows it."""
    _ = turn._
    svc = turn.services
    fairs, _total = await svc.fairs.upcoming(limit=_FAIRS_SHOWN)
    followed = set(await svc.reminders.fairs_followed(turn.user.account_id))
    buttons = [
        [
            Button(
                label=(_CHECK if f.id in followed else "") + f.title(turn.lang.code),
                payload=f"remind:fair:{f.id}",
            )
        ]
        for f in fairs
        if not f.cancelled
    ]
    buttons.append([Button(label=_("Done"), payload="remind:show")])
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
    parts = turn.payload_parts
    action = parts[1] if len(parts) > 1 else "show"
    arg = parts[2] if len(parts) > 2 else ""
    if action == "sectors":
        return await sectors_menu(turn)
    if action == "fairs":
        return await fairs_menu(turn)
    if action == "sector" and arg in SECTORS:
        return await toggle_sector(turn, arg)
    if action == "fair" and arg.isdigit():
        return await toggle_fair(turn, int(arg))
    if action in ("on", "off"):
        return await switch(turn, "reminders", action == "on")
    if action in ("news_on", "news_off"):
        return await switch(turn, "broadcasts", action == "news_on")
    return await overview(turn)


async def on_feedback(turn: Turn) -> list[Reply]:
    """`fb:FAIR:v:RANGE` then `fb:FAIR:again:1|0`: an exhibitor's answers after a fair."""
    _ = turn._
    parts = turn.payload_parts
    fair = (
        await turn.services.fairs.get(int(parts[1])) if parts[1:2] and parts[1].isdigit() else None
    )
    if fair is None or len(parts) != 4:
        return [main_menu(turn.lang, _("That question is no longer open."))]
    repo = turn.services.reminders
    account = turn.user.account_id
    if parts[2] == "v" and parts[3] in VISITORS:
        await repo.answer(fair.id, account, visitors=parts[3])
        buttons = [
            [
                Button(label=_("Yes"), payload=f"fb:{fair.id}:again:1"),
                Button(label=_("No"), payload=f"fb:{fair.id}:again:0"),
            ]
        ]
        return [Reply(text=_("Would you take part in a fair like this again?"), buttons=buttons)]
    if parts[2] == "again" and parts[3] in ("0", "1"):
        await repo.answer(fair.id, account, come_again=parts[3] == "1")
        return [main_menu(turn.lang, _("Thank you! Your answers help the Department."))]
    return [main_menu(turn.lang, _("That question is no longer open."))]


def register(router: Router) -> None:
    """Wires /nhac_lich, /dung, their buttons (`remind:`, `fb:`), and the look for reminders
    that fall due."""
    router.command(
        ("nhac_lich", "reminders"), show, description=N_("Reminders: follow sectors and fairs")
    )
    router.command(("dung", "stop"), stop, description=N_("Stop all reminders and announcements"))
    router.button("remind", on_remind)
    router.button("fb", on_feedback)
    router.every("reminders_due", REMINDERS_EVERY, Scheduler(router.services).tick)
