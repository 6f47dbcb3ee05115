"""The registration benchmark still drives whole registrations on both sides, so its figures
keep meaning what BENCHMARKS.md says (behaviour only: speed is bench/'s business)."""

from __future__ import annotations

from pathlib import Path

from bench.registration import FIRST_ID, answers, run_ours, run_peer, steps_of
from bot.core.types import Reply

USERS = 20
Shown = tuple[str, list[str]]


def _shown(replies: list[Reply]) -> list[Shown]:
    """Each reply's text and the labels it offers (the share-contact button first)."""
    return [
        (
            r.text,
            [*([r.request_contact] if r.request_contact else []), *(b.label for b in r.options)],
        )
        for r in replies
    ]


async def test_every_simulated_producer_ends_with_a_pending_registration(tmp_path: Path) -> None:
    outcome = await run_ours(USERS, tmp_path, concurrency=8)
    assert outcome.steps == sum(steps_of(u) for u in range(USERS))
    assert outcome.steps == sum(len(answers(u)) for u in range(USERS)) < USERS * 17
    assert outcome.pending == USERS


async def test_the_peer_registers_everyone_with_the_same_replies(tmp_path: Path) -> None:
    ours: dict[int, list[Shown]] = {}
    (tmp_path / "ours").mkdir()
    (tmp_path / "peer").mkdir()

    def keep(user: int, replies: list[Reply]) -> None:
        ours.setdefault(user, []).extend(_shown(replies))

    await run_ours(USERS, tmp_path / "ours", concurrency=1, on_reply=keep)
    outcome, peer = await run_peer(USERS, tmp_path / "peer", concurrency=1, record=True)
    assert outcome.pending == USERS
    for user in range(USERS):
        assert peer.built[FIRST_ID + user] == ours[user], f"user {user}"
