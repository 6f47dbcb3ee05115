"""How well typed answers are read at every step of the registration:
`python -m bench.typed` on tests/data/typed_turns.yaml.

Each turn is typed by a producer who has just been asked one question of the registration,
on Zalo and on Telegram, through the real router of an App on a real SQLite file (the way
there is walked with buttons and plain answers first). It counts as right when the bot did
what the producer meant: kept the answer (and only it), answered her question and asked again,
went back, skipped, or refused politely what cannot be an answer. Prints the share right per
category and per channel, and every miss with what the bot said.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.core.config import Settings
from bot.core.types import Incoming, Kind, Reply, UserRef

ROOT = Path(__file__).resolve().parent.parent
TURNS = ROOT / "tests" / "data" / "typed_turns.yaml"
CHANNELS = ("zalo", "telegram")
GOAL = 0.95

# The way to each step: what a producer sends before it is asked (a payload: a button).
_WALK: list[tuple[str, str]] = [
    ("consent", "/dang_ky"),
    ("name", "button:reg:consent:yes"),
    ("kind", "Cơ sở gốm Minh Hải"),
    ("roles", "button:reg:kind:household"),
    ("sectors", "button:reg:roles:producer|button:reg:roles:done"),
    ("ward", "button:reg:sectors:ceramics|button:reg:sectors:done"),
    ("address", "bat trang"),
    ("contact", "Thôn 3"),
    ("phone", "Nguyễn Thị Lan"),
    ("tax_code", "{phone}"),
    ("products", "{tax}"),
    ("ocop", "Bát đĩa"),
    ("practices", "4"),
    ("findable", "2 7"),
    ("summary", "2"),  # not findable by other members (yet)
]
_ORDER = [step for step, _ in _WALK]
_FIELDS = {
    "name": "name",
    "kind": "kind",
    "roles": "roles",
    "sectors": "sectors",
    "ward": "ward_code",
    "ward_pick": "ward_code",
    "address": "address",
    "contact": "contact_name",
    "phone": "phone",
    "tax_code": "tax_code",
    "products": "products",
    "ocop": "ocop_stars",
    "practices": "practices",
}
_BACK = {"name": "consent", "address": "ward", "ward_pick": "ward"}  # else the step before


@dataclass(frozen=True)
class Turn:
    """One line of the evaluation."""

    category: str
    at: str
    say: str
    expect: Any
    channel: str


@dataclass(frozen=True)
class Result:
    """What the bot did with one turn."""

    turn: Turn
    right: bool
    step: str | None
    said: str


def turns(path: Path = TURNS) -> list[Turn]:
    """Every turn of the file, on each of its channels."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Turn(category, t["at"], str(t["say"]), t["expect"], channel)
        for category, lines in data.items()
        for t in lines
        for channel in t.get("channels", CHANNELS)
    ]


class _Producer:
    """One person typing to the router."""

    def __init__(self, router: Any, channel: str, n: int) -> None:
        self.router = router
        self.user = UserRef(channel=channel, external_id=f"eval-{n}")
        self.n = n
        self.last: list[Reply] = []

    async def send(self, line: str) -> list[Reply]:
        if line.startswith("button:"):
            incoming = Incoming(user=self.user, kind=Kind.BUTTON, payload=line[7:])
        else:
            kind = Kind.COMMAND if line.startswith("/") else Kind.TEXT
            incoming = Incoming(user=self.user, kind=kind, text=line, display_name="Lan")
        self.last = await self.router.handle(incoming)
        return self.last

    async def walk_to(self, step: str) -> None:
        """Answers every question before `step` (`ward_pick`: types a name of three wards)."""
        target = "ward" if step == "ward_pick" else step
        for at, lines in _WALK:
            phone, tax = f"0912{self.n:06d}", f"001085{self.n:06d}"
            for line in lines.format(phone=phone, tax=tax).split("|"):
                await self.send(line)
            if at == target:
                break
        if step == "ward_pick":
            await self.send("van phuc")


