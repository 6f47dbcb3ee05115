"""Reading what people type, once for every conversation: an option of the last menu by its
number or label, several options at once, and the words that stand for yes, no, back and skip
(compared folded, so "co" is "Có" and "dong y" is "Đồng ý"). The step machine
(`bot/dialog/steps.py`) and the router use it; nothing here knows a flow."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from bot.domain.textnorm import fold

__all__ = [
    "BACK",
    "BACK_WORDS",
    "LONGEST",
    "NO_WORDS",
    "SKIP",
    "SKIP_WORDS",
    "YES_WORDS",
    "NoSuchOption",
    "Unclear",
    "folded",
    "menu_choice",
    "read_several",
    "stands_for",
]

BACK: Final = "back"  # the value of a Back button, and what a typed back word stands for
SKIP: Final = "skip"  # the value of a Skip button, and what a typed skip word stands for

# Whole answers, folded (lower case, no diacritics): "Có" and "co", "Đồng ý" and "dong y".
YES_WORDS: Final = frozenset(
    {
        "co", "dong y", "ok", "oke", "okay", "yes", "y", "agree", "i agree", "u", "uh", "um",
        "vang", "da", "da vang", "dung roi", "uh dung roi", "chinh xac", "duoc",
        "xac nhan", "dong y gui", "gui", "gui di", "ok gui di", "confirm",
    }
)  # fmt: skip
NO_WORDS: Final = frozenset(
    {
        "khong", "ko", "k", "no", "khong dong y", "thoi", "no thanks", "huy", "khong can",
        "khong phai", "khong muon", "chua",
    }
)  # fmt: skip
BACK_WORDS: Final = frozenset(
    {"quay lai", "tro lai", "quay ve", "lui lai", "back", "go back", "sai roi", "nham roi"}
)
SKIP_WORDS: Final = frozenset(
    {
        "bo qua", "skip", "khong", "ko", "khong co", "chua co", "khong can", "khong nho",
        "khong biet", "none",
    }
)  # fmt: skip
LONGEST: Final = 24  # no word above is longer: longer text is never folded to look for one
_PARTS: Final = re.compile(r"[,;\n+&]")
_JOINERS: Final = frozenset({"va", "and"})


@functools.lru_cache(maxsize=4096)  # the router folds the same text first; labels come back
def folded(text: str) -> str:
    """`fold(text)`, kept for the next call with the same text."""
    return fold(text)


def menu_choice(text: str, menu: list[tuple[str, str]]) -> str | None:
    """The payload a typed answer picks from the last menu shown: a bare number (how Zalo users
    answer) or an option's label, with or without diacritics; None if it picks none."""
    if not menu:
        return None
    stripped = text.strip().rstrip(".)")
    if stripped.isascii() and stripped.isdigit():
        n = int(stripped)
        return menu[n - 1][1] if 1 <= n <= len(menu) else None
    typed = folded(text)
    if not typed:
        return None
    for label, payload in menu:
        if folded(label) == typed:
            return payload
    return None


@dataclass(frozen=True, slots=True)
class NoSuchOption:
    """A typed number that is no option: `number`, when options go from 1 to `last`."""

    number: int
    last: int


@dataclass(frozen=True, slots=True)
class Unclear:
    """A typed part that names no option, or more than one."""

    part: str


def read_several(
    text: str, keys: Sequence[str], label: Callable[[str], str], *, done: bool = True
) -> set[str] | NoSuchOption | Unclear:
    """The options (`keys`, in the order shown; `label(key)` as shown) a typed answer names at
    once: by number ("1 3", "1, 3", "1 va 3") or by label or the unique start of one
    ("gom; son mai"). With `done`, the number after the last option is that of a Done button
    shown after them, and names nothing."""
    words = folded(text).split()
    if any(w.isdigit() for w in words) and all(w.isdigit() or w in _JOINERS for w in words):
        found: set[str] = set()
        for n in (int(w) for w in words if w.isdigit()):
            if done and n == len(keys) + 1:
                continue
            if not 1 <= n <= len(keys):
                return NoSuchOption(n, len(keys))
            found.add(keys[n - 1])
        return found
    names = {folded(label(key)): key for key in keys}
    found = set()
    for part in map(folded, _PARTS.split(text)):
        if not part:
            continue
        key = names.get(part) or _unique_prefix(part, names)
        if key is None:
            return Unclear(part)
        found.add(key)
    return found


def _unique_prefix(part: str, names: dict[str, str]) -> str | None:
    """The one option whose label starts with what was typed ("gom" for "Gốm sứ")."""
    hits = {key for name, key in names.items() if name.startswith(part)}
    return hits.pop() if len(hits) == 1 else None


def stands_for(
    text: str,
    *,
    back: bool = False,
    yes: str | None = None,
    no: str | None = None,
    skip: bool = False,
) -> str | None:
    """What a short typed answer stands for where these words are read: BACK, `yes`, `no` or
    SKIP; None if it is none of them (or too long to be one)."""
    if len(text) > LONGEST:
        return None
    word = folded(text)
    if back and word in BACK_WORDS:
        return BACK
    if yes is not None and word in YES_WORDS:
        return yes
    if no is not None and word in NO_WORDS:
        return no
    if skip and word in SKIP_WORDS:
        return SKIP
    return None
