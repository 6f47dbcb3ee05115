"""`ketnoi export enterprises|booths --format csv|xlsx -o FILE --purpose P`: the staff's exports
on the server (run by server staff, so phones and tax codes are included, personal ID numbers
masked), logged with their purpose."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.core.config import Settings
from bot.dialog.router import Router
from bot.domain.places import get_ward, match_ward
from bot.domain.sectors import SECTORS
from bot.services.exports import (
    PURPOSES,
    ExportFilter,
    Format,
    What,
    make_export,
    statuses_of,
)

__all__ = ["add_parsers", "cmd_export"]

# main.py's way to open the App, run some work with its router and close it again
Opener = Callable[[Settings, Callable[[Router], Awaitable[int]]], Awaitable[int]]


class _Bad(ValueError):
    """An argument names nothing we know."""


def _ward(text: str) -> str:
    """A ward code from a code or a name ('Bát Tràng', 'bat trang')."""
    if text.isdecimal() and get_ward(text.zfill(5)) is not None:
        return text.zfill(5)
    found = match_ward(text)
    if found and found[0].score >= 90 and (len(found) == 1 or found[1].score < found[0].score):
        return found[0].ward.code
    names = ", ".join(f"{m.ward.name} ({m.ward.code})" for m in found) or "none"
    raise _Bad(f"--ward {text!r}: not one Hanoi ward or commune (close: {names})")


async def _filter(args: argparse.Namespace, router: Router) -> ExportFilter:
    what = What(args.what)
    if args.status and args.status not in statuses_of(what):
        raise _Bad(f"--status {args.status!r}: expected one of {', '.join(statuses_of(what))}")
    if args.sector and args.sector not in SECTORS:
        raise _Bad(f"--sector {args.sector!r}: expected one of {', '.join(SECTORS)}")
    fair_id = None
    if args.fair:
        fair = await router.services.fairs.by_key(args.fair)
        if fair is None:
            raise _Bad(f"--fair {args.fair!r}: no such fair (see `ketnoi fairs list`)")
        fair_id = fair.id
    return ExportFilter(
        what=what,
        status=args.status,
        sector=args.sector,
        ward=_ward(args.ward) if args.ward else None,
        fair=fair_id,
    )


async def cmd_export(args: argparse.Namespace, router: Router) -> int:
    """Write the filtered registrations or booth applications to a file."""
    svc = router.services
    output = Path(args.output)
    fmt: Format = args.format or ("csv" if output.suffix.lower() == ".csv" else "xlsx")
    purpose = " ".join(args.purpose.split())
    try:
        if len(purpose) < 3:
            raise _Bad(f"--purpose {args.purpose!r}: say what the file is for, e.g. contact")
        flt = await _filter(args, router)
    except _Bad as exc:
        print(f"ketnoi export: {exc}", file=sys.stderr)
        return 2
    lang = svc.i18n.get(args.lang or svc.settings.locale)
    export = await make_export(svc, flt, lang, fmt, personal=True)
    try:
        output.write_bytes(export.document.content)
    except OSError as exc:
        print(f"ketnoi export: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    filters = flt.model_dump(mode="json", exclude_none=True)
    await svc.audit.record_cli(
        f"export.{flt.what.value}",
        str(output),
        {**filters, "format": fmt, "rows": export.rows, "personal": True, "purpose": purpose},
    )
    print(f"{output}: {export.rows} rows ({flt.what.value}, {fmt})")
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], run: Opener) -> None:
    """`export enterprises|booths` on the main parser; `run` opens the App for it."""

    async def go(args: argparse.Namespace, settings: Settings) -> int:
        return await run(settings, lambda router: cmd_export(args, router))

    p = sub.add_parser("export", help="registrations or booth applications as .xlsx or .csv")
    p.add_argument("what", choices=[w.value for w in What])
    p.add_argument("--format", choices=("csv", "xlsx"), help="default: from the file name")
    p.add_argument("-o", "--output", required=True, help="the file to write")
    p.add_argument(
        "--purpose",
        required=True,
        help=f"what the file is for, recorded in the audit log ({', '.join(PURPOSES)} or words)",
    )
    p.add_argument("--status", help="pending|approved|rejected, or a booth status")
    p.add_argument("--sector", help="a sector key, e.g. ceramics")
    p.add_argument("--ward", help="a Hanoi ward or commune: its name or code")
    p.add_argument("--fair", help="a fair key (see `ketnoi fairs list`)")
    p.add_argument(
        "--lang", choices=("vi", "en"), help="headers and names (default: KETNOI_LOCALE)"
    )
    p.set_defaults(func=go)