async def _state(router: Any, producer: _Producer) -> tuple[str | None, str | None, dict[str, Any]]:
    svc = router.services
    user = await svc.users.find(producer.user)
    conv = await svc.conversations.get(user.id)
    return conv.flow, conv.step, dict(conv.data.get("answers", {}))


async def _judge(router: Any, producer: _Producer, turn: Turn, replies: list[Reply]) -> Result:
    flow, step, answers = await _state(router, producer)
    said = " | ".join(r.text for r in replies)
    field = _FIELDS.get(turn.at)
    expect = turn.expect
    here = flow == "registration" and step == turn.at
    untouched = field is None or answers.get(field) in (None, [])
    right: bool
    if isinstance(expect, dict):
        right = all(
            (step == value) if key == "step" else answers.get(key, "—") == value
            for key, value in expect.items()
        )
    elif expect == "question":
        right = here and untouched and len(replies) >= 2 and "«" not in said
    elif expect == "ask":
        right = here and untouched and "«" in said
    elif expect == "refused":
        right = here and untouched and len(replies) == 1
    elif expect == "back":
        before = _BACK.get(turn.at) or _ORDER[_ORDER.index(turn.at) - 1]
        right = step == before
    elif expect == "next":
        after = _ORDER[_ORDER.index(turn.at) + 1]
        right = step == after and answers.get(field or "") is None
    elif expect == "consented":
        right = step == "name"
    elif expect == "declined":
        right = flow is None
    elif expect == "sent":
        user = await router.services.users.find(producer.user)
        right = await router.services.enterprises.for_account(user.account_id) is not None
    else:
        raise ValueError(f"unknown expectation {expect!r}")
    return Result(turn, right, step, said)


async def evaluate(all_turns: list[Turn], directory: Path) -> list[Result]:
    """Plays every turn through the router of an App on a fresh SQLite file."""
    from bot.app import App  # here: importing the bench reads the turns only

    settings = Settings(_env_file=None, db_path=directory / "typed.db", admins="telegram:1")
    results = []
    async with App(settings) as app:
        router = app.router
        for n, turn in enumerate(all_turns):
            producer = _Producer(router, turn.channel, n)
            await producer.walk_to(turn.at)
            replies = await producer.send(turn.say)
            results.append(await _judge(router, producer, turn, replies))
    return results


def accuracy(results: list[Result]) -> float:
    """The share of turns read as the producer meant."""
    return sum(r.right for r in results) / len(results) if results else 0.0


def report(results: list[Result], verbose: bool = True) -> str:
    """Overall, per category, per channel, and the misses."""
    lines = [
        f"typed turns: {len(results)} ({len({(r.turn.at, r.turn.say) for r in results})}"
        f" lines x {len(CHANNELS)} channels)   read as meant: {accuracy(results):.1%}"
        f"   goal: {GOAL:.0%}",
        "",
        "per category (right/total):",
    ]
    total: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for r in results:
        for key in (r.turn.category, f"channel {r.turn.channel}"):
            total[key] += 1
            right[key] += r.right
    for key in sorted(total, key=lambda k: (k.startswith("channel"), k)):
        lines.append(f"  {key:<24} {right[key]:>3}/{total[key]:<3} {right[key] / total[key]:6.1%}")
    misses = [r for r in results if not r.right]
    if verbose and misses:
        lines += ["", "misread:"]
        for r in misses:
            t = r.turn
            lines.append(
                f"  [{t.channel}] at {t.at}: {t.say!r} expected {t.expect!r};"
                f" now at {r.step}: {r.said[:160]!r}"
            )
    return "\n".join(lines)


def main() -> None:
    """Runs the evaluation and prints the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=TURNS)
    parser.add_argument("-q", "--quiet", action="store_true", help="no list of misses")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-typed-") as tmp:
        results = asyncio.run(evaluate(turns(args.file), Path(tmp)))
    print(report(results, verbose=not args.quiet))
    sys.exit(0)


if __name__ == "__main__":
    main()
