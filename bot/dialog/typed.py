"""Reading what people type, once for every conversation: an option of the last menu by its
number or label, several options at once, and the words that stand for yes, no, back and skip
(compared folded, so "co" is "Có" and "dong y" is "Đồng ý"). The step machine
(`bot/dialog/steps.py`) and the router use it; nothing here knows a flow."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from bot.core.types import Reply
from bot.domain.textnorm import fold

__all__ = [
    "BACK",
    "BACK_WORDS",
    "LONGEST",
    "NO_WORDS",
    "NUMBERED",
    "SAME_WORDS",
    "SKIP",
    "SKIP_WORDS",
    "YES_WORDS",
    "Aside",
    "NoSuchOption",
    "Unclear",
    "folded",
    "menu_choice",
    "read_several",
    "says_done",
    "stands_for",
]

# Channels that show options as a numbered list, answered by typing (Zalo has no buttons that
# carry a payload: https://bot.zaloplatforms.com/docs/apis/sendMessage/); elsewhere they are
# buttons, unnumbered, and prompts say "tap".
NUMBERED: Final = frozenset({"zalo", "zalo_oa", "console"})
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
DONE_WORDS: Final = frozenset(
    {"xong", "xong roi", "done", "het", "het roi", "du roi", "the thoi", "vay thoi", "chi vay"}
)  # the end of a several-answers question, as its Done option
SAME_WORDS: Final = frozenset(
    {
        "nhu ho so", "nhu trong ho so", "giong ho so", "theo ho so", "nhu da dang ky",
        "nhu dang ky", "nhu cu", "nhu tren", "nhu trong ho so dang ky", "as registered", "same",
    }
)  # fmt: skip  # "as in my registration": the answer given there
LONGEST: Final = 24  # no word above is longer: longer text is never folded to look for one
_PARTS: Final = re.compile(r"[,;\n+&]")
_JOINERS: Final = frozenset({"va", "and"})
_JOINED: Final = re.compile(r" (?:va|and|voi) ")


@functools.lru_cache(maxsize=4096)  # the router folds the same text first; labels come back
def folded(text: str) -> str:
    """`fold(text)`, kept for the next call with the same text."""
    return fold(text)


def menu_choice(text: str, menu: list[tuple[str, str]]) -> str | None:
    """The payload a typed answer picks from the last menu shown: a bare number (how Zalo users
    answer), an option's label with or without diacritics (or a yes word before it: "dong y
    nhan"), its first words ("dong y" for "Đồng ý rút đơn"), or a yes or no word at a
    confirmation, whose options start one with a yes word, one with a no word ("co" for "Đồng ý
    rút đơn"); None if it picks none."""
    if not menu:
        return None
    stripped = text.strip().rstrip(".)")
    if stripped.isascii() and stripped.isdecimal():
        n = int(stripped)
        return menu[n - 1][1] if 1 <= n <= len(menu) else None
    typed = folded(text)
    if not typed:
        return None
    labels, exact, yes, no = _menu_words(tuple((label, payload) for label, payload in menu))
    if typed in exact:
        return exact[typed]
    said = typed.split()
    lead = _lead(said, YES_WORDS)
    if lead and lead < len(said):  # "dong y nhan": a yes word, then the option's label
        rest = said[lead:]
        hits = [p for words, p in labels if words == rest or words[-len(rest) :] == rest]
        if len(hits) == 1:
            return hits[0]
    # "co", "ok" at a confirmation (one option starting with a yes word, one with a no word)
    if len(yes) == 1 and len(no) == 1:
        if typed in YES_WORDS:
            return yes[0]
        if typed in NO_WORDS:
            return no[0]
    if len(said) > 1:  # the first words of one option: "dong y" for "Đồng ý rút đơn"
        hits = [p for words, p in labels if words[: len(said)] == said]
        if len(hits) == 1:
            return hits[0]
    return None


_Words = tuple[tuple[list[str], str], ...]


@functools.lru_cache(maxsize=512)  # the same few menus are shown to everyone
def _menu_words(
    menu: tuple[tuple[str, str], ...],
) -> tuple[_Words, dict[str, str], list[str], list[str]]:
    """A menu's labels as folded words, by folded label, and its options starting with a yes
    word and with a no word (the first exact label wins, as it did when compared in order)."""
    labels = tuple((folded(label).split(), payload) for label, payload in menu)
    exact: dict[str, str] = {}
    for words, payload in labels:
        exact.setdefault(" ".join(words), payload)
    yes = [p for words, p in labels if _lead(words, YES_WORDS)]
    no = [p for words, p in labels if _lead(words, NO_WORDS)]
    return labels, exact, yes, no


def _lead(words: list[str], phrases: frozenset[str]) -> int:
    """How many of the first `words` make the longest of `phrases` they start with (0: none)."""
    for n in range(min(len(words), 4), 0, -1):
        if " ".join(words[:n]) in phrases:
            return n
    return 0


@dataclass(frozen=True, slots=True)
class Aside:
    """Typed text at a step read as a question: answered (`replies`), or perhaps a question,
    perhaps the answer (`replies` None: the machine asks which)."""

    replies: list[Reply] | None = None


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
    text: str,
    keys: Sequence[str],
    label: Callable[[str], str],
    *,
    done: bool = True,
    synonyms: Mapping[str, str] | None = None,
) -> set[str] | NoSuchOption | Unclear:
    """The options (`keys`, in the order shown; `label(key)` as shown) a typed answer names at
    once: by number ("1 3", "1, 3", "1 va 3") or by label or the unique start of one
    ("gom; son mai", "san xuat va ban le"), or by one of `synonyms` (folded wording -> key). With
    `done`, the number after the last option is that of a Done button
    shown after them, and names nothing, as Done words do (`says_done`)."""
    words = folded(text).split()
    joiners = _JOINERS | DONE_WORDS if done else _JOINERS
    if any(w.isdecimal() for w in words) and all(w.isdecimal() or w in joiners for w in words):
        found: set[str] = set()
        for n in (int(w) for w in words if w.isdecimal()):
            if done and n == len(keys) + 1:
                continue
            if not 1 <= n <= len(keys):
                return NoSuchOption(n, len(keys))
            found.add(keys[n - 1])
        return found
    names = {folded(label(key)): key for key in keys}
    names |= {w: k for w, k in (synonyms or {}).items() if k in keys and w not in names}
    found = set()
    for part in map(folded, _PARTS.split(text)):
        if not part or (done and part in DONE_WORDS):
            continue
        key = names.get(part) or _unique_prefix(part, names)
        if key is not None:
            found.add(key)
            continue
        for piece in _JOINED.split(part):  # "san xuat va ban le"
            key = names.get(piece) or _unique_prefix(piece, names)
            if key is None:
                return Unclear(part)
            found.add(key)
    return found


def says_done(text: str, options: int) -> bool:
    """Whether a typed answer to a several-answers question of `options` options ends it: the
    number after the last option (that of Done) or a Done word ("xong"), alone or after
    the options ("2 3 5", "san xuat, xong")."""
    typed = folded(text)
    if typed in DONE_WORDS:
        return True
    words = typed.replace(",", " ").split()
    if str(options + 1) in words and all(w.isdecimal() or w in _JOINERS for w in words):
        return True
    return any(folded(part) in DONE_WORDS for part in _PARTS.split(text))


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
