"""Durable conversation state: the active flow, its step and data, and the last menu shown."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from pydantic import BaseModel, Field
from pydantic_core import from_json, to_json

from bot.core.clock import utcnow
from bot.core.types import UserRef
from storage.engine import Database, Row, TurnMemory
from storage.users import User, touch_user

__all__ = ["Conversation", "ConversationRepo"]

SEEN_TO_THE = timedelta(minutes=1)  # how precisely users.last_seen_at is kept


class Conversation(BaseModel):
    """Where a user is: flow and step (None when idle), the flow's answers, the last menu."""

    user_id: int
    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    last_menu: list[tuple[str, str]] = Field(default_factory=list)  # (label, payload)
    started_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    nudged_at: datetime | None = None

    def start(self, flow: str, step: str, data: dict[str, Any] | None = None) -> None:
        """Enter `flow` at `step`, forgetting any other flow."""
        self.flow, self.step, self.data = flow, step, dict(data or {})
        self.started_at, self.nudged_at = utcnow(), None

    def goto(self, step: str) -> None:
        """Move to another step of the current flow."""
        self.step = step

    def end(self) -> None:
        """Leave the flow."""
        self.flow, self.step, self.data = None, None, {}
        self.started_at, self.nudged_at = None, None


_SAVE = (
    "INSERT INTO conversations"
    " (user_id, flow, step, data, last_menu, started_at, updated_at, nudged_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (user_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
    " data = excluded.data, last_menu = excluded.last_menu,"
    " started_at = excluded.started_at, updated_at = excluded.updated_at,"
    " nudged_at = excluded.nudged_at"
)


def _save_params(conv: Conversation) -> tuple[object, ...]:
    # pydantic_core's JSON (compact): several times faster than json.dumps, on every update
    return (
        conv.user_id,
        conv.flow,
        conv.step,
        to_json(conv.data).decode(),
        to_json(conv.last_menu).decode(),
        conv.started_at.isoformat() if conv.started_at else None,
        conv.updated_at.isoformat(),
        conv.nudged_at.isoformat() if conv.nudged_at else None,
    )


def _conversation(row: Row | dict[str, Any]) -> Conversation:
    values = dict(row)
    values["data"] = from_json(values["data"])
    values["last_menu"] = from_json(values["last_menu"])
    return Conversation.model_validate(values)


_USER_COLUMNS = tuple(User.model_fields)  # the columns of `users`, by the same names
_CONVERSATION_COLUMNS = tuple(Conversation.model_fields)
# A user and their state in one statement (no state yet: NULLs)
_LOAD_TURN = (
    "SELECT "
    + ", ".join([*(f"u.{c}" for c in _USER_COLUMNS), *(f"c.{c}" for c in _CONVERSATION_COLUMNS)])
    + " FROM users u LEFT JOIN conversations c ON c.user_id = u.id"
    " WHERE u.channel = ? AND u.external_id = ?"
)


