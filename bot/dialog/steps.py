"""The step machine every multi-step conversation runs on.

A flow is a table of steps (a `StrEnum`): each step has its question (`ask`, which returns the
replies that put it) and its answer reader (`read`, which says what happens next: `Next`,
`Goto`, `Back`, `Edit`, `Done`, or `Stay` with a note when the answer will not do — nothing
entered before is lost). The router hands a flow's text, contacts and locations to
`Flow.on_input`; the flow's button handler hands the value of a step's button to
`Flow.pressed`. Reading what people type lives here once: an option's number or label
(`menu_choice`, used by the router for every menu), several options at once (`read_several`),
yes/no words, back words and skip words where a step takes them, and a hook (`heard`) for
text that may be a question rather than the answer.

The state is the conversation's: its step as the step's value, and in `data` the steps
answered before this one (`trail`, for Back) and, while an answer is changed from the summary,
`mode` ("edit") and `base` (the trail's length when the edit began).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, Generic, Protocol, TypeVar

from bot.core.i18n import N_, Lang
from bot.core.types import Incoming, Kind, Reply
from bot.domain.textnorm import fold
from storage.conversations import Conversation

__all__ = [
    "BACK",
    "BACK_WORDS",
    "NO_WORDS",
    "SKIP",
    "SKIP_WORDS",
    "TEXT_ONLY",
    "TYPED",
    "YES_WORDS",
    "Answer",
    "Ask",
    "Back",
    "Done",
    "Edit",
    "Flow",
    "Goto",
    "Hook",
    "Next",
    "NoSuchOption",
    "Outcome",
    "Question",
    "Read",
    "Stay",
    "Talk",
    "Unclear",
    "folded",
    "menu_choice",
    "read_several",
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
_LONGEST: Final = 24  # no word above is longer: longer text is never folded to look for one
_PARTS: Final = re.compile(r"[,;\n+&]")
_JOINERS: Final = frozenset({"va", "and"})
_ANSWER_ABOVE: Final = N_("Please answer the question above.")
_EARLIER: Final = N_("That button belongs to an earlier question. Here is where we are:")


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


class Talk(Protocol):
    """What the machine needs of a turn (`bot.dialog.router.Turn` is one)."""

    @property
    def incoming(self) -> Incoming: ...

    @property
    def conversation(self) -> Conversation: ...

    @property
    def lang(self) -> Lang: ...


T = TypeVar("T", bound=Talk)
S = TypeVar("S", bound=StrEnum)


@dataclass(slots=True)
class Answer:
    """What was answered at a step: an option (a button's value, or what a typed number,
    label, yes/no word or skip word stands for) or free text (`choice` None)."""

    kind: Kind
    text: str = ""  # as typed, stripped; '' for a button pressed
    choice: str | None = None

    @property
    def folded(self) -> str:
        """The typed text folded for comparing (never for storing)."""
        return folded(self.text)


@dataclass(frozen=True, slots=True)
class Next:
    """The answer is kept: go on to `step` (None: the next step of the table), or back to the
    summary when an answer was being changed from it. `before` goes above the question."""

    step: StrEnum | None = None
    before: list[Reply] = field(default_factory=list)
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Goto:
    """A follow-up question about the same answer (pick a match, confirm a number): Back from
    the answer after it returns to the question, not to the follow-up."""

    step: StrEnum


@dataclass(frozen=True, slots=True)
class Back:
    """Return to the previous question (or the summary, or out of the flow), with a note."""

    note: str | None = None


@dataclass(frozen=True, slots=True)
class Edit:
    """Change one answer, then come back to the summary."""

    step: StrEnum
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Done:
    """The flow is over: leave it and say `replies`."""

    replies: list[Reply]


@dataclass(frozen=True, slots=True)
class Stay:
    """The answer will not do (or was something else): ask the same question again, with a
    note saying why; nothing kept so far is lost. `before` goes first (an aside answered)."""

    note: str | None = None
    before: list[Reply] = field(default_factory=list)


# A reader may also return the replies themselves, the conversation left as it set it.
Outcome = Next | Goto | Back | Edit | Done | Stay | list[Reply]
Ask = Callable[[T, str | None], Awaitable[list[Reply]]]
Read = Callable[[T, Answer], Awaitable[Outcome]]
Hook = Callable[[T], Awaitable[list[Reply]]]
TEXT_ONLY: Final = frozenset({Kind.TEXT})
TYPED: Final = frozenset({Kind.TEXT, Kind.CONTACT, Kind.LOCATION})  # all but files


@dataclass(frozen=True)
class Question(Generic[T]):
    """One step of a flow: how it is asked, how its answer is read, and which typed words it
    understands."""

    ask: Ask[T]
    read: Read[T]
    takes: frozenset[Kind] = TEXT_ONLY  # what reaches `read` besides buttons of this step
    follows: StrEnum | None = None  # a follow-up of that step (see Goto)
    back: bool = False  # typed back words go to the previous question
    skip: bool = False  # typed skip words are read as the Skip button
    yes: str | None = None  # the choice typed yes words stand for
    no: str | None = None  # the choice typed no words stand for


class Flow(Generic[T, S]):
    """A conversation as a table of steps: asks them, reads each answer with its step's reader,
    and acts on what the reader decided."""

    def __init__(
        self,
        name: str,
        steps: Mapping[S, Question[T]],
        *,
        summary: S | None = None,
        returned: Hook[T] | None = None,
        back_out: Hook[T] | None = None,
        lost: Hook[T] | None = None,
        heard: Callable[[T, S, Answer], Awaitable[Outcome | None]] | None = None,
        other_input: str | Hook[T] = _ANSWER_ABOVE,
        old_button: str | Hook[T] = _EARLIER,
    ) -> None:
        """`steps` in the order a new conversation asks them. `summary`: the step an Edit comes
        back to; `returned`: what follows an answer changed from it (default: the summary
        again); `back_out`: Back from the first question (default: that question again);
        `lost`: the conversation at no step of this flow (default: the first question);
        `heard`: typed text that may not be an answer, read before the step's reader (an
        outcome, or None to read it as the answer); `other_input` and `old_button`: a note to
        put above the question again, or what to do instead, when a step gets what it does not
        take or a button of another step."""
        self.name = name
        self.steps = steps
        self.summary = summary
        self.returned = returned
        self.back_out = back_out
        self.lost = lost
        self.heard = heard
        self.other_input = other_input
        self.old_button = old_button
        order = list(steps)
        self.first = order[0]
        self._by_value: dict[str, S] = {s.value: s for s in order}  # a dict: S(value) is slower
        self._after = dict(itertools.pairwise(order))
        self._follow_ups = {s.value for s, q in steps.items() if q.follows is not None}
        self._main = {s: q.follows for s, q in steps.items() if q.follows is not None}
        self.keeps_trail = any(q.back for q in steps.values())
        self.takes_files = any(Kind.FILE in q.takes for q in steps.values())

    # -- where the conversation is ----------------------------------------------------------

    def step_of(self, turn: T) -> S | None:
        """The step the conversation is at, if it is in this flow at a step of the table."""
        conv = turn.conversation
        if conv.flow != self.name or conv.step is None:
            return None
        return self._by_value.get(conv.step)

    def trail(self, turn: T) -> list[str]:
        """The steps answered before this one, as their values (saved as JSON every turn)."""
        trail: list[str] = turn.conversation.data.setdefault("trail", [])
        return trail

    def editing(self, turn: T) -> bool:
        """Whether an answer is being changed from the summary (and comes back to it)."""
        return self.summary is not None and turn.conversation.data.get("mode", "new") != "new"

    # -- asking ------------------------------------------------------------------------------

    async def start(
        self,
        turn: T,
        step: S | None = None,
        data: dict[str, Any] | None = None,
        note: str | None = None,
    ) -> list[Reply]:
        """Enters the flow (forgetting any other) at `step` (default: the first) with `data`,
        and asks it."""
        at = step or self.first
        turn.conversation.start(self.name, at, data)
        return await self.steps[at].ask(turn, note)

    async def ask(self, turn: T, step: S, note: str | None = None) -> list[Reply]:
        """Moves to `step` and asks its question, with a note above it."""
        turn.conversation.goto(step)
        return await self.steps[step].ask(turn, note)

    async def ask_again(self, turn: T, note: str) -> list[Reply]:
        """The pending question again, `note` above it (the router's `ask_again`, after a
        message it could not read); [] if the conversation is at no step of this flow."""
        step = self.step_of(turn)
        return await self.ask(turn, step, note) if step is not None else []

    # -- answers -----------------------------------------------------------------------------

    async def on_input(self, turn: T) -> list[Reply]:
        """Text, a contact, a location or a file while in this flow: the current step's answer
        (the router's handler for the flow)."""
        step = self.step_of(turn)
        if step is None:
            return await self._lost(turn)
        question = self.steps[step]
        incoming = turn.incoming
        if incoming.kind not in question.takes:
            return await self._refuse(turn, step, self.other_input)
        answer = Answer(incoming.kind, incoming.text.strip())
        if incoming.kind is Kind.TEXT:
            if len(answer.text) <= _LONGEST:
                _read_words(question, answer)
            if answer.choice is None and self.heard is not None:
                aside = await self.heard(turn, step, answer)
                if aside is not None:
                    return await self.act(turn, step, aside)
        if answer.choice == BACK:
            return await self.back(turn)
        return await self.act(turn, step, await question.read(turn, answer))

    async def pressed(self, turn: T, step: str, value: str) -> list[Reply]:
        """A button of `step` with `value` (or what a typed number or label picked): the answer
        to the current step, Back, or a button of an earlier question."""
        at = self.step_of(turn)
        if at is None:
            return await self._lost(turn)
        if step != at:
            return await self._refuse(turn, at, self.old_button)
        if value == BACK:
            return await self.back(turn)
        answer = Answer(Kind.BUTTON, turn.incoming.text.strip(), value)
        return await self.act(turn, at, await self.steps[at].read(turn, answer))

    async def _refuse(self, turn: T, step: S, what: str | Hook[T]) -> list[Reply]:
        if isinstance(what, str):
            return await self.ask(turn, step, turn.lang.gettext(what))
        return await what(turn)

    async def _lost(self, turn: T) -> list[Reply]:
        if self.lost is not None:
            return await self.lost(turn)
        if turn.conversation.flow != self.name:
            return []
        return await self.ask(turn, self.first)

    # -- outcomes ----------------------------------------------------------------------------

    async def act(self, turn: T, step: S, outcome: Outcome) -> list[Reply]:
        """Acts on what the reader of `step` decided."""
        if isinstance(outcome, list):
            return outcome
        current = self.step_of(turn) or step  # a reader may have moved on (a follow-up)
        if isinstance(outcome, Next):
            if self.summary is not None and turn.conversation.data.get("mode", "new") != "new":
                return [*outcome.before, *await self._returned(turn)]  # editing
            target = self._by_value[outcome.step] if outcome.step else self._after[current]
            if self.keeps_trail:
                trail = self.trail(turn)
                main = self._main.get(current, current)
                while trail and (trail[-1] in self._follow_ups or trail[-1] == main):
                    trail.pop()
                trail.append(main.value)
            return [*outcome.before, *await self.ask(turn, target, outcome.note)]
        if isinstance(outcome, Stay):
            return [*outcome.before, *await self.ask(turn, current, outcome.note)]
        if isinstance(outcome, Goto):
            if self.keeps_trail:
                self.trail(turn).append(current.value)
            return await self.ask(turn, self._by_value[outcome.step])
        if isinstance(outcome, Edit):
            return await self.edit(turn, self._by_value[outcome.step], outcome.note)
        if isinstance(outcome, Back):
            return await self.back(turn, outcome.note)
        turn.conversation.end()
        return outcome.replies

    async def back(self, turn: T, note: str | None = None) -> list[Reply]:
        """Returns to the previous question (or to the summary when changing an answer from
        it, or out of the flow from its first question)."""
        data = turn.conversation.data
        trail = self.trail(turn)
        editing = self.editing(turn)
        if len(trail) > (int(data.get("base", 0)) if editing else 0):
            return await self.ask(turn, self._by_value[trail.pop()], note)
        if editing and data.get("mode") == "edit":
            return await self.end_edit(turn)
        if self.back_out is not None:
            return await self.back_out(turn)
        return await self.ask(turn, self.step_of(turn) or self.first, note)

    async def edit(self, turn: T, step: S, note: str | None = None) -> list[Reply]:
        """Asks one answer again, from the summary; it comes back there once answered."""
        data = turn.conversation.data
        if data.get("mode", "new") == "new":
            data["mode"] = "edit"
            data["base"] = len(self.trail(turn))
        return await self.ask(turn, step, note)

    async def end_edit(self, turn: T) -> list[Reply]:
        """Stops changing answers and shows the summary again."""
        if self.summary is None:
            raise ValueError(f"flow {self.name} has no summary")
        data = turn.conversation.data
        data["mode"], data["base"] = "new", 0
        return await self.ask(turn, self.summary)

    async def _returned(self, turn: T) -> list[Reply]:
        """An answer changed from the summary: forget the steps since, and go back."""
        del self.trail(turn)[int(turn.conversation.data.get("base", 0)) :]
        if self.returned is not None:
            return await self.returned(turn)
        return await self.end_edit(turn)


def _read_words(question: Question[T], answer: Answer) -> None:
    """Takes a short typed answer for the choice its words stand for at this step, if any."""
    word = answer.folded
    if question.back and word in BACK_WORDS:
        answer.choice = BACK
    elif question.yes is not None and word in YES_WORDS:
        answer.choice = question.yes
    elif question.no is not None and word in NO_WORDS:
        answer.choice = question.no
    elif question.skip and word in SKIP_WORDS:
        answer.choice = SKIP
