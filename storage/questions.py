"""The log of free-text questions: what was asked, and what the bot answered or could not."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from bot.core.clock import utcnow
from storage.engine import Database, Row

__all__ = ["LoggedQuestion", "QuestionRepo", "Unanswered"]


class LoggedQuestion(BaseModel):
    """One question as it was logged."""

    id: int
    text: str
    folded: str
    intent: str | None
    guess: str | None
    score: float
    user_hash: str
    created_at: datetime


class Unanswered(BaseModel):
    """Questions the bot could not answer, grouped by their folded text."""

    folded: str
    example: str  # the latest as typed
    count: int
    last_asked: datetime


class QuestionRepo:
    """Reads and writes `questions`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def log(
        self,
        text: str,
        folded: str,
        *,
        intent: str | None,
        guess: str | None,
        score: float,
        user_hash: str,
    ) -> int:
        """Records a question and what was answered (`intent` None: nothing); returns its id."""
        return await self.db.execute(
            "INSERT INTO questions (text, folded, intent, guess, score, user_hash, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (text, folded, intent, guess, round(score, 3), user_hash, utcnow().isoformat()),
        )

    async def get(self, question_id: int) -> LoggedQuestion | None:
        """The logged question with this id."""
        row = await self.db.fetchone("SELECT * FROM questions WHERE id = ?", (question_id,))
        return _question(row) if row else None

    async def answered(self, question_id: int, intent: str) -> None:
        """The user picked `intent` among the options offered for this question."""
        await self.db.execute("UPDATE questions SET intent = ? WHERE id = ?", (intent, question_id))

    async def resolve(self, folded: str, intent: str) -> int:
        """Count the unanswered questions worded `folded` as answered by `intent` (a FAQ entry
        made for them); how many there were."""
        return await self.db.execute(
            "UPDATE questions SET intent = ? WHERE folded = ? AND intent IS NULL", (intent, folded)
        )

    async def unanswered(self, limit: int = 100) -> list[Unanswered]:
        """Unanswered questions grouped by folded text, the most frequent first."""
        rows = await self.db.fetchall(
            "SELECT folded, count(*) AS count, max(created_at) AS last_asked,"
            " (SELECT q2.text FROM questions q2 WHERE q2.folded = q.folded AND q2.intent IS NULL"
            "  ORDER BY q2.id DESC LIMIT 1) AS example"
            " FROM questions q WHERE intent IS NULL GROUP BY folded"
            " ORDER BY count DESC, last_asked DESC, folded LIMIT ?",
            (limit,),
        )
        return [Unanswered.model_validate(dict(r)) for r in rows]


def _question(row: Row) -> LoggedQuestion:
    return LoggedQuestion.model_validate(dict(row))
