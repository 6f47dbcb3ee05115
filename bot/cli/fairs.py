"""`ketnoi fairs import|list|qr` and `ketnoi checkin`: the staff's command line for fairs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.core.config import Settings
from bot.dialog.router import Router
from bot.services.checkin import CheckIn, Verdict, check_in, checkin_key
from bot.services.fair_files import FairFileError
from bot.services.fair_import import ImportReport, import_file
from bot.services.fair_media import poster_png
from bot.services.fair_view import deep_link
from storage.booths import BoothStatus

__all__ = ["add_parsers"]


Work = Callable[[argparse.Namespace, Router], Awaitable[int]]
# main.py's way to open the App, run some work with its router and close it again
Opener = Callable[[Settings, Callable[[Router], Awaitable[int]]], Awaitable[int]]
Command = Callable[[argparse.Namespace, Settings], Awaitable[int]]


async def cmd_import(args: argparse.Namespace, router: Router) -> int:
    """Import a fair file: all of it, or nothing when a row is wrong."""
    try:
        report = await import_file(router.services, Path(args.file))
    except FairFileError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{args.file}: nothing was imported", file=sys.stderr)
        return 1
    print(describe(args.file, report))
    return 0


def describe(name: str, report: ImportReport) -> str:
    """One paragraph about an import."""
    total = len(report.created) + len(report.updated) + len(report.unchanged)
    lines = [
        f"{name}: {total} fairs: {len(report.created)} new, {len(report.updated)} updated,"
        f" {len(report.unchanged)} unchanged"
    ]
    lines += [f"  cancelled: {key}" for key in report.cancelled]
    lines += [f"  reinstated: {key}" for key in report.reinstated]
    lines += [f"  dates changed: {key}" for key in report.moved]
    lines += [f"  warning: {w}" for w in report.warnings]
    if report.messages:
        lines.append(f"  {report.messages} messages queued for applicants (sent by `ketnoi run`)")
    return "\n".join(lines)


async def cmd_list(args: argparse.Namespace, router: Router) -> int:
    """Print the calendar with booth figures."""
    svc = router.services
    fairs = await svc.fairs.all()
    if not fairs:
        print("no fairs; import a file with `ketnoi fairs import FILE`")
        return 0
    held = await svc.booths.taken(f.id for f in fairs)
    waiting = await svc.booths.counts(BoothStatus.WAITLISTED)
    approved = await svc.booths.counts(BoothStatus.APPROVED)
    tz = svc.settings.tz
    print(f"{'key':<36} {'starts':<16} {'ends':<16} {'status':<9} booths held approved waiting")
    for f in fairs:
        starts = f.starts_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        ends = f.ends_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        print(
            f"{f.key:<36} {starts:<16} {ends:<16} {f.status:<9} {f.booths:>6}"
            f" {held[f.id]:>4} {approved.get(f.id, 0):>8} {waiting.get(f.id, 0):>7}"
        )
    return 0


async def cmd_qr(args: argparse.Namespace, router: Router) -> int:
    """Write a QR poster of a fair's Telegram link."""
    svc = router.services
    fair = await svc.fairs.by_key(args.key)
    if fair is None:
        print(f"no fair with key {args.key!r} (see `ketnoi fairs list`)", file=sys.stderr)
        return 1
    link = deep_link(args.bot or svc.settings.telegram_username, fair)
    lang = svc.i18n.get(args.lang or svc.settings.locale)
    Path(args.output).write_bytes(poster_png(fair, lang, link))
    print(f"{args.output}: QR poster of {link}")
    return 0


async def cmd_checkin(args: argparse.Namespace, router: Router) -> int:
    """Check a token from an approval QR code; exit 0 when it admits, 1 when refused."""
    svc = router.services
    key = await checkin_key(svc.settings, svc.signing_keys)
    async with svc.db.transaction():
        found = await check_in(args.token, key, svc.booths, svc.fairs, svc.enterprises)
    print(verdict_text(found, svc.settings))
    return 0 if found.verdict in (Verdict.OK, Verdict.TOO_EARLY) else 1


def verdict_text(found: CheckIn, settings: Settings) -> str:
    """What the gate staff read."""
    refusals = {
        Verdict.FORGED: "REFUSED: this code is not genuine (wrong signature or damaged).",
        Verdict.UNKNOWN: "REFUSED: no such application.",
        Verdict.NOT_APPROVED: "REFUSED: the application is no longer approved",
        Verdict.CANCELLED: "REFUSED: the fair was cancelled.",
        Verdict.EXPIRED: "REFUSED: the code has expired: the fair is over.",
    }
    lines = []
    if found.verdict in refusals:
        lines.append(refusals[found.verdict])
        if found.verdict is Verdict.NOT_APPROVED and found.application:
            lines[0] += f" (now {found.application.status})."
    elif found.verdict is Verdict.TOO_EARLY:
        lines.append("VALID, but the fair has not started: not recorded as a check-in.")
    elif found.earlier is not None:
        when = found.earlier.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        lines.append(f"VALID: already checked in at {when}.")
    else:
        lines.append("VALID: checked in.")
    if found.application and found.fair and found.verdict is not Verdict.FORGED:
        tz = settings.tz
        name = found.enterprise.name if found.enterprise else "?"
        reference = found.enterprise.reference if found.enterprise else "?"
        lines += [
            f"Establishment: {name} ({reference})",
            f"Fair: {found.fair.title_vi} ({found.fair.key})",
            f"Dates: {found.fair.starts_at.astimezone(tz):%Y-%m-%d %H:%M}"
            f" – {found.fair.ends_at.astimezone(tz):%Y-%m-%d %H:%M}",
            f"Booths: {', '.join(found.application.booth_numbers) or '—'}",
        ]
    return "\n".join(lines)


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], run: Opener) -> None:
    """`fairs import|list|qr` and `checkin` on the main parser; `run` opens the App for them."""

    def command(work: Work) -> Command:
        async def go(args: argparse.Namespace, settings: Settings) -> int:
            return await run(settings, lambda router: work(args, router))

        return go

    fairs = sub.add_parser("fairs", help="the fair calendar").add_subparsers(
        dest="fairs_command", required=True
    )
    imp = fairs.add_parser("import", help="import a .yaml or .csv fair file (all or nothing)")
    imp.add_argument("file")
    imp.set_defaults(func=command(cmd_import))
    fairs.add_parser("list", help="list the fairs with booth figures").set_defaults(
        func=command(cmd_list)
    )
    qr = fairs.add_parser("qr", help="a QR poster (PNG) of a fair's Telegram link")
    qr.add_argument("key")
    qr.add_argument("-o", "--output", required=True, help="the PNG file to write")
    qr.add_argument("--bot", help="the bot's username (default: KETNOI_TELEGRAM_USERNAME)")
    qr.add_argument("--lang", choices=("vi", "en"), help="poster language (default: KETNOI_LOCALE)")
    qr.set_defaults(func=command(cmd_qr))
    checkin = sub.add_parser("checkin", help="verify a check-in code from an approval QR")
    checkin.add_argument("token")
    checkin.set_defaults(func=command(cmd_checkin))
