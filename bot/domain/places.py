"""Hanoi's 126 wards and communes since 1 July 2025, Vietnam's 34 provinces, and matching of
what a producer types for them: with or without diacritics, with typos, by an old district or
commune name or by her craft village. The bot confirms a match from the short list returned.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Final, Literal, NamedTuple, TypeAlias

import yaml
from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz, process

from bot.domain.textnorm import fold

__all__ = [
    "DATA_PATH",
    "MatchedOn",
    "Province",
    "Ward",
    "WardMatch",
    "get_ward",
    "match_province",
    "match_ward",
    "provinces",
    "sure_ward",
    "wards",
]

DATA_PATH: Final = Path(__file__).resolve().parents[2] / "data" / "hanoi_wards.yaml"

MatchedOn: TypeAlias = Literal["name", "alias", "district"]
_Variants: TypeAlias = list[tuple[list[str], bool]]  # words, and whether as typed
_Phrases: TypeAlias = tuple[list[str], ...]

_CUTOFF: Final = 82.0  # below this a match is not worth offering
_BEHIND: Final = 15.0  # nor one this far behind the best
_A_NAME: Final = 95.0  # all the words are (nearly) a name: its parts are not looked up alone
_AS_TYPED: Final = 90.0  # the words with a leading noise word must be this close to a name
_PARTLY: Final = 0.9  # an old commune of which only a part came to this ward
_DISTRICT: Final = 0.9  # a ward of the old district named; 0.85 if not its main district
_MAX_WORDS: Final = 24
_SPLIT: Final = re.compile(r"[,;:|/\n]+")


def _phrases(csv: str) -> _Phrases:
    return tuple(phrase.split() for phrase in csv.split(","))


# Words people put around a place name, dropped only at the start (prefixes) or end (suffixes).
_ADMIN = "thi xa,thi tran,thanh pho,phuong,p,xa,x,quan,q,huyen,h,tx,tt,tp"
_WARD_PREFIXES: Final = _phrases(_ADMIN + ",lang nghe,lang,thon,xom")
_WARD_SUFFIXES: Final = _phrases("ha noi,hanoi,hn,viet nam,vn,thanh pho,tp")
_PROVINCE_PREFIXES: Final = _phrases("thanh pho,tinh,tp,t")
_PROVINCE_SUFFIXES: Final = _phrases("viet nam,vn")


class Ward(BaseModel):
    """A phường or xã of Hanoi; `code` is the GSO code, the id to store."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    code: str
    name: str
    kind: Literal["phuong", "xa"]
    former_districts: tuple[str, ...] = Field(alias="former_district")
    aliases: tuple[str, ...] = ()
    villages: tuple[str, ...] = ()
    partly: tuple[str, ...] = ()


