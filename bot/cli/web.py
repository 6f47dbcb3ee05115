"""`ketnoi web login CHANNEL:ID`: a one-time link to the staff pages, made on the server."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable

from bot.core.config import Settings
from bot.core.types import UserRef
from bot.dialog.router import Router
from bot.services.web_login import login_link, may_log_in

__all__ = ["add_parser", "cmd_login"]

Opener = Callable[[Settings, Callable[[Router], Awaitable[int]]], Awaitable[int]]


async def cmd_login(args: argparse.Namespace, router: Router) -> int:
    """Print a link that logs a member of staff in once, within ten minutes."""
    svc = router.services
    channel, sep, external_id = args.user.partition(":")
    if not sep or not channel or not external_id:
        print(
            "ketnoi web login: give the person as CHANNEL:ID, e.g. telegram:123456", file=sys.stderr
        )
        return 2
    if svc.settings.web_root is None:
        print("ketnoi web login: the web pages are off (KETNOI_WEB_LISTEN=off)", file=sys.stderr)
        return 2
    ref = UserRef(channel=channel, external_id=external_id)
    user = await svc.users.find(ref)
    if user is None and svc.settings.is_owner(ref):
        user = await svc.users.ensure(ref)  # an owner who never wrote to the bot
    if user is None or not await may_log_in(svc.roles, user):
        print(f"ketnoi web login: {ref} is not staff (see /quan_tri in the chat)", file=sys.stderr)
        return 1
    link, expires = await login_link(svc.settings, svc.web_sessions, user)
    await svc.audit.record_cli("web.link", f"user:{user.id}", {"expires_at": expires})
    local = expires.astimezone(svc.settings.tz)
    print(link)
    print(f"valid once, until {local:%H:%M} ({svc.settings.timezone})", file=sys.stderr)
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], run: Opener) -> None:
    """`web login` on the main parser; `run` opens the App for it."""

    async def go(args: argparse.Namespace, settings: Settings) -> int:
        return await run(settings, lambda router: cmd_login(args, router))

    web = sub.add_parser("web", help="the web pages").add_subparsers(dest="web_command")
    login = web.add_parser("login", help="a one-time link that logs a member of staff in")
    login.add_argument("user", metavar="CHANNEL:ID", help="e.g. telegram:123456")
    login.set_defaults(func=go)
