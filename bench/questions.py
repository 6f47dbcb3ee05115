"""How well free text is understood: `python -m bench.questions` on tests/data/questions.tsv.

Prints the overall accuracy, the accuracy per intent and the confusions. A message counts as
right when the best intent is the labelled one (or, for `none`, when nothing matched).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.domain.understand import Matcher, Understanding
from storage.faq import DATA_PATH, load_faq_file

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "questions.tsv"
TODAY = date(2026, 11, 23)  # the evaluation reads relative times ("tuần sau") from this day


@dataclass(frozen=True)
class Result:
    """One labelled message and how it was read."""

    text: str
    expected: str
    reading: Understanding

    @property
    def predicted(self) -> str:
        return "none" if self.reading.status == "none" else self.reading.candidates[0].intent

    @property
    def right(self) -> bool:
        return self.predicted == self.expected


def labelled(path: Path = LABELLED) -> list[tuple[str, str]]:
    """(text, intent) pairs of the labelled file, skipping comments and blank lines."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text, intent = line.split("\t")
            rows.append((text, intent.strip()))
    return rows


def matcher(faq_path: Path = DATA_PATH) -> Matcher:
    """The matcher built from the FAQ file, as the bot builds it from the FAQ table."""
    entries = load_faq_file(faq_path)
    return Matcher({e.key: {"vi": e.questions.vi, "en": e.questions.en} for e in entries})


def evaluate(m: Matcher, rows: list[tuple[str, str]], today: date = TODAY) -> list[Result]:
    """Reads every labelled message."""
    return [Result(text, expected, m.understand(text, today)) for text, expected in rows]


def accuracy(results: list[Result]) -> float:
    """The share of messages read right."""
    return sum(r.right for r in results) / len(results) if results else 0.0


def report(results: list[Result], seconds: float, verbose: bool) -> str:
    """The printed report."""
    lines = []
    n = len(results)
    sure_right = sum(r.right and r.reading.status == "sure" for r in results)
    sure_wrong = sum(not r.right and r.reading.status == "sure" for r in results)
    offered = [r for r in results if r.reading.status == "unsure"]
    in_three = sum(any(c.intent == r.expected for c in r.reading.candidates) for r in offered)
    lines.append(f"messages: {n}   accuracy: {accuracy(results):.1%}")
    lines.append(
        f"answered at once and right: {sure_right}   answered at once but wrong: {sure_wrong}"
        f"   three options offered: {len(offered)} (right one among them: {in_three})"
    )
    lines.append(f"time per message: {seconds / n * 1000:.2f} ms")
    lines.append("")
    lines.append("per intent (right/total):")
    by_intent: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_intent[r.expected].append(r)
    for intent in sorted(by_intent, key=lambda i: (accuracy(by_intent[i]), i)):
        rs = by_intent[intent]
        lines.append(f"  {intent:24} {sum(r.right for r in rs):3}/{len(rs):<3} {accuracy(rs):6.1%}")
    confusions = Counter((r.expected, r.predicted) for r in results if not r.right)
    lines.append("")
    lines.append("confusions (expected -> read as: count):")
    for (expected, predicted), count in confusions.most_common():
        lines.append(f"  {expected} -> {predicted}: {count}")
    if verbose:
        lines.append("")
        lines.append("misread messages:")
        for r in results:
            if not r.right:
                cands = ", ".join(f"{c.intent} {c.score:.2f}" for c in r.reading.candidates)
                lines.append(
                    f"  {r.text!r} expected {r.expected}; {r.reading.status}: {cands}"
                    f"  tokens={list(r.reading.tokens)}"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Runs the evaluation and prints the report."""
    p = argparse.ArgumentParser(prog="python -m bench.questions", description=__doc__)
    p.add_argument("-v", "--verbose", action="store_true", help="list every misread message")
    p.add_argument("--file", type=Path, default=LABELLED, help="labelled messages (TSV)")
    args = p.parse_args(argv)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends the report quietly
    m = matcher()
    rows = labelled(args.file)
    started = time.perf_counter()
    results = evaluate(m, rows)
    print(report(results, time.perf_counter() - started, args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