class ConversationRepo:
    """Reads and writes `conversations`; keeps each person's state in memory between their
    turns where the engine can (`Database.turn_memory`), so a turn reads nothing its person's
    last turn wrote."""

    def __init__(
        self, db: Database, *, cache: TurnMemory[User, Conversation] | None = None
    ) -> None:
        self.db = db
        self.cache = db.turn_memory(cache)

    async def get(self, user_id: int) -> Conversation:
        """The user's conversation; an idle one if none was saved."""
        row = await self.db.fetchone("SELECT * FROM conversations WHERE user_id = ?", (user_id,))
        return _conversation(row) if row else Conversation(user_id=user_id)

    async def save(self, conv: Conversation) -> None:
        """Store the conversation as it is now."""
        conv.updated_at = utcnow()
        await self.db.execute(_SAVE, _save_params(conv))

    def save_at_commit(self, conv: Conversation) -> None:
        """Store the conversation with the COMMIT of the current transaction (no extra hop)."""
        conv.updated_at = utcnow()
        cache = self.cache
        keep = None if cache is None else partial(cache.keep_state, conv.user_id, conv)
        self.db.at_commit(_SAVE, _save_params(conv), then=keep)

    async def load_turn(self, ref: UserRef) -> tuple[User, Conversation] | None:
        """The user behind `ref` and their state, kept from their last turn or read in one
        statement; None if they never wrote.

        Outside the turn's transaction, so that loading the next update overlaps with handling
        the current one; safe because one user's updates are handled one at a time.
        """
        key = (ref.channel, ref.external_id)
        cache = self.cache
        if cache is not None and (kept := await cache.take(key)) is not None:
            return kept
        return await self.db.fetchone(_LOAD_TURN, key, then=partial(self._loaded, key))

    def _loaded(self, key: tuple[str, str], found: Row | None) -> tuple[User, Conversation] | None:
        """The user and state read by _LOAD_TURN, kept (right after the statement)."""
        if found is None:
            return None
        values = [found[i] for i in range(len(found))]
        split = len(_USER_COLUMNS)
        user = User.model_validate(dict(zip(_USER_COLUMNS, values[:split], strict=True)))
        if self.cache is not None:
            self.cache.keep_user(key, user.id, user)
        if values[split] is None:
            return user, Conversation(user_id=user.id)
        return user, _conversation(dict(zip(_CONVERSATION_COLUMNS, values[split:], strict=True)))

    def forget(self, ref: UserRef) -> None:
        """Keep nothing of this person in memory (their turn failed midway)."""
        if self.cache is not None:
            self.cache.forget((ref.channel, ref.external_id))

    async def first_contact(self, ref: UserRef, display_name: str | None) -> User:
        """Create the user behind `ref` (inside the turn's transaction), and keep them for
        their next turn (if the turn fails, the router forgets them)."""
        key = (ref.channel, ref.external_id)
        cache = self.cache
        # kept after the statements that write the user, so after their triggers
        keep = None if cache is None else (lambda user: cache.keep_user(key, user.id, user))
        user, _ = await touch_user(self.db, ref, display_name, utcnow().isoformat(), then=keep)
        return user

    def touch_at_commit(self, user: User, display_name: str | None) -> None:
        """Mark the user seen (and no longer blocking the bot) with the turn's COMMIT; to the
        minute: a user answering question after question is not written every time."""
        now = utcnow()
        if (
            user.blocked_at is None
            and display_name in (None, user.display_name)
            and now - user.last_seen_at < SEEN_TO_THE
        ):
            return
        self.db.at_commit(
            "UPDATE users SET last_seen_at = ?, blocked_at = NULL,"
            " display_name = coalesce(?, display_name) WHERE id = ?",
            (now.isoformat(), display_name, user.id),
        )

    async def mark_nudged(self, user_id: int) -> None:
        """Record that the user was reminded of their unfinished flow, leaving updated_at as it
        is (it measures how long the user has been away)."""
        await self.db.execute(
            "UPDATE conversations SET nudged_at = ? WHERE user_id = ?",
            (utcnow().isoformat(), user_id),
        )

    async def set_last_menu(self, user_id: int, menu: list[tuple[str, str]]) -> None:
        """Make the options of a message sent outside a turn (a notice, a reminder) the ones a
        typed number picks, touching nothing else of the conversation."""
        await self.db.execute(
            "INSERT INTO conversations (user_id, last_menu, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET last_menu = excluded.last_menu",
            (user_id, json.dumps(menu, ensure_ascii=False), utcnow().isoformat()),
        )

    async def stale(self, flow: str, older_than: timedelta) -> list[Conversation]:
        """Conversations in `flow` not touched for `older_than`."""
        cutoff = (utcnow() - older_than).isoformat()
        rows = await self.db.fetchall(
            "SELECT * FROM conversations WHERE flow = ? AND updated_at < ?", (flow, cutoff)
        )
        return [_conversation(r) for r in rows]
