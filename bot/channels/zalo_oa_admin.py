"""`ketnoi zalo-oa token` and `ketnoi zalo-oa templates check`: the Official Account's
connection and its template file, checked from the server. Here rather than in bot/cli: they
speak to Zalo, which only the channels do."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable

from bot.channels.zalo_oa_api import ZaloOaApi, ZaloOaError
from bot.channels.zalo_oa_templates import TemplateBook, TemplateError, check
from bot.channels.zalo_oa_tokens import RefreshRefused, TokenKeeper
from bot.core.config import ConfigError, Settings
from storage.opening import open_database
from storage.zalo_oa import ZaloOaRepo

__all__ = ["add_parsers", "cmd_templates_check", "cmd_token"]

Work = Callable[[ZaloOaApi, TokenKeeper, ZaloOaRepo], Awaitable[int]]


async def _connected(settings: Settings, work: Work) -> int:
    """Run `work` with the OA's client and its token keeper on the database."""
    if not settings.zalo_oa or settings.zalo_oa_refresh_token is None:
        raise ConfigError("KETNOI_ZALO_OA_APP_ID: the Zalo OA channel is not configured")
    db = await open_database(settings.db_path, settings.database)
    api = ZaloOaApi.from_settings(settings)
    await api.open()
    try:
        repo = ZaloOaRepo(db)
        keeper = TokenKeeper(repo, api, settings.zalo_oa_refresh_token.get_secret_value())
        await keeper.start()
        try:
            return await work(api, keeper, repo)
        except RefreshRefused as exc:
            print(
                f"Zalo refused the refresh token ({exc}): authorise the app for the OA again"
                " and set the new one in KETNOI_ZALO_OA_REFRESH_TOKEN",
                file=sys.stderr,
            )
            return 1
        except ZaloOaError as exc:
            print(f"Zalo did not answer as expected: {exc}", file=sys.stderr)
            return 1
    finally:
        await api.close()
        await db.close()


async def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    """Make sure the OA has a valid access token (refreshing it if need be) and say until when."""

    async def work(api: ZaloOaApi, keeper: TokenKeeper, repo: ZaloOaRepo) -> int:
        await keeper.token()
        row = await repo.tokens()
        assert row is not None and row.expires_at is not None
        until = row.expires_at.astimezone(settings.tz)
        made = "refreshed now" if keeper.refreshes else "no refresh needed"
        print(f"access token valid until {until:%Y-%m-%d %H:%M} ({made})")
        return 0

    return await _connected(settings, work)


async def cmd_templates_check(args: argparse.Namespace, settings: Settings) -> int:
    """Check every kind of notice's template against Zalo; status 1 if any is not usable."""
    try:
        book = TemplateBook.load(settings.zalo_oa_templates)
    except TemplateError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not settings.zalo_oa_templates.exists():
        print(f"{settings.zalo_oa_templates}: no such file; no notice has a template")

    async def work(api: ZaloOaApi, keeper: TokenKeeper, repo: ZaloOaRepo) -> int:
        token, _ = await keeper.token()
        results = await check(book, api, token)
        for r in results:
            head = f"{r.kind}: template {r.template_id}" if r.template_id else f"{r.kind}:"
            if r.ok:
                print(f"ok    {head}, approved, {r.price} VND a message")
            for problem in r.problems:
                print(f"{'FAIL' if r.template_id else 'none'}  {head} {problem}")
        broken = [r for r in results if r.template_id and not r.ok]
        print(
            f"{sum(r.ok for r in results)} of {len(results)} kinds of notice can go by template;"
            f" {len(broken)} configured wrongly"
        )
        return 1 if broken else 0

    return await _connected(settings, work)


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds `zalo-oa token` and `zalo-oa templates check` to the command line."""
    oa = sub.add_parser("zalo-oa", help="the Zalo Official Account").add_subparsers(
        dest="zalo_oa_command"
    )
    oa.add_parser("token", help="make sure the OA has a valid access token").set_defaults(
        func=cmd_token
    )
    templates = oa.add_parser("templates", help="the template file").add_subparsers(
        dest="templates_command"
    )
    templates.add_parser(
        "check", help="check KETNOI_ZALO_OA_TEMPLATES against the templates Zalo holds"
    ).set_defaults(func=cmd_templates_check)
