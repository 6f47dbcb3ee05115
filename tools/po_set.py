"""Set translations in a catalog: `python tools/po_set.py vi < translations.json`.

The JSON maps msgid -> msgstr (or msgid -> [singular, plural] for ngettext entries).
Run `make catalogs` first so that the msgids exist; unknown msgids are reported, not added.
The catalog file is locked while it is rewritten, so several people can fill it at once.
"""

from __future__ import annotations

import fcntl
import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def main() -> int:
    """Merge the JSON on stdin into locales/LOCALE/LC_MESSAGES/messages.po."""
    locale = sys.argv[1]
    path = (
        Path(__file__).resolve().parent.parent / "locales" / locale / "LC_MESSAGES" / "messages.po"
    )
    wanted: dict[str, str | list[str]] = json.load(sys.stdin)
    with open(path, "r+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        catalog = read_po(fh, locale=locale)
        missing = []
        for msgid, msgstr in wanted.items():
            message = catalog.get(msgid)
            if message is None:
                plural = next(
                    (m for m in catalog if isinstance(m.id, tuple) and m.id[0] == msgid), None
                )
                if plural is None:
                    missing.append(msgid)
                    continue
                message = plural
            message.string = tuple(msgstr) if isinstance(msgstr, list) else msgstr
            message.flags.discard("fuzzy")
        fh.seek(0)
        fh.truncate()
        write_po(fh, catalog, width=100, omit_header=False)
    for msgid in missing:
        print(f"not in the catalog (run make catalogs?): {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
