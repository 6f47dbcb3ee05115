"""`ketnoi data retention [--apply]` and `ketnoi data register [-o FILE]`: the retention rules
with what their next run would remove, and the record of processing for staff to file."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.config import Settings
from bot.dialog.router import Router
from bot.services.processing_register import register_markdown
from bot.services.retention import RULE_NAMES
from storage.retention import RetentionRun

__all__ = ["add_parsers", "cmd_register", "cmd_retention"]

# main.py's way to open the App, run some work with its router and close it again
Opener = Callable[[Settings, Callable[[Router], Awaitable[int]]], Awaitable[int]]


def _run_line(run: RetentionRun | None, tz: ZoneInfo) -> str:
    if run is None:
        return "last run: never (the running bot applies the rules once a day)"
    removed = ", ".join(f"{k} {n}" for k, n in run.removed.items() if n) or "nothing"
    when = run.ran_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return f"last run: {when}, removed {removed}"


async def cmd_retention(args: argparse.Namespace, router: Router) -> int:
    """Print the rules and what a run now would remove; with --apply, run them now."""
    svc = router.services
    rules = await svc.retention.rules()
    counts = await svc.retention.count()
    tz = svc.settings.tz
    print(f"{'rule':<26} {'days':>5}  {'active':<6} {'next run':>8}  what it removes")
    for rule in rules:
        what = RULE_NAMES.get(rule.kind, "(a rule this version of ketnoi does not know)")
        due = counts.get(rule.kind, 0)
        active = "yes" if rule.active else "no"
        print(f"{rule.kind:<26} {rule.days:>5}  {active:<6} {due:>8}  {what}")
    print(_run_line(await svc.retention.last_run(), tz))
    if args.apply:
        run = await svc.retention.apply()
        removed = sum(run.removed.values())
        print(f"applied now: {removed} rows removed")
        await svc.audit.record_cli("data.retention", None, run.removed)
    return 0


async def cmd_register(args: argparse.Namespace, router: Router) -> int:
    """Write the record of processing (Markdown) to a file or the standard output."""
    svc = router.services
    lang = svc.i18n.get(args.lang or svc.settings.locale)
    text = register_markdown(lang, await svc.retention.rules())
    if args.output is None:
        sys.stdout.write(text)
        return 0
    output = Path(args.output)
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(
            f"ketnoi data register: cannot write {output}: {exc.strerror or exc}", file=sys.stderr
        )
        return 1
    print(f"{output}: the record of processing ({lang.code})")
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], run: Opener) -> None:
    """`data retention|register` on the main parser; `run` opens the App for them."""
    data = sub.add_parser("data", help="personal data: retention rules, record of processing")
    verbs = data.add_subparsers(dest="data_command")

    async def retention(args: argparse.Namespace, settings: Settings) -> int:
        return await run(settings, lambda router: cmd_retention(args, router))

    async def register(args: argparse.Namespace, settings: Settings) -> int:
        return await run(settings, lambda router: cmd_register(args, router))

    r = verbs.add_parser("retention", help="the rules and what their next run would remove")
    r.add_argument("--apply", action="store_true", help="run the rules now")
    r.set_defaults(func=retention)
    g = verbs.add_parser("register", help="the record of processing, from the code's rules")
    g.add_argument("-o", "--output", help="the file to write (default: standard output)")
    g.add_argument("--lang", choices=("vi", "en"), help="default: KETNOI_LOCALE")
    g.set_defaults(func=register)
