"""Free text outside any flow: understood and answered with data, or three guesses offered, or
logged as unanswered for staff (`ketnoi questions unanswered`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.clock import utcnow
from bot.core.i18n import N_
from bot.core.payloads import Id, Payload, Word
from bot.core.types import Reply
from bot.dialog.router import Router, Turn, user_hash
from bot.dialog.typed import (
    BACK_WORDS,
    DONE_WORDS,
    NO_WORDS,
    SKIP_WORDS,
    YES_WORDS,
    Aside,
)
from bot.domain.understand import Entities, Understanding, might_ask
from handlers import fair_answers
from handlers.faq import faq_answer
from handlers.guards import record_refusal
from handlers.menu import main_menu
from handlers.registration.nudge import DROPPED
from storage.faq import FaqEntry

__all__ = ["INTENT_LABELS", "MeantThis", "hand_over", "read_text", "register"]

# Modules that answer some free text themselves (handlers/partners: searches for members and
# typed answers to requests; handlers/staff/decisions: a decision typed with its reference),
# asked in order after the text is read: None passes it on.
Hook = Callable[[Turn, Understanding], Awaitable[list[Reply] | None]]
_HOOKS: list[Hook] = []
_TYPED_COMMANDS: list[Hook] = []  # asked before the text is logged: instructions, not questions


def hand_over(hook: Hook, *, command: bool = False) -> None:
    """Let `hook` answer free text first (once, however often it is registered); a `command`
    hook (an instruction typed, not a question) is asked before the text is logged."""
    hooks = _TYPED_COMMANDS if command else _HOOKS
    if hook not in hooks:
        hooks.append(hook)


@dataclass(frozen=True, slots=True)
class MeantThis(Payload, prefix="ask"):
    """One of the meanings offered for an unclear question: `ask:QUESTION_ID:INTENT`, or
    `ask:QUESTION_ID:none`."""

    question: Id
    intent: Word


# How an intent is offered when the bot is unsure (FAQ entries show their first question).
INTENT_LABELS = {
    "fairs": N_("Upcoming fairs"),
    "fair_when": N_("When is the fair?"),
    "fair_where": N_("Where is the fair?"),
    "fair_booths": N_("Are there booths left?"),
    "register": N_("Register into the network"),
    "my_registration": N_("My registration"),
    "my_booths": N_("My booths"),
    "reminders_on": N_("Turn reminders on"),
    "reminders_off": N_("Turn reminders off"),
    "language": N_("Language"),
    "help": N_("How to use the bot"),
    "greeting": N_("Say hello"),
    "thanks": N_("Say thank you"),
    "find_partner": N_("Find members of the network"),
}

# Intents another module answers: the command that answers them.
_COMMANDS = {
    "register": "dang_ky",
    "my_registration": "ho_so",
    "my_booths": "gian_hang",
    "reminders_on": "nhac_lich",
    "reminders_off": "nhac_lich",
    "language": "ngon_ngu",
    "help": "huong_dan",
    "find_partner": "tim",  # picked from "did you mean": how to search (handlers/partners)
}


_DEADLINE_KEY = "apply-deadline"  # the FAQ entry on booth deadlines


async def _read(turn: Turn, text: str) -> tuple[Understanding, dict[str, FaqEntry]]:
    matcher, faq = await turn.services.faq_reader.current()
    today = turn.lang.local(utcnow()).date()
    return matcher.understand(text, today), faq


async def read_text(turn: Turn, text: str) -> Understanding:
    """`text` read as every question is."""
    reading, _faq = await _read(turn, text)
    return reading


def _speak_as_written(turn: Turn, reading: Understanding) -> None:
    """Someone who never chose a language gets the answer in the language they wrote in."""
    code = reading.language
    if turn.user.locale is None and code in turn.services.i18n.codes and code != turn.lang.code:
        turn.lang = turn.services.i18n.get(code)


async def _answer(
    turn: Turn, intent: str, entities: Entities, faq: dict[str, FaqEntry]
) -> list[Reply]:
    """The answer to `intent`, with the data the entities point to."""
    _ = turn._
    if intent in fair_answers.FAIR_INTENTS:
        return await fair_answers.answer(turn, intent, entities)
    if intent in _COMMANDS:
        return await turn.run_command(_COMMANDS[intent])
    if intent == "greeting":
        name = turn.user.display_name or _("there")
        text = _(
            "Hello {name}! Ask me about fairs, booths or registering, in your own words"
            " (for example: when is the ceramics fair?), or choose below."
        ).format(name=name)
        return [main_menu(turn.lang, text)]
    if intent == "thanks":
        return [Reply(text=_("You are welcome! Ask me anything else, or type /menu."))]
    entry = faq.get(intent)
    if entry is None:
        return [main_menu(turn.lang)]
    if intent == _DEADLINE_KEY:  # the general answer, then the dates of the fairs asked about
        return [faq_answer(turn, entry, await fair_answers.deadlines(turn, entities))]
    return [faq_answer(turn, entry)]


def _label(turn: Turn, intent: str, faq: dict[str, FaqEntry]) -> str:
    if intent in faq:
        return faq[intent].title(turn.lang.code)
    return turn._(INTENT_LABELS.get(intent, intent))


async def on_text(turn: Turn) -> list[Reply]:
    """Answers a question typed in free text."""
    _ = turn._
    text = turn.incoming.text
    if turn.conversation.data.pop(DROPPED, None) and not might_ask(text):
        return [_after_drop(turn)]  # an answer to a registration dropped meanwhile
    reading, faq = await _read(turn, text)
    for hook in _TYPED_COMMANDS:
        if (handed := await hook(turn, reading)) is not None:
            return handed
    _speak_as_written(turn, reading)
    _ = turn._
    best = reading.candidates[0].intent if reading.candidates else None
    answered = reading.intent
    # "ok", "1", "👍", a name: not a question, so not noted for staff (and emoji, which fold
    # to nothing, are never grouped together in their list); a hook may still take it ("dong
    # y" to a request to connect)
    small_talk = answered is None and _small_talk(text, reading)
    qid = 0
    if not small_talk:
        qid = await turn.services.questions.log(
            text,
            reading.folded,
            intent=answered,
            guess=best,
            score=reading.score,
            user_hash=user_hash(turn.user.ref),
        )
    for hook in _HOOKS:
        if (handed := await hook(turn, reading)) is not None:
            return handed
    if small_talk:
        hint = _("👍 Ask me about fairs, booths or registering in your own words, or choose below:")
        return [main_menu(turn.lang, hint)]
    if answered is not None:
        return await _answer(turn, answered, reading.entities, faq)
    if reading.status == "unsure":
        buttons = [
            [MeantThis(qid, c.intent).button(_label(turn, c.intent, faq))]
            for c in reading.candidates
        ]
        buttons.append([MeantThis(qid, "none").button(_("None of these"))])
        return [Reply(text=_("I am not sure I understood. Did you mean:"), buttons=buttons)]
    return [
        main_menu(
            turn.lang,
            _(
                "Sorry, I did not understand that. I have noted your question for the"
                " Department's staff. Try other words, or choose below:"
            ),
        )
    ]


# Vietnamese family names, folded: a text of two to five capitalised words starting with one is
# a person's name (typed where a registration once asked for it), not a question.
_FAMILY_NAMES = frozenset(
    [
        "nguyen",
        "tran",
        "le",
        "pham",
        "hoang",
        "huynh",
        "phan",
        "vu",
        "vo",
        "dang",
        "bui",
        "do",
        "ho",
        "ngo",
        "duong",
        "ly",
        "dinh",
        "dao",
        "trinh",
        "mai",
        "truong",
        "lam",
        "luong",
        "ha",
        "cao",
        "chu",
        "quach",
        "ta",
        "kieu",
        "doan",
    ]
)
_PLAIN_WORDS = YES_WORDS | NO_WORDS | DONE_WORDS | BACK_WORDS | SKIP_WORDS


def _small_talk(text: str, reading: Understanding) -> bool:
    """Whether a text that reads as no question is no question at all: a yes or no word, a
    bare number, emoji or punctuation only, or a person's name. It is answered with the menu,
    and not noted for staff (their list is for questions)."""
    folded = reading.folded
    if not folded or folded.isdecimal() or folded in _PLAIN_WORDS:
        return True
    words = text.split()
    return (
        2 <= len(words) <= 5
        and not reading.asks
        and reading.entities.place is None  # "Hà Nội", "Bát Tràng": a place, perhaps a fair's
        and folded.split()[0] in _FAMILY_NAMES
        and all(w[:1].isupper() for w in words)
    )


def _after_drop(turn: Turn) -> Reply:
    """What an answer to an unfinished registration gets once the registration was dropped:
    the truth, and the way to start again (not a line in the staff's unanswered questions)."""
    text = turn._(
        "Your unfinished registration was removed after a week without answers, so I could not"
        " keep this answer. To register, send /{command} or choose “Register” below: it takes a"
        " few minutes."
    ).format(command="register" if turn.lang.code == "en" else "dang_ky")
    return main_menu(turn.lang, text)


async def mid_flow(turn: Turn, text: str, sure: bool) -> Aside | None:
    """A question typed at a step of a conversation: answered when it asks about fairs or the
    FAQ (then the step is asked again), `Aside()` when it may be a question or the answer,
    None when it reads as an answer. With `sure` (she said it was a question) it is answered
    as free text is, or noted for staff."""
    if not sure and not might_ask(text):  # most answers: a name, an address, "bat trang"
        return None
    reading, faq = await _read(turn, text)
    if not sure and reading.greets and not reading.asks:  # "chao em, hom qua chi dang ky do dang"
        name = turn.user.display_name or turn._("there")
        hello = turn._("Hello {name}! Let us go on where you left off.").format(name=name)
        return Aside([Reply(text=hello)])
    if not sure and not reading.asks:
        return None
    intent = reading.intent
    answerable = intent is not None and (intent in fair_answers.FAIR_INTENTS or intent in faq)
    if not sure and not answerable and not text.rstrip().endswith("?"):
        return Aside()  # may be the answer: she is asked (a question mark says it is not)
    await turn.services.questions.log(
        text,
        reading.folded,
        intent=intent if answerable else None,
        guess=reading.candidates[0].intent if reading.candidates else None,
        score=reading.score,
        user_hash=user_hash(turn.user.ref),
    )
    if intent is not None and answerable:
        return Aside(await _answer(turn, intent, reading.entities, faq))
    note = turn._(
        "I have noted your question for the Department's staff; they will answer it. Now,"
        " let us go on."
    )
    return Aside([Reply(text=note)])


async def on_pick(turn: Turn) -> list[Reply]:
    """One of the options offered for an unclear question: `ask:QUESTION_ID:INTENT`."""
    _ = turn._
    picked = turn.payload
    if not isinstance(picked, MeantThis):
        return [main_menu(turn.lang, _("That option is no longer available. Here is the menu:"))]
    question = await turn.services.questions.get(picked.question)
    if question is not None and question.user_hash != user_hash(turn.user.ref):
        await record_refusal(turn, "someone else's question")
        question = None
    if question is None:
        return [main_menu(turn.lang, _("That option is no longer available. Here is the menu:"))]
    intent = picked.intent
    reading, faq = await _read(turn, question.text)
    if intent == "none" or not (intent in faq or intent in INTENT_LABELS):
        text = _(
            "Thank you. I have noted your question for the Department's staff. You can try"
            " other words, or choose below:"
        )
        return [main_menu(turn.lang, text)]
    await turn.services.questions.answered(question.id, intent)
    return await _answer(turn, intent, reading.entities, faq)


def register(router: Router) -> None:
    """Takes over free text (after handlers.start, whose fallback it replaces)."""
    router.text(on_text)
    router.asides(mid_flow)
    router.button(MeantThis, on_pick)
