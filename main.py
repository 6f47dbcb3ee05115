"""The ketnoi command line: `python main.py ARGS` is `ketnoi ARGS`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path

from bot.app import App
from bot.channels import zalo_oa_admin
from bot.cli import broadcast as broadcast_cli
from bot.cli import data as data_cli
from bot.cli import export as export_cli
from bot.cli import fairs as fairs_cli
from bot.cli import faq as faq_cli
from bot.cli import web as web_cli
from bot.core.config import ConfigError, Settings, load_settings
from bot.core.i18n import CatalogError
from bot.dialog.router import Router
from bot.engine.logs import configure_logging
from storage.engine import StorageError
from storage.opening import is_postgres_url, open_database
from storage.sqlite import SqliteDatabase

Command = Callable[[argparse.Namespace, Settings], Coroutine[None, None, int]]


async def _with_app(settings: Settings, work: Callable[[App], Awaitable[int]]) -> int:
    """Open the App, do the work, close it: the one way the command line opens it."""
    async with App(settings) as app:
        return await work(app)


def _with_router(settings: Settings, work: Callable[[Router], Awaitable[int]]) -> Awaitable[int]:
    """The same, for the commands that need only the router (fairs, export, broadcast)."""
    return _with_app(settings, lambda app: work(app.router))


async def _run(app: App) -> int:
    await app.run()
    return 0


async def _chat(app: App) -> int:
    await app.chat()
    return 0


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Serve every configured channel (the console chat when none is)."""
    return await _with_app(settings, _run)


async def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """Chat in the terminal."""
    return await _with_app(settings, _chat)


async def cmd_db_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Apply pending migrations."""
    db = await open_database(settings.db_path, settings.database, migrate=False)
    try:
        applied = await db.migrate()
        version = max(await db.applied_migrations(), default=0)
    finally:
        await db.close()
    print(f"applied: {', '.join(applied)}" if applied else "nothing to apply")
    print(f"schema version {version}")
    return 0


async def cmd_db_copy(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the SQLite database (KETNOI_DB_PATH) into the PostgreSQL one at --to."""
    from storage.postgres import PostgresDatabase  # psycopg only for this command
    from storage.postgres.copy import copy_database

    if not is_postgres_url(args.to):
        print("--to must be a postgresql://… URL", file=sys.stderr)
        return 2
    if not settings.db_path.exists():
        print(f"{settings.db_path}: no such database (KETNOI_DB_PATH)", file=sys.stderr)
        return 2
    source = await SqliteDatabase.open(settings.db_path)
    try:
        target = await PostgresDatabase.open(args.to)
        try:
            print(f"{'table':<28} {'rows':>9} {'copied':>9}")
            counts = await copy_database(source, target)
        finally:
            await target.close()
    finally:
        await source.close()
    print(f"copied {sum(counts.values())} rows of {len(counts)} tables; the counts match")
    return 0


async def cmd_db_backup(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the live database with SQLite's online backup API."""
    if settings.database:
        print("the database is PostgreSQL: back it up with pg_dump", file=sys.stderr)
        return 2
    target = Path(args.file)
    if target.exists():
        print(f"{target} exists; choose a new file name", file=sys.stderr)
        return 2
    db = await SqliteDatabase.open(settings.db_path)
    try:
        await db.backup(target)
    finally:
        await db.close()
    print(f"backup written to {target}")
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    p = argparse.ArgumentParser(prog="ketnoi", description="ketnoi, the craft-village network bot")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("run", help="serve every configured channel").set_defaults(func=cmd_run)
    sub.add_parser("chat", help="chat in the terminal").set_defaults(func=cmd_chat)
    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command")
    db.add_parser("migrate", help="apply pending migrations").set_defaults(func=cmd_db_migrate)
    backup = db.add_parser("backup", help="online backup to FILE")
    backup.add_argument("file")
    backup.set_defaults(func=cmd_db_backup)
    copy = db.add_parser(
        "copy", help="copy the SQLite database into a migrated PostgreSQL one, checking counts"
    )
    copy.add_argument("--to", required=True, metavar="postgresql://…")
    copy.set_defaults(func=cmd_db_copy)
    fairs_cli.add_parsers(sub, _with_router)
    export_cli.add_parsers(sub, _with_router)
    faq_cli.add_parsers(sub)
    broadcast_cli.add_parser(sub, _with_router)
    zalo_oa_admin.add_parsers(sub)
    web_cli.add_parser(sub, _with_router)
    data_cli.add_parsers(sub, _with_router)
    return p


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, load the settings, run the command; errors are one line."""
    args = parser().parse_args(argv)
    func: Command = getattr(args, "func", cmd_run)
    configure_logging()
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8")
    try:
        settings = load_settings()
        configure_logging(level=settings.log_level)
        return asyncio.run(func(args, settings))
    except (ConfigError, StorageError, CatalogError) as exc:
        print(f"ketnoi: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
