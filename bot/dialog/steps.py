"""The step machine every multi-step conversation runs on.

A flow is a table of steps (a `StrEnum`): each step has its question (`ask`, which returns the
replies that put it) and its answer reader (`read`, which says what happens next: `Next`,
`Goto`, `Back`, `Edit`, `Done`, or `Stay` with a note when the answer will not do — nothing
entered before is lost). The router hands a flow's text, contacts and locations to
`Flow.on_input`; the flow's button handler hands the value of a step's button to
`Flow.pressed`. What people type is read once, in `bot/dialog/typed.py` (an option's number or
label, several options at once, yes/no, back and skip words, re-exported here): the machine
takes the words a step declares (`Question(back=, skip=, yes=, no=)`) for its choices, and
hands other typed text to the flow's `heard` hook first, then to the question reader
(`Talk.aside`): a question typed mid-flow is answered and the step asked again, never stored;
text that may be either gets "is «…» your answer?" (kept in `data["maybe"]` until she says).

The state is the conversation's: its step as the step's value, and in `data` the steps
answered before this one (`trail`, for Back) and, while an answer is changed from the summary,
`mode` ("edit") and `base` (the trail's length when the edit began).
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, Generic, Protocol, TypeVar

from bot.core.i18n import N_, Lang
from bot.core.types import Incoming, Kind, Reply
from bot.dialog.typed import (
    BACK,
    BACK_WORDS,
    NO_WORDS,
    SKIP,
    SKIP_WORDS,
    YES_WORDS,
    Aside,
    NoSuchOption,
    Unclear,
    folded,
    menu_choice,
    read_several,
    stands_for,
)
from storage.conversations import Conversation

__all__ = [
    "BACK", "BACK_WORDS", "NO_WORDS", "SKIP", "SKIP_WORDS", "TEXT_ONLY", "TYPED", "YES_WORDS",
    "Answer", "Ask", "Back", "Done", "Edit", "Flow", "Goto", "Hook", "Next", "NoSuchOption",
    "Outcome", "Question", "Read", "Stay", "Talk", "Unclear", "folded", "menu_choice",
    "read_several",
]  # fmt: skip

_ANSWER_ABOVE: Final = N_("Please answer the question above.")
_EARLIER: Final = N_("That button belongs to an earlier question. Here is where we are:")
_WHICH: Final = N_(
    "Is «{text}» your answer to the question below? Type “có” if it is, or “không” if it was"
    " a question."
)
_MAYBE: Final = "maybe"  # in data: typed text that may be a question, until she says


class Talk(Protocol):
    """What the machine needs of a turn (`bot.dialog.router.Turn` is one)."""

    @property
    def incoming(self) -> Incoming: ...

    @property
    def conversation(self) -> Conversation: ...

    @property
    def lang(self) -> Lang: ...

    async def aside(self, text: str, *, sure: bool = False) -> Aside | None: ...


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
        asides: bool = True,
    ) -> None:
        """`steps` in the order a new conversation asks them. `summary`: the step an Edit comes
        back to; `returned`: what follows an answer changed from it (default: the summary
        again); `back_out`: Back from the first question (default: that question again);
        `lost`: the conversation at no step of this flow (default: the first question);
        `heard`: typed text that may not be an answer, read before the step's reader (an
        outcome, or None to read it as the answer); `other_input` and `old_button`: a note to
        put above the question again, or what to do instead, when a step gets what it does not
        take or a button of another step; `asides`: a question typed at a step is answered
        (`Talk.aside`) and the step asked again (staff's flows, whose answers are free text
        such as an announcement, say False)."""
        self.name = name
        self.steps = steps
        self.summary = summary
        self.returned = returned
        self.back_out = back_out
        self.lost = lost
        self.heard = heard
        self.other_input = other_input
        self.old_button = old_button
        self.asides = asides
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
        maybe = turn.conversation.data.pop(_MAYBE, None) if self.asides else None
        if incoming.kind is Kind.TEXT:
            q = question
            if isinstance(maybe, str):  # "is it your answer?" was asked
                said = stands_for(answer.text, yes="yes", no="no")
                if said == "yes":
                    answer = Answer(Kind.TEXT, maybe)
                    return await self.act(turn, step, await question.read(turn, answer))
                if said == "no":
                    aside = await turn.aside(maybe, sure=True)
                    before = aside.replies if aside is not None and aside.replies else []
                    return await self.act(turn, step, Stay(before=before))
            answer.choice = stands_for(answer.text, back=q.back, yes=q.yes, no=q.no, skip=q.skip)
            if answer.choice is None and self.heard is not None:
                heard = await self.heard(turn, step, answer)
                if heard is not None:
                    return await self.act(turn, step, heard)
            if answer.choice is None and self.asides and answer.text:
                aside = await turn.aside(answer.text)
                if aside is not None and aside.replies is not None:
                    return await self.act(turn, step, Stay(before=aside.replies))
                if aside is not None:
                    turn.conversation.data[_MAYBE] = answer.text
                    note = turn.lang.gettext(_WHICH).format(text=answer.text)
                    return await self.ask(turn, step, note)
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
        turn.conversation.data.pop(_MAYBE, None)
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
