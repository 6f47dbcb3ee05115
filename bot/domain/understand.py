"""What a producer's free text asks: folding, abbreviations, entities and the intent (no I/O).

The text is folded, shorthand is expanded ("dk" -> "dang ky"), typos are corrected against the
known words, sectors, places and times become entity tokens, and synonyms become concept tokens
(`bot.domain.lexicon`). The tokens are then compared with every example phrasing of every intent
(built-in intents and FAQ entries) by IDF-weighted overlap of words and word pairs.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz, process

from bot.domain.lexicon import (
    ABBREVIATIONS,
    ACCENTED_CONCEPTS,
    ACCENTED_ONLY,
    CONCEPTS,
    FAQ_INTENTS,
    FILLERS,
    INTENT_EXAMPLES,
    PLACE_CUES,
    SECTOR_WORDS,
)
from bot.domain.periods import Period, find_period
from bot.domain.places import match_province, match_ward
from bot.domain.textnorm import fold

__all__ = [
    "Candidate",
    "Entities",
    "Matcher",
    "PlaceRef",
    "Understanding",
    "might_ask",
    "normalize",
]

SECTOR, PLACE, TIME, PAST, PROVINCE = "_sector", "_place", "_time", "_past", "_province"
NUMBER, NEXT = "_number", "_next"
_LIGHT: Final = FILLERS | {NUMBER, NEXT}  # "the next fair" asks what "the fair" asks
_SLOTS: Final = {"{sector}": SECTOR, "{place}": PLACE, "{time}": TIME}
_ANY: Final = "{any}"  # in an example: once without an entity, once with each
_ENTITIES: Final = frozenset({SECTOR, PLACE, TIME, PROVINCE})
_IY: Final = re.compile(r"^(?:k|l|m|t|s|h|qu|n|v|d)y$")
_SWAPS: Final = (("j", "i"), ("w", "qu"), ("f", "ph"), ("z", "d"), ("z", "gi"))

_PLACE_SCORE: Final = 92.0  # match_ward score for a place named in a question
_FIX_SCORE: Final = 80.0  # a typo is corrected to a known word this close
_FILLER_WEIGHT: Final = 0.1
_ENTITY_FACTOR: Final = 0.5  # what is asked about matters less than what is asked
_ASKING: Final = frozenset({"_when", "_where", "_left"})  # what a question about a fair asks
_ASKING_FACTOR: Final = 1.5
_UNKNOWN_WEIGHT: Final = 2.5  # a word no example has: likely a question we cannot answer
_PAIR_WEIGHT: Final = 0.6
SURE: Final = 0.55  # best score at which the bot answers without asking
MARGIN: Final = 0.06  # ... if the runner-up is at least this far behind
UNSURE: Final = 0.3  # below this, nothing matched
# What makes a text a question, whatever it asks (folded): a question typed in the middle of a
# conversation is answered, not taken as the answer.
_QUESTION_TOKENS: Final = frozenset({"_when", "_where", "_left", "_howlong"})
_QUESTION_WORDS: Final = frozenset({"gi", "nao", "how", "what", "when", "where", "why"})
_QUESTION_PHRASES: Final = (
    "bao nhieu",
    "the nao",
    "o dau",
    "cho hoi",
    "co phai",
    "tai sao",
    "vi sao",
)
_GREETINGS: Final = frozenset({"chao", "xin chao", "alo", "hello", "hi", "good morning"})
_CLOSING: Final = frozenset({"khong", "ko", "k", "chua", "a", "nhi", "vay"})
_OPENING: Final = frozenset({"hoi", "sao", "is", "are", "do", "does", "can"})


class PlaceRef(BaseModel):
    """A Hanoi place named in the text: the words typed, the ward(s) meant and a display name."""

    model_config = ConfigDict(frozen=True)

    words: str
    name: str
    wards: tuple[str, ...]


class Entities(BaseModel):
    """Sectors, place, province and time named in the text."""

    model_config = ConfigDict(frozen=True)

    sectors: tuple[str, ...] = ()
    place: PlaceRef | None = None
    province: str | None = None
    period: Period | None = None


class Candidate(BaseModel):
    """An intent and how well the text matches it (0–1)."""

    model_config = ConfigDict(frozen=True)

    intent: str
    score: float


class Understanding(BaseModel):
    """The reading of one message: tokens, entities, the best intents and how sure we are."""

    model_config = ConfigDict(frozen=True)

    text: str
    folded: str
    tokens: tuple[str, ...]
    language: Literal["vi", "en"] | None
    entities: Entities
    candidates: tuple[Candidate, ...]
    status: Literal["sure", "unsure", "none"]

    @property
    def intent(self) -> str | None:
        """The intent to answer, when sure."""
        return self.candidates[0].intent if self.status == "sure" else None

    @property
    def score(self) -> float:
        """The best score."""
        return self.candidates[0].score if self.candidates else 0.0

    @property
    def greets(self) -> bool:
        """Whether the text opens with a greeting ("chào em, …", "hello")."""
        words = self.folded.split()
        return bool(words) and (words[0] in _GREETINGS or " ".join(words[:2]) in _GREETINGS)

    @property
    def asks(self) -> bool:
        """Whether the text is worded as a question (a question mark, a question word, or the
        closing "không"/"chưa" of a yes/no question), whatever it asks."""
        words = self.folded.split()
        if "?" in self.text or any(t in _QUESTION_TOKENS for t in self.tokens):
            return True
        if words and (words[-1] in _CLOSING or words[0] in _OPENING):
            return len(words) > 1
        return any(w in _QUESTION_WORDS for w in words) or any(
            p in self.folded for p in _QUESTION_PHRASES
        )


def _iy(word: str) -> str:
    """`ky`/`ki`, `ly`/`li`… are spelled both ways; use one."""
    return word[:-1] + "i" if _IY.match(word) else word


def _phrases(table: Mapping[str, str]) -> dict[tuple[str, ...], str]:
    return {tuple(_iy(w) for w in phrase.split()): value for phrase, value in table.items()}


_CONCEPTS: Final = _phrases(CONCEPTS)
_SECTORS: Final = _phrases(SECTOR_WORDS)
_LONGEST: Final = max(len(p) for p in (*_CONCEPTS, *_SECTORS))


def _expand(words: Iterable[str]) -> list[str]:
    return [part for w in words for part in ABBREVIATIONS.get(w, w).split()]


def _accented(typed: str, word: str) -> bool:
    """Whether `word` (with its diacritics) was typed as a word of its own."""
    return re.search(rf"(?<!\w){word}(?!\w)", typed) is not None


class _Reading:
    """One text being read: its words, and what each span of them was found to be."""

    def __init__(self, text: str) -> None:
        self.typed = unicodedata.normalize("NFC", text.lower())
        placeholders = text
        for slot, token in _SLOTS.items():
            placeholders = placeholders.replace(slot, f" {token[1:]}zzslot ")
        self.words = _expand(fold(placeholders).split())
        self.slots: list[str | None] = [None] * len(self.words)  # token for a span's first word
        self.taken = [False] * len(self.words)
        self.entities: dict[str, object] = {}
        for i, w in enumerate(self.words):
            if w.endswith("zzslot"):
                self.mark(i, i + 1, "_" + w[: -len("zzslot")])

    def free(self, start: int, end: int) -> bool:
        return end <= len(self.words) and not any(self.taken[start:end])

    def mark(self, start: int, end: int, token: str) -> None:
        for i in range(start, end):
            self.taken[i] = True
        self.slots[start] = token

    def tokens(self) -> list[str]:
        out: list[str] = []
        for i, w in enumerate(self.words):
            if self.slots[i] is not None:
                out.extend((self.slots[i] or "").split())
            elif not self.taken[i]:
                out.append(NUMBER if w.isdigit() else w)
        return out


def _find_time(r: _Reading, today: date) -> None:
    found = find_period(r.words, r.typed, today)
    if found is None or not r.free(found[1], found[2]):
        return
    period, start, end = found
    r.mark(start, end, PAST if period.end < today else TIME)
    r.entities["period"] = period


def _find_sectors(r: _Reading) -> None:
    sectors: list[str] = []
    i = 0
    while i < len(r.words):
        for size in range(min(_LONGEST, len(r.words) - i), 0, -1):
            key = _SECTORS.get(tuple(r.words[i : i + size]))
            if key is None and size == 1 and r.words[i] in ACCENTED_ONLY:
                accented, key = ACCENTED_ONLY[r.words[i]]
                key = key if _accented(r.typed, accented) else None
            if key is not None and r.free(i, i + size):
                r.mark(i, i + size, SECTOR)
                if key not in sectors:
                    sectors.append(key)
                i += size - 1
                break
        i += 1
    if sectors:
        r.entities["sectors"] = tuple(sectors)


def _place_starts(r: _Reading) -> list[int]:
    """Where a place name may begin: at the start, after a cue word, a fair or a sector."""
    starts = [0]
    for i in range(1, len(r.words)):
        after_fair = r.words[max(0, i - 2) : i] == ["hoi", "cho"] or r.words[i - 1] == "fair"
        if r.words[i - 1] in PLACE_CUES or after_fair or r.slots[i - 1] == SECTOR:
            starts.append(i)
    return starts


def _find_place(r: _Reading) -> None:
    for start in _place_starts(r):
        for size in (4, 3, 2):
            if not r.free(start, start + size):
                continue
            words = " ".join(r.words[start : start + size])
            wards = [m for m in match_ward(words) if m.score >= _PLACE_SCORE]
            if wards and _named(r.typed, words, wards[0].matched):
                best = wards[0].score
                codes = tuple(m.ward.code for m in wards if m.score >= best - 0.5)
                r.entities["place"] = PlaceRef(words=words, name=wards[0].matched, wards=codes)
                r.mark(start, start + size, PLACE)
                return
            for province in match_province(words, limit=1):
                names = (province.name, *province.merged_from, *province.aliases)
                if province.name != "Hà Nội" and any(_named(r.typed, words, n) for n in names):
                    r.entities["province"] = province.name
                    r.mark(start, start + size, f"{PLACE} {PROVINCE}")
                    return


def _named(typed: str, words: str, name: str) -> bool:
    """Whether `words` are `name`, typed as written or without diacritics: folding alone makes
    "thông tin" Thường Tín and "đóng tiền" Đồng Tiến."""
    if fold(name) != words:
        return False
    return name.lower() in typed or words in typed


def _find_concepts(r: _Reading) -> None:
    i = 0
    while i < len(r.words):
        for size in range(min(_LONGEST, len(r.words) - i), 0, -1):
            concept = _CONCEPTS.get(tuple(r.words[i : i + size]))
            if concept is None and size == 1 and r.words[i] in ACCENTED_CONCEPTS:
                pattern, concept = ACCENTED_CONCEPTS[r.words[i]]
                concept = concept if re.search(pattern, r.typed) else None
            if concept is not None and r.free(i, i + size):
                r.mark(i, i + size, concept)
                i += size - 1
                break
        i += 1


def _read(text: str, today: date, fix: _Fixer | None) -> _Reading:
    r = _Reading(text)
    _find_time(r, today)
    _find_sectors(r)
    _find_place(r)
    if fix is not None:
        r.words = [w if r.taken[i] else fix(w) for i, w in enumerate(r.words)]
        joined = " ".join(r.words).split()
        if len(joined) != len(r.words):  # a glued word was split: read the words again
            return _read_words(r, joined, today)
    r.words = [_iy(w) if not r.taken[i] else w for i, w in enumerate(r.words)]
    _find_concepts(r)
    return r


def _read_words(first: _Reading, words: list[str], today: date) -> _Reading:
    again = _read(" ".join(words), today, None)
    again.typed = first.typed
    return again


class _Fixer:
    """Corrects typos and glued words against the words the matcher knows."""

    def __init__(self, vocabulary: set[str]) -> None:
        self.known = vocabulary
        self.by_letter: dict[str, list[str]] = {}
        for w in sorted(vocabulary):
            if len(w) >= 3 and not w.startswith("_"):
                self.by_letter.setdefault(w[0], []).append(w)

    def __call__(self, word: str) -> str:
        if word in self.known or _iy(word) in self.known or word.isdigit() or len(word) < 3:
            return word
        if word.endswith("s") and word[:-1] in self.known:  # English plurals
            return word[:-1]
        for old, new in _SWAPS:
            if old in word and (swapped := word.replace(old, new)) in self.known:
                return swapped
        for cut in range(2, len(word) - 1):
            if word[:cut] in self.known and word[cut:] in self.known and len(word) >= 5:
                return f"{word[:cut]} {word[cut:]}"
        if len(word) >= 5:  # one letter off a 4-letter word is another word as often as a typo
            best = process.extractOne(
                word, self.by_letter.get(word[0], []), scorer=fuzz.ratio, score_cutoff=_FIX_SCORE
            )
            if best is not None:
                return str(best[0])
        return word


# The concept phrases that read as a question token, by their first word (after `_iy`).
_ASKING_PHRASES: Final[dict[str, list[tuple[str, ...]]]] = {}
for _phrase, _concept in _CONCEPTS.items():
    if any(t in _QUESTION_TOKENS for t in _concept.split()):
        _ASKING_PHRASES.setdefault(_phrase[0], []).append(_phrase)
_ASKING_WORDS: Final = frozenset(w for ps in _ASKING_PHRASES.values() for p in ps for w in p)
_GLUED_ASKING: Final = tuple(
    "".join(p) for ps in _ASKING_PHRASES.values() for p in ps if len(p) > 1
)
_GLUED: Final = "\0glued"  # among the readings of a word that holds a whole asking phrase
_ASKING_STARTS: Final = frozenset({*_ASKING_PHRASES, _GLUED})
_ASKING_BY_LETTER: Final = {
    letter: sorted(w for w in _ASKING_WORDS if w[0] == letter and len(w) >= 3)
    for letter in {w[0] for w in _ASKING_WORDS}
}


@functools.lru_cache(maxsize=8192)  # names and villages come back, message after message
def _could_become(word: str) -> frozenset[str]:
    """The words `word` may be read as once `_Fixer` has corrected it, as far as the words of
    asking phrases go: itself, and any asking word a correction could turn it into (whatever
    the FAQ's vocabulary: a correction lands at most this far from what was typed)."""
    out = {word, _iy(word)}
    if word.isdigit() or len(word) < 3:
        return frozenset(out)
    if word.endswith("s"):
        out.add(word[:-1])
    for old, new in _SWAPS:
        if old in word:
            out.add(word.replace(old, new))
    if len(word) >= 5:
        if any(p in word for p in _GLUED_ASKING):  # a glued phrase: "khinao"
            out.add(_GLUED)
        for cut in range(2, len(word) - 1):  # a glued word, split in two
            out.update((word[:cut], word[cut:]))
        near = process.extract(
            word, _ASKING_BY_LETTER.get(word[0], []), scorer=fuzz.ratio, score_cutoff=_FIX_SCORE
        )
        out.update(str(m[0]) for m in near)
    return frozenset(_iy(w) for w in out)


def might_ask(text: str) -> bool:
    """Whether `text` may read as a question or a greeting (`Understanding.asks` or
    `.greets`), found without the matcher, in some microseconds: False means neither (an
    answer typed at a step: a name, an address, "bat trang"), True that `Matcher.understand`
    must tell. Never False where the full reading would say True."""
    if "?" in text:
        return True
    folded = fold(text)
    words = folded.split()
    if not words:
        return False
    if words[0] in _GREETINGS or " ".join(words[:2]) in _GREETINGS:
        return True
    if len(words) > 1 and (words[-1] in _CLOSING or words[0] in _OPENING):
        return True
    if any(w in _QUESTION_WORDS for w in words) or any(p in folded for p in _QUESTION_PHRASES):
        return True
    expanded = _expand(words)  # the words the concepts are looked for in
    readings = [_could_become(w) for w in expanded]
    for i, could in enumerate(readings):
        if could.isdisjoint(_ASKING_STARTS):
            continue
        if _GLUED in could:
            return True
        for first in could & _ASKING_STARTS:
            for phrase in _ASKING_PHRASES[first]:
                ahead = readings[i : i + len(phrase)]
                if len(ahead) == len(phrase) and all(
                    w in c for w, c in zip(phrase, ahead, strict=True)
                ):
                    return True
    return False


def normalize(text: str, today: date | None = None) -> list[str]:
    """The tokens the matcher compares, without typo correction (for tests and tools)."""
    return _read(text, today or date.today(), None).tokens()


def _features(tokens: Sequence[str]) -> set[str]:
    content = [t for t in tokens if t not in _LIGHT]
    return set(tokens) | {f"{a} {b}" for a, b in itertools.pairwise(content)}


class Matcher:
    """Scores a text against every intent; built once from the FAQ questions."""

    def __init__(self, faq: Mapping[str, Mapping[str, Sequence[str]]]) -> None:
        """`faq` maps each FAQ key to its example questions by language ("vi", "en")."""
        examples: list[tuple[str, str]] = [
            (intent, variant)
            for intent, qs in INTENT_EXAMPLES.items()
            for q in qs
            for variant in _variants(q)
        ]
        examples += [
            (FAQ_INTENTS.get(key, key), q)
            for key, by_language in faq.items()
            for qs in by_language.values()
            for q in qs
        ]
        self.intents = list(dict.fromkeys(i for i, _ in examples))
        self.faq_keys = [k for k in faq if k not in FAQ_INTENTS]
        today = date(2000, 1, 1)  # examples name no date that depends on today
        self._examples = [(i, _features(_read(q, today, None).tokens())) for i, q in examples]
        vocabulary = {w for _, q in examples for w in _expand(fold(q).split())}
        vocabulary |= {w for table in (CONCEPTS, SECTOR_WORDS) for p in table for w in p.split()}
        vocabulary |= FILLERS | {w for v in ABBREVIATIONS.values() for w in v.split()}
        self._fix = _Fixer(vocabulary)
        holders: dict[str, set[str]] = {}
        for intent, feats in self._examples:
            for f in feats:
                holders.setdefault(f, set()).add(intent)
        n = len(self.intents)
        self._idf = {f: math.log((n + 1) / (len(h) + 0.5)) for f, h in holders.items()}
        self._english, self._vietnamese = _language_words(
            [q for qs in INTENT_EXAMPLES.values() for q in qs if not q.isascii()],
            [q for qs in INTENT_EXAMPLES.values() for q in qs if q.isascii()]
            + [q for by_language in faq.values() for q in by_language.get("en", ())],
            [q for by_language in faq.values() for q in by_language.get("vi", ())],
        )

    def weight(self, feature: str) -> float:
        """How much a word or word pair tells apart the intents."""
        if feature in _LIGHT:
            return _FILLER_WEIGHT
        if " " in feature:
            return self._idf.get(feature, 0.0) * _PAIR_WEIGHT
        w = self._idf.get(feature, _UNKNOWN_WEIGHT)
        if feature in _ASKING:
            return w * _ASKING_FACTOR
        return w * _ENTITY_FACTOR if feature in _ENTITIES else w

    def _similarity(self, message: set[str], example: set[str], mass: float) -> float:
        shared = sum(self.weight(f) for f in message & example)
        if shared == 0.0:
            return 0.0
        return 2 * shared / (mass + sum(self.weight(f) for f in example))

    def understand(self, text: str, today: date) -> Understanding:
        """Reads `text` and ranks the intents it may ask for."""
        reading = _read(text, today, self._fix)
        tokens = reading.tokens()
        feats = _features(tokens)
        mass = sum(self.weight(f) for f in feats)
        best: dict[str, float] = {}
        for intent, example in self._examples:
            s = self._similarity(feats, example, mass)
            if s > best.get(intent, 0.0):
                best[intent] = s
        ranked = sorted(best.items(), key=lambda kv: -kv[1])[:3]
        candidates = tuple(Candidate(intent=i, score=round(s, 3)) for i, s in ranked)
        top = candidates[0].score if candidates else 0.0
        second = candidates[1].score if len(candidates) > 1 else 0.0
        status: Literal["sure", "unsure", "none"] = (
            "sure"
            if top >= SURE and top - second >= MARGIN
            else "unsure"
            if top >= UNSURE
            else "none"
        )
        raw = fold(text).split()
        return Understanding(
            text=text,
            folded=fold(text),
            tokens=tuple(tokens),
            language=self._language(raw, text),
            entities=Entities.model_validate(reading.entities),
            candidates=candidates,
            status=status,
        )

    def _language(self, words: list[str], text: str) -> Literal["vi", "en"] | None:
        if not text.isascii():
            return "vi"
        en = sum(w in self._english for w in words)
        vi = sum(w in self._vietnamese for w in words)
        return "en" if en > vi else "vi" if vi > en else None


def _variants(example: str) -> list[str]:
    """The example as written, or with `{any}` left out and replaced by each entity."""
    if _ANY not in example:
        return [example]
    return [example.replace(_ANY, slot) for slot in ("", " {sector}", " {place}", " {time}")]


def _language_words(
    accented: Sequence[str], english: Sequence[str], vietnamese: Sequence[str]
) -> tuple[set[str], set[str]]:
    """Words seen only in English examples, and only in Vietnamese ones. Built-in examples
    without diacritics are English; FAQ questions say their language."""
    en = {w for q in english for w in fold(q).split()}
    vi = {w for q in (*accented, *vietnamese) for w in fold(q).split()}
    vi |= {w for v in ABBREVIATIONS.values() for w in v.split()} | set(ABBREVIATIONS)
    return en - vi, vi - en
