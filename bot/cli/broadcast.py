"""`ketnoi broadcast`: queue an announcement from the server's shell and watch the bot send it."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot.core.clock import utcnow
from bot.core.config import Settings, quiet_until
from bot.dialog.router import Router
from bot.domain.enterprise_terms import ROLE_NAMES, STATUS_NAMES
from bot.domain.places import get_ward, match_ward
from bot.domain.sectors import SECTORS
from bot.services.broadcasts import MAX_ANNOUNCEMENT, start_broadcast
from storage.broadcasts import Progress

__all__ = [
    "AUDIENCE_HELP",
    "AudienceError",
    "add_parser",
    "broadcast",
    "progress_bar",
    "resolve_audience",
]

AUDIENCE_HELP = (
    "all | sector:KEY | role:KEY | ward:CODE-or-name | fair:KEY | status:pending|approved|rejected"
)
_BAR = 30
_NOTHING_YET = 15.0  # seconds without progress before asking whether the bot runs


class AudienceError(Exception):
    """The audience given on the command line names nothing we know; the message says why."""


async def resolve_audience(router: Router, given: str) -> str:
    """The stored form of an audience typed on the command line ('ward:Bát Tràng' -> code)."""
    kind, _, arg = given.strip().partition(":")
    arg = arg.strip()
    if kind == "all" and not arg:
        return "all"
    known = {"sector": SECTORS, "role": ROLE_NAMES, "status": STATUS_NAMES}.get(kind)
    if known is not None:
        if arg not in known:
            raise AudienceError(f"unknown {kind} {arg!r}; one of: {', '.join(known)}")
        return f"{kind}:{arg}"
    if kind == "fair":
        if await router.services.fairs.by_key(arg) is None:
            raise AudienceError(f"no fair with the key {arg!r} (see: ketnoi fairs list)")
        return f"fair:{arg}"
    if kind == "ward":
        if get_ward(arg) is not None:
            return f"ward:{arg}"
        matches = match_ward(arg)
        if len(matches) == 1 or (matches and matches[0].score >= 95 > matches[1].score):
            return f"ward:{matches[0].ward.code}"
        names = ", ".join(f"{m.ward.name} ({m.ward.code})" for m in matches) or "none"
        raise AudienceError(f"ward {arg!r} is ambiguous or unknown; closest: {names}")
    raise AudienceError(f"unknown audience {given!r}; expected {AUDIENCE_HELP}")


def progress_bar(p: Progress, eta: float | None) -> str:
    """`[#########-----] 1,234/10,000 sent · 12 blocked · 0 failed · about 5 min left`."""
    filled = round(_BAR * p.done / p.total) if p.total else _BAR
    parts = [
        f"[{'#' * filled}{'-' * (_BAR - filled)}] {p.sent:,}/{p.total:,} sent",
        f"{p.blocked:,} blocked",
        f"{p.failed:,} failed",
    ]
    if p.unknown:
        parts.append(f"{p.unknown:,} unknown")
    if eta is not None:
        parts.append(f"about {max(1, round(eta / 60))} min left")
    return " · ".join(parts)


async def broadcast(
    router: Router,
    audience: str,
    text_file: Path,
    *,
    yes: bool = False,
    wait: bool = True,
    out: TextIO = sys.stdout,
    ask: Callable[[str], str] = input,
    poll: float = 1.0,
) -> int:
    """Show who the announcement reaches, confirm, queue it, and follow its progress."""
    svc = router.services
    try:
        text = text_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        print(f"ketnoi: cannot read {text_file}: {exc.strerror}", file=sys.stderr)
        return 2
    if not text or len(text) > MAX_ANNOUNCEMENT:
        print(
            f"ketnoi: the text must have 1 to {MAX_ANNOUNCEMENT:,} characters"
            f" (it has {len(text):,})",
            file=sys.stderr,
        )
        return 2
    try:
        stored = await resolve_audience(router, audience)
    except AudienceError as exc:
        print(f"ketnoi: {exc}", file=sys.stderr)
        return 2
    recipients = await svc.broadcasts.recipients(stored)
    blocked = sum(r.blocked for r in recipients)
    print(f"Audience: {stored}", file=out)
    print(f"Recipients: {len(recipients):,} ({blocked:,} have blocked the bot)", file=out)
    print(f"---\n{text}\n---", file=out)
    if not recipients:
        print("No one is in this audience; nothing was queued.", file=out)
        return 1
    if not yes and ask(f"Send to {len(recipients):,} people? [y/N] ").strip().lower() not in (
        "y",
        "yes",
        "c",
        "co",
        "có",
    ):
        print("Not sent.", file=out)
        return 1
    async with svc.db.transaction():
        b = await start_broadcast(svc.broadcasts, svc.i18n, stored, text, None)
    print(f"Broadcast #{b.id} queued: {b.total:,} messages for the running bot to send.", file=out)
    quiet_end = quiet_until(svc.settings.quiet_hours, svc.settings.tz, utcnow())
    if quiet_end is not None:
        print(f"Quiet hours: sending starts at {quiet_end.astimezone(svc.settings.tz):%H:%M}.")
    if not wait:
        return 0
    try:
        await _watch(router, b.id, out, poll)
    except (KeyboardInterrupt, asyncio.CancelledError):
        print(f"\nStopped watching; the bot keeps sending broadcast #{b.id}.", file=out)
    return 0


async def _watch(router: Router, broadcast_id: int, out: TextIO, poll: float) -> None:
    """Redraw the progress bar until every message of the broadcast is settled."""
    repo = router.services.broadcasts
    tty = out.isatty()
    started = last_change = time.monotonic()
    last_done, hinted, last_line = -1, False, 0.0
    while True:
        b = await repo.get(broadcast_id)
        assert b is not None
        p = await repo.progress(b)
        now = time.monotonic()
        if p.done != last_done:
            last_done, last_change = p.done, now
        rate = p.done / (now - started) if p.done and now > started else 0.0
        eta = (p.total - p.done) / rate if rate else None
        line = progress_bar(p, eta)
        if tty:
            out.write(f"\r{line}\033[K")
            out.flush()
        elif now - last_line >= 10 or p.finished:
            print(line, file=out)
            last_line = now
        if p.finished or b.status != "sending":
            if tty:
                out.write("\n")
            print(
                f"Done: {p.sent:,} sent, {p.blocked:,} blocked the bot, {p.failed:,} failed,"
                f" {p.unknown:,} unknown, {p.cancelled:,} withdrawn.",
                file=out,
            )
            return
        if not hinted and p.done == 0 and now - last_change > _NOTHING_YET:
            print("\nNothing sent yet: is the bot running (ketnoi run)?", file=out)
            hinted = True
        await asyncio.sleep(poll)


Opener = Callable[[Settings, Callable[[Router], Awaitable[int]]], Awaitable[int]]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], run: Opener) -> None:
    """`broadcast --audience A --text-file F [--yes] [--no-wait]` on the main parser."""

    async def go(args: argparse.Namespace, settings: Settings) -> int:
        return await run(
            settings,
            lambda router: broadcast(
                router, args.audience, Path(args.text_file), yes=args.yes, wait=not args.no_wait
            ),
        )

    p = sub.add_parser(
        "broadcast",
        help="queue an announcement for the running bot to send, and watch it",
        # A photo or document is re-sent by its Telegram file_id, which only a message sent
        # to the bot gives; /thong_bao on Telegram takes one, the shell does not.
        description="Queue a text announcement for the running bot to send, and watch it."
        " Text only: to send a photo or a document with it, compose it with /thong_bao"
        " (/broadcast) in Telegram.",
    )
    p.add_argument("--audience", required=True, help=AUDIENCE_HELP)
    p.add_argument("--text-file", required=True, help="UTF-8 text of the announcement")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--no-wait", action="store_true", help="queue it and return at once")
    p.set_defaults(func=go)
