"""The typed turns of the evaluation (tests/data/typed_turns.yaml) are read as the producers
meant at least 95% of the time, on Zalo and on Telegram alike (accuracy, not speed)."""

from __future__ import annotations

from pathlib import Path

from bench.typed import CHANNELS, GOAL, accuracy, evaluate, report, turns


async def test_typed_answers_are_read_as_meant_on_both_channels(tmp_path: Path) -> None:
    every = turns()
    assert len({(t.at, t.say) for t in every}) >= 150
    results = await evaluate(every, tmp_path)
    assert accuracy(results) >= GOAL, report(results)
    for channel in CHANNELS:
        assert accuracy([r for r in results if r.turn.channel == channel]) >= GOAL
