"""/start, /menu, /huong_dan (/help), /huy (/cancel), the menu buttons, and polite fallbacks."""

from __future__ import annotations

from bot.core.i18n import N_
from bot.core.payloads import MenuEntry
from bot.core.types import Button, Reply
from bot.dialog.router import MAX_TEXT, PAUSED, Router, Turn
from handlers.menu import MENU_COMMANDS, main_menu
from handlers.registration.core import FLOW as REGISTRATION
from handlers.registration.core import Step as RegistrationStep

__all__ = ["register"]


async def start(turn: Turn) -> list[Reply]:
    """Greets the user and shows the main menu (or opens what a deep link points to)."""
    arg = turn.incoming.args.strip()
    prefix = arg.split("_", 1)[0]
    if arg and prefix in turn.router.deep_links:
        return await turn.router.deep_links[prefix](turn)
    _ = turn._
    name = turn.user.display_name or _("there")
    text = _(
        "Hello {name}! I am ketnoi, the assistant of Hanoi's network for sustainable production"
        " and consumption of traditional craft villages (Hanoi Department of Industry and"
        " Trade).\n\nHere you can register your establishment into the network, see the"
        " upcoming fairs, apply for a booth and get reminders. Choose below, or just type a"
        " question."
    ).format(name=name)
    if turn.conversation.flow == REGISTRATION:
        text += "\n\n" + _unfinished(turn)
    return [main_menu(turn.lang, text)]


def _unfinished(turn: Turn) -> str:
    """The offer to go on with a registration left half-way."""
    return turn._(
        "You have an unfinished registration; your answers are kept. Choose “Register” or send"
        " /{command} to go on where you stopped."
    ).format(command="register" if turn.lang.code == "en" else "dang_ky")


async def menu(turn: Turn) -> list[Reply]:
    """Shows the main menu."""
    return [main_menu(turn.lang)]


async def help_(turn: Turn) -> list[Reply]:
    """Lists the commands in the user's language."""
    _ = turn._
    lines = [_("Commands you can type:")]
    for info in turn.router.command_list:
        if info.description is None:
            continue
        name = info.en if turn.lang.code == "en" else info.vi
        lines.append(f"/{name} — {_(info.description)}")
    lines.append("")
    cancel_name = "cancel" if turn.lang.code == "en" else "huy"
    lines.append(
        _(
            "Numbers work too: reply 2 to choose option 2. Type /{cancel} at any time to stop."
        ).format(cancel=cancel_name)
    )
    return [main_menu(turn.lang, "\n".join(lines))]


async def cancel(turn: Turn) -> list[Reply]:
    """Leaves the current flow, whatever it was; a registration begun is paused and kept."""
    _ = turn._
    conv = turn.conversation
    if conv.flow is None:
        return [main_menu(turn.lang, _("There is nothing to cancel."))]
    answered = conv.step not in (None, RegistrationStep.CONSENT)
    if conv.flow == REGISTRATION and conv.data.get("mode", "new") == "new" and answered:
        conv.data[PAUSED] = True
        return [main_menu(turn.lang, _("Paused.") + " " + _unfinished(turn))]
    turn.conversation.end()
    return [main_menu(turn.lang, _("Cancelled. Nothing more will be asked."))]


async def my_id(turn: Turn) -> list[Reply]:
    """Shows the user's address on this app, the form KETNOI_ADMINS takes."""
    text = turn._(
        "Your address on this app is {address}. Staff give it to the Department's"
        " administrator to be added to KETNOI_ADMINS or given a role."
    ).format(address=str(turn.user.ref))
    return [Reply(text=text)]


async def menu_choice(turn: Turn) -> list[Reply]:
    """A main-menu button: runs the command it stands for."""
    if not isinstance(turn.payload, MenuEntry):
        return await bad_button(turn)
    return await turn.run_command(MENU_COMMANDS[turn.payload.entry])


async def not_built(turn: Turn) -> list[Reply]:
    """Says honestly that a feature is not ready yet."""
    return [
        main_menu(
            turn.lang,
            turn._(
                "This part of the bot is not ready yet. Until it is, please contact the"
                " Department directly. Here is what you can do now:"
            ),
        )
    ]


async def unknown_command(turn: Turn) -> list[Reply]:
    """Answers a command we do not know."""
    text = turn._("I do not know the command /{command}. Here is what I can do:").format(
        command=turn.incoming.command or ""
    )
    return [main_menu(turn.lang, text)]


async def bad_button(turn: Turn) -> list[Reply]:
    """Answers a button that is no longer valid (or was never ours)."""
    return [main_menu(turn.lang, turn._("That option is no longer available. Here is the menu:"))]


async def unsupported(turn: Turn) -> list[Reply]:
    """Answers stickers, photos, voice and the like: in the middle of a conversation, a polite
    line and the pending question again (nothing entered is lost); elsewhere, the way on."""
    if turn.conversation.flow:
        note = turn._(
            "Thank you! I can only read text, so I could not take that as your answer. Please"
            " type it."
        )
        return await _pending_again(turn, note)
    return [
        Reply(
            text=turn._(
                "I can only read text. Please type your message, or send /menu to see"
                " what I can do."
            )
        )
    ]


async def _pending_again(turn: Turn, note: str) -> list[Reply]:
    """The pending question again, `note` above it; a flow that cannot ask again gets its last
    options again, so that a number typed next still works."""
    again = await turn.router.ask_again(turn, note)
    if again:
        return again
    options = [
        [Button(label=label, payload=payload)] for label, payload in turn.conversation.last_menu
    ]
    return [Reply(text=note, buttons=options)]


async def unreadable(turn: Turn) -> list[Reply]:
    """Answers a message of invisible characters only, and puts the pending question again."""
    note = turn._(
        "I could not read that message: I see no letters or digits in it. Please type it again."
    )
    return await _pending_again(turn, note)


async def too_long(turn: Turn) -> list[Reply]:
    """Answers a message longer than we accept."""
    return [
        Reply(
            text=turn._(
                "That message is too long for me (at most {limit} characters)."
                " Please send a shorter one."
            ).format(limit=turn.lang.number(MAX_TEXT))
        )
    ]


async def free_text(turn: Turn) -> list[Reply]:
    """Free text when no question answering is installed: show the menu."""
    return [main_menu(turn.lang, turn._("I did not understand that. Here is the menu:"))]


def register(router: Router) -> None:
    """Wires the commands and fallbacks of this module."""
    router.command(("start",), start)
    router.command(("menu",), menu, description=N_("Show the main menu"))
    router.command(("huong_dan", "help"), help_, description=N_("How to use the bot"))
    router.command(("huy", "cancel"), cancel, description=N_("Stop what you are doing"))
    router.command(("ma_cua_toi", "my_id"), my_id)
    router.button(MenuEntry, menu_choice)
    router.text(free_text)
    router.fallback("not_built", not_built)
    router.fallback("unknown_command", unknown_command)
    router.fallback("bad_button", bad_button)
    router.fallback("unsupported", unsupported)
    router.fallback("unreadable", unreadable)
    router.fallback("too_long", too_long)
