"""`ketnoi faq import FILE` and `ketnoi questions unanswered`: the FAQ from the staff's side."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable

from bot.core.config import Settings
from storage.faq import FaqError, FaqRepo, load_faq_file
from storage.opening import open_database
from storage.questions import QuestionRepo

__all__ = ["add_parsers", "cmd_faq_import", "cmd_unanswered"]

Command = Callable[[argparse.Namespace, Settings], Awaitable[int]]


async def cmd_faq_import(args: argparse.Namespace, settings: Settings) -> int:
    """Import a FAQ file: entries with a known key are updated, the others added."""
    try:
        entries = load_faq_file(args.file)
    except FaqError as exc:
        print(exc, file=sys.stderr)
        print(f"{args.file}: nothing was imported", file=sys.stderr)
        return 1
    db = await open_database(settings.db_path, settings.database)
    try:
        added, updated, deleted = await FaqRepo(db).upsert(entries, replace=args.replace)
    finally:
        await db.close()
    line = f"{args.file}: {len(entries)} entries: {added} new, {updated} updated"
    print(line + (f", {deleted} deleted" if args.replace else ""))
    return 0


async def cmd_unanswered(args: argparse.Namespace, settings: Settings) -> int:
    """List the questions the bot could not answer, the most frequent first."""
    db = await open_database(settings.db_path, settings.database)
    try:
        groups = await QuestionRepo(db).unanswered(limit=args.limit)
    finally:
        await db.close()
    if not groups:
        print("No unanswered questions.")
        return 0
    print(f"{'times':>5}  {'last asked':16}  question (the latest wording)")
    for g in groups:
        print(f"{g.count:>5}  {g.last_asked.astimezone(settings.tz):%Y-%m-%d %H:%M}  {g.example}")
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds `faq import` and `questions unanswered` to the command line."""
    faq = sub.add_parser("faq", help="questions and answers").add_subparsers(dest="faq_command")
    imp = faq.add_parser("import", help="add or update FAQ entries (by key) from a YAML file")
    imp.add_argument("file", help="a file in the format of data/faq.yaml")
    imp.add_argument(
        "--replace", action="store_true", help="also delete the entries the file does not have"
    )
    imp.set_defaults(func=cmd_faq_import)
    questions = sub.add_parser("questions", help="what producers asked").add_subparsers(
        dest="questions_command"
    )
    unanswered = questions.add_parser(
        "unanswered", help="questions the bot could not answer, the most frequent first"
    )
    unanswered.add_argument("--limit", type=int, default=50, help="at most this many (50)")
    unanswered.set_defaults(func=cmd_unanswered)
