"""The questions with several answers: roles, sectors, practices. Options are ticked (✓) one by
one with a Done button. Typed, one at a time ("2", then "3") they add up until Done (its number,
or "xong"), so a number is never taken by the next question; several at once ("1 3", "gom, son
mai") or with Done ("2 3 5") answer the question whole."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.i18n import N_
from bot.core.types import Reply
from bot.dialog.router import Turn
from bot.dialog.steps import NoSuchOption, Unclear, read_several
from bot.dialog.typed import says_done
from bot.domain.enterprise_terms import PRACTICE_NAMES, ROLE_NAMES, ROLE_WORDS
from bot.domain.sectors import SECTORS
from handlers.registration.core import (
    Answer,
    Next,
    Outcome,
    Stay,
    Step,
    answer,
    option,
    question,
    store,
)

__all__ = ["PRACTICES_STEP", "ROLES_STEP", "SECTORS_STEP", "MultiSelect"]


@dataclass(frozen=True)
class MultiSelect:
    """One several-answer question: which field it fills, its options, and what comes next."""

    step: Step
    field: str
    options: dict[str, str]  # key -> English name, translated when shown
    prompt: str
    at_least_one: str
    per_row: int
    then: Step
    exclusive: str | None = None  # an option that cannot go with the others ("none yet")
    words: dict[str, str] | None = None  # what people type for an option, folded -> key

    def chosen(self, turn: Turn) -> list[str]:
        """The keys ticked so far, in the order of the options."""
        ticked = set(answer(turn, self.field) or ())
        return [k for k in self.options if k in ticked]

    def _keep(self, turn: Turn, keys: set[str]) -> None:
        store(turn, **{self.field: [k for k in self.options if k in keys]})

    async def ask(
        self, turn: Turn, note: str | None = None, *, redraw: bool = False
    ) -> list[Reply]:
        """Shows the options, ticked ones marked ✓, and Done."""
        _ = turn._
        ticked = set(self.chosen(turn))
        buttons = [
            option(self.step, k, ("✓ " if k in ticked else "") + _(name))
            for k, name in self.options.items()
        ]
        rows = [buttons[i : i + self.per_row] for i in range(0, len(buttons), self.per_row)]
        rows.append([option(self.step, "done", _("Done ✔"))])
        hint = _("Tap each one that applies, then “Done”. Or type their numbers at once, e.g. 1 3.")
        text = f"{_(self.prompt)}\n{hint}"
        return [question(turn, self.step, text, rows, note=note, toggles=True, redraw=redraw)]

    async def got(self, turn: Turn, answer: Answer) -> Outcome:
        """Ticks or unticks a pressed or typed option; several typed at once (or with Done) are
        the whole answer; Done finishes."""
        _ = turn._
        value = answer.choice
        if value == "done":
            if not self.chosen(turn):
                return Stay(_(self.at_least_one))
            return Next(self.then)
        if value in self.options and not answer.text:
            self._keep(turn, self._toggle(set(self.chosen(turn)), value))
            return await self.ask(turn, redraw=True)
        keys, problem = self._read(turn, answer.text)
        if problem:
            return Stay(problem)
        ticked = set(self.chosen(turn))
        done = says_done(answer.text, len(self.options))
        if len(keys) == 1 and not done and keys != {self.exclusive}:  # one at a time: until Done
            self._keep(turn, self._toggle(ticked, keys.pop()))
            return Stay(self._so_far(turn))
        for key in keys:  # several at once ("1 3"), or with Done: the answer is complete
            ticked = ticked if key in ticked else self._toggle(ticked, key)
        self._keep(turn, ticked)
        return Next(self.then) if ticked else Stay(_(self.at_least_one))

    def _so_far(self, turn: Turn) -> str:
        """What is ticked so far, and how to add more or finish."""
        _ = turn._
        names = ", ".join(_(self.options[k]) for k in self.chosen(turn)) or "—"
        note = _(
            "Chosen so far: {names}. Add more the same way, or answer {done} (“Done”) when"
            " that is all."
        )
        return note.format(names=names, done=len(self.options) + 1)

    def _toggle(self, ticked: set[str], key: str) -> set[str]:
        if key in ticked:
            return ticked - {key}
        if key == self.exclusive:
            return {key}
        return (ticked - {self.exclusive}) | {key}

    def _read(self, turn: Turn, text: str) -> tuple[set[str], str | None]:
        """The options a typed answer names, by number or by name; or what is wrong with it."""
        _ = turn._
        found = read_several(
            text, list(self.options), lambda key: _(self.options[key]), synonyms=self.words
        )
        if isinstance(found, NoSuchOption):
            note = _("There is no option {number} here. Type numbers from 1 to {last}, e.g. 1 3.")
            return set(), note.format(number=found.number, last=found.last)
        if isinstance(found, Unclear):
            note = _(
                "I could not tell which option “{answer}” is. Type the numbers of the"
                " options, e.g. 1 3, or tap them."
            )
            return set(), note.format(answer=found.part)
        return found, None


ROLES_STEP = MultiSelect(
    step=Step.ROLES,
    field="roles",
    options=ROLE_NAMES,
    prompt=N_("What is your role in the chain? Several are allowed."),
    at_least_one=N_("Please choose at least one role, then “Done”."),
    per_row=1,
    then=Step.SECTORS,
    words=ROLE_WORDS,
)

SECTORS_STEP = MultiSelect(
    step=Step.SECTORS,
    field="sectors",
    options=SECTORS,
    prompt=N_("Which crafts do you work in? Several are allowed."),
    at_least_one=N_("Please choose at least one craft, then “Done”."),
    per_row=2,
    then=Step.WARD,
)

PRACTICES_STEP = MultiSelect(
    step=Step.PRACTICES,
    field="practices",
    options=PRACTICE_NAMES,
    prompt=N_(
        "Which sustainable practices do you already follow? Several are allowed; “None yet” is"
        " a fine answer too."
    ),
    at_least_one=N_("Please choose at least one option (or “None yet”), then “Done”."),
    per_row=1,
    then=Step.FINDABLE,
    exclusive="none_yet",
)