class Province(BaseModel):
    """A province or centrally-run city since 12 June 2025."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: Literal["tinh", "thanh_pho"]
    merged_from: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


class WardMatch(BaseModel):
    """A candidate ward, how sure (0-100), and which name of it matched (`matched`)."""

    model_config = ConfigDict(frozen=True)

    ward: Ward
    score: float
    matched_on: MatchedOn
    matched: str


class _Key(NamedTuple):
    target: int  # index of the ward, district or province
    label: str  # as written in the data
    matched_on: MatchedOn
    weight: float
    priority: int  # breaks ties: name > village > alias > partly > district


class _Hit(NamedTuple):
    score: float
    priority: int
    key: _Key
    segment: int


@dataclass(slots=True)
class _Index:
    keys: list[_Key] = field(default_factory=list)
    groups: dict[int, tuple[list[str], list[int]]] = field(default_factory=dict)  # by word count

    def add(self, text: str, key: _Key) -> None:
        folded = fold(text)
        choices, ids = self.groups.setdefault(len(folded.split()), ([], []))
        choices.append(folded)
        ids.append(len(self.keys))
        self.keys.append(key)

    def scan(self, words: list[str], whole: bool) -> list[tuple[_Key, float]]:
        """Each key close to all the words, or to some run of them, with its best score."""
        best: dict[int, float] = {}
        text = " ".join(words)
        longest = min(len(words), max(self.groups) + 1)
        for size in [len(words)] if whole else range(1, longest + 1):
            for start in range(len(words) - size + 1):
                window = " ".join(words[start : start + size])
                part = _share(len(window), len(text), size)
                for n in (size - 1, size, size + 1):
                    choices, ids = self.groups.get(n, ([], []))
                    for _, score, i in process.extract(
                        window, choices, scorer=fuzz.ratio, score_cutoff=_CUTOFF, limit=None
                    ):
                        best[ids[i]] = max(best.get(ids[i], 0.0), score * part)
        return [(self.keys[k], s) for k, s in best.items()]


def _share(window: int, text: int, words: int) -> float:
    """What a match of part of the text is worth: the less of it, the less; one word much less."""
    return 1.0 if window == text else 0.85 if words == 1 else 0.9 + 0.09 * window / text


@dataclass(frozen=True, slots=True)
class _Places:
    wards: tuple[Ward, ...]
    provinces: tuple[Province, ...]
    by_district: dict[str, list[tuple[int, bool]]]  # ward index, and whether it is its main one
    ward_index: _Index
    district_index: _Index
    province_index: _Index


@cache
def _places() -> _Places:
    raw = yaml.safe_load(DATA_PATH.read_text(encoding="utf-8"))
    ward_list = tuple(Ward.model_validate(w) for w in raw["wards"])
    province_list = tuple(Province.model_validate(p) for p in raw["provinces"])
    wi, di, pi = _Index(), _Index(), _Index()
    by_district: dict[str, list[tuple[int, bool]]] = {}
    for i, w in enumerate(ward_list):
        wi.add(w.name, _Key(i, w.name, "name", 1.0, 4))
        kinds = ((w.villages, 1.0, 3), (w.aliases, 1.0, 2), (w.partly, _PARTLY, 1))
        for names, weight, priority in kinds:
            for name in names:
                wi.add(name, _Key(i, name, "alias", weight, priority))
        for d in w.former_districts:
            by_district.setdefault(d, []).append((i, d == w.former_districts[0]))
    for i, d in enumerate(by_district):
        di.add(d, _Key(i, d, "district", 1.0, 0))
    for i, p in enumerate(province_list):
        pi.add(p.name, _Key(i, p.name, "name", 1.0, 2))
        for name in (*p.merged_from, *p.aliases):
            pi.add(name, _Key(i, name, "alias", 1.0, 1))
    return _Places(ward_list, province_list, by_district, wi, di, pi)


def wards() -> tuple[Ward, ...]:
    """All 126 wards and communes, in the official order."""
    return _places().wards


def provinces() -> tuple[Province, ...]:
    """All 34 provinces and centrally-run cities, Hanoi first."""
    return _places().provinces


def get_ward(code: str) -> Ward | None:
    """The ward with this GSO code, if any."""
    return _wards_by_code().get(code)


@cache
def _wards_by_code() -> dict[str, Ward]:
    return {w.code: w for w in _places().wards}


def _segments(text: str, prefixes: _Phrases, suffixes: _Phrases) -> list[_Variants]:
    """Each comma-separated part of the text without trailing noise ("Hà Nội"): as typed, then
    without each leading noise word in turn. Only the last is searched for a run of its words;
    the others count whole, for names that begin like noise ("Quan Hoa", "Xà Cầu", "Láng")."""
    segments = []
    for part in _SPLIT.split(text):
        words = fold(part).split()[:_MAX_WORDS]
        while tail := next((p for p in suffixes if words[-len(p) :] == p), None):
            words = words[: -len(tail)]
        found = [words]
        while head := next((p for p in prefixes if found[-1][: len(p)] == p), None):
            if not (rest := found[-1][len(head) :]):
                break
            found.append(rest)
        if words:
            segments.append([(w, i < len(found) - 1) for i, w in enumerate(found)])
    return segments


def _typed(text: str) -> str:
    """Lower-case words with their diacritics, to prefer the exact spelling typed."""
    words = re.split(r"[\W_]+", unicodedata.normalize("NFC", text.lower()))
    return " " + " ".join(w for w in words if w) + " "


def _lookup(words: list[str], as_typed: bool, *indexes: _Index) -> list[tuple[_Key, float]]:
    """Keys matching the words: all of them if they are a name, else any run of them. Words as
    typed, leading noise word and all, are taken only whole and only if close to a name: many
    names begin like noise ("Phương Liệt", "Quan Hoa", "Xà Cầu")."""
    found = [hit for index in indexes for hit in index.scan(words, whole=True)]
    if as_typed:
        found = [(key, s) for key, s in found if s >= _AS_TYPED]
    elif max((s for _, s in found), default=0.0) < _A_NAME:
        found = [hit for index in indexes for hit in index.scan(words, whole=False)]
    return [(key, s * key.weight) for key, s in found]


def match_ward(text: str, limit: int = 3) -> list[WardMatch]:
    """The wards of Hanoi the text most likely means, best first; [] when none is close."""
    places = _places()
    hits: dict[int, _Hit] = {}
    named: list[set[str]] = []  # the old districts named in each segment

    def keep(key: _Key, score: float, seg: int) -> None:
        if (score, key.priority) > hits.get(key.target, _Hit(0.0, -1, key, seg))[:2]:
            hits[key.target] = _Hit(score, key.priority, key, seg)

    for seg, variants in enumerate(_segments(text, _WARD_PREFIXES, _WARD_SUFFIXES)):
        named.append(set())
        for words, as_typed in variants:
            for key, s in _lookup(words, as_typed, places.ward_index, places.district_index):
                if key.matched_on != "district":
                    keep(key, s, seg)
                    continue
                if s >= 90:
                    named[seg].add(key.label)
                for i, main in places.by_district[key.label]:
                    keep(key._replace(target=i), s * (_DISTRICT if main else 0.85), seg)

    typed = _typed(text)

    def rank(i: int) -> tuple[float, bool, bool, int, int]:
        score, priority, key, seg = hits[i]
        districts = places.wards[i].former_districts
        elsewhere = any(d in ds for s, ds in enumerate(named) if s != seg for d in districts)
        return (-round(score, 1), _typed(key.label) not in typed, not elsewhere, -priority, i)

    floor = max(_CUTOFF, max((h.score for h in hits.values()), default=0.0) - _BEHIND)
    best = sorted((i for i in hits if hits[i].score >= floor), key=rank)[:limit]
    return [
        WardMatch(
            ward=places.wards[i],
            score=round(hits[i].score, 1),
            matched_on=hits[i].key.matched_on,
            matched=hits[i].key.label,
        )
        for i in best
    ]


def match_province(text: str, limit: int = 3) -> list[Province]:
    """The provinces or cities the text most likely means (old province names too), best first."""
    places = _places()
    typed = _typed(text)
    ranks: dict[int, tuple[float, bool, int]] = {}  # best first, like match_ward's
    for variants in _segments(text, _PROVINCE_PREFIXES, _PROVINCE_SUFFIXES):
        for words, as_typed in variants:
            for key, s in _lookup(words, as_typed, places.province_index):
                rank = (-round(s, 1), _typed(key.label) not in typed, -key.priority)
                ranks[key.target] = min(ranks.get(key.target, rank), rank)
    floor = min((r[0] for r in ranks.values()), default=0.0) + _BEHIND
    best = sorted((i for i in ranks if ranks[i][0] <= floor), key=lambda i: (ranks[i], i))
    return [places.provinces[i] for i in best[:limit]]


def sure_ward(text: str, found: Sequence[WardMatch]) -> WardMatch | None:
    """The one ward of `found` (match_ward's answer for `text`) that needs no pick: the only
    current ward whose name the text is ("bat trang", "xã Bát Tràng"), or the only one the rest
    of the text points to by its current name or old district ("van phuc ha dong"); None when
    she must choose."""
    if not found:
        return None
    words = fold(text).split()
    while tail := next((p for p in _WARD_SUFFIXES if words[-len(p) :] == p), None):
        words = words[: -len(tail)]  # "bat trang ha noi"
    while (head := next((p for p in _WARD_PREFIXES if words[: len(p)] == p), None)) and words[
        len(head) :
    ]:
        words = words[len(head) :]  # "xa bat trang"
    typed = " ".join(words)
    top = max(m.score for m in found)
    best = [m for m in found if m.score >= top]
    named = [m for m in best if m.matched == m.ward.name and fold(m.ward.name) == typed]
    if len(best) == 1 and len(named) == 1:
        return named[0]
    if len(named) == 1 and _current_names()[typed] == 1:
        spelled = _typed(text)
        if _typed(named[0].ward.name) in spelled and not any(
            _typed(m.matched) in spelled for m in best if m is not named[0]
        ):
            return named[0]  # "Sơn Đồng" typed with its marks: not the old "Sơn Đông"
    hinted = [m for m in found if _hinted(typed, m)]
    return hinted[0] if len(hinted) == 1 else None


@functools.cache
def _current_names() -> Counter[str]:
    """How many current wards have each name, folded."""
    return Counter(fold(w.name) for w in wards())


@functools.cache
def _other_names(code: str) -> frozenset[str]:
    """Every name of a ward, folded: current, old districts, old communes, villages."""
    ward = get_ward(code)
    if ward is None:
        return frozenset()
    names = (ward.name, *ward.former_districts, *ward.aliases, *ward.villages)
    return frozenset(fold(n) for n in names)


def _hinted(typed: str, match: WardMatch) -> bool:
    """Whether the text names, besides the name matched, another name of the same ward: its
    current name, an old district, an old commune or a village (as whole words)."""
    matched = fold(match.matched)
    rest = f" {typed} ".replace(f" {matched} ", " ", 1)
    if rest == f" {typed} ":
        return False
    hints = _other_names(match.ward.code) - {matched}
    return any(f" {h} " in rest for h in hints if h)
