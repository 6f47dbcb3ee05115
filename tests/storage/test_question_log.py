"""The questions log: unanswered questions grouped by folded text, the most frequent first."""

from __future__ import annotations

from pathlib import Path

import time_machine

from bot.domain.textnorm import fold
from storage.questions import QuestionRepo
from tests.database import open_test_db


async def test_unanswered_grouped_and_ordered_by_frequency(tmp_path: Path) -> None:
    db = await open_test_db(tmp_path / "k.db")
    log = QuestionRepo(db)
    try:
        asked = ["Giá vàng?", "gia vang", "GIÁ VÀNG", "bóng đá", "bong da", "xổ số"]
        with time_machine.travel("2026-11-23 03:00Z", tick=True):
            for text in asked:
                await log.log(text, fold(text), intent=None, guess=None, score=0.1, user_hash="h")
            await log.log("ocop la gi", "ocop la gi", intent="ocop", guess="ocop", score=0.9,
                          user_hash="h")  # fmt: skip
        unsure = await log.log("gian hang", "gian hang", intent=None, guess="fair_booths",
                               score=0.4, user_hash="h")  # fmt: skip

        groups = await log.unanswered()
        assert [(g.folded, g.count) for g in groups][:3] == [
            ("gia vang", 3),
            ("bong da", 2),
            ("gian hang", 1),  # the latest of the single ones first
        ]
        assert groups[0].example == "GIÁ VÀNG"  # the latest wording
        assert "ocop la gi" not in [g.folded for g in groups]

        await log.answered(unsure, "fair_booths")  # the user picked an option
        assert "gian hang" not in [g.folded for g in await log.unanswered()]
    finally:
        await db.close()
