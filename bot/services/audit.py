"""The audit log as admin actions write it: `await turn.services.audit.record(turn, action,
before, after)`; refused attempts are logged by the role guards."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from pydantic import BaseModel

from bot.core.types import Incoming
from storage.audit import AuditRepo
from storage.conversations import Conversation
from storage.roles import Role, RoleRepo
from storage.users import User

__all__ = ["REFUSED", "Actor", "Audit", "actor_label"]

log = logging.getLogger("ketnoi.audit")

REFUSED = "refused"
_PAYLOAD_LOGGED = 80  # characters of a payload kept in the log


class Actor(Protocol):
    """Who acts: a turn of the chat, or a member of staff on the web pages."""

    @property
    def user(self) -> User: ...


class Turn(Protocol):
    """What the log reads of a turn (bot.dialog.router.Turn): who acted, on what update,
    in which conversation. A protocol, so that services need not import the router."""

    @property
    def user(self) -> User: ...

    @property
    def incoming(self) -> Incoming: ...

    @property
    def conversation(self) -> Conversation: ...


def actor_label(user: User) -> str:
    """How the actor is written in the log: `telegram:123 (Lan)`."""
    return f"{user.ref} ({user.display_name})" if user.display_name else str(user.ref)


def _target(*values: Any) -> str | None:
    """`enterprise:12` from the first model with an id, when the caller names no target."""
    for value in values:
        if isinstance(value, BaseModel) and isinstance(getattr(value, "id", None), int):
            return f"{type(value).__name__.lower()}:{value.id}"  # type: ignore[attr-defined]
    return None


def _clipped(payload: str | None) -> str | None:
    """A payload as logged: a forged one can be of any length (Telegram's are 64 bytes)."""
    if payload is None or len(payload) <= _PAYLOAD_LOGGED:
        return payload
    return payload[: _PAYLOAD_LOGGED - 1] + "…"


class Audit:
    """Records admin actions and refused attempts, inside the turn's transaction."""

    def __init__(self, repo: AuditRepo, roles: RoleRepo) -> None:
        self.repo = repo
        self.roles = roles

    async def record(
        self,
        turn: Actor,
        action: str,
        before: Any = None,
        after: Any = None,
        *,
        target: str | None = None,
    ) -> None:
        """Log that the turn's (or web page's) user did `action` (e.g. 'fair.cancel'); before
        and after are models, dicts or None."""
        role = await self.roles.role_of(turn.user)
        await self.repo.add(
            actor_id=turn.user.id,
            actor=actor_label(turn.user),
            role=role.value if role else None,
            action=action,
            target=target or _target(after, before),
            before=before,
            after=after,
        )

    async def refused(self, turn: Turn, needed: Role, have: Role | None) -> None:
        """Log an attempt at something the user's role does not allow (a forged button
        included): what was tried and what it needed."""
        await self._refusal(turn, have, {"needed": needed.value})

    async def refused_attempt(self, turn: Turn, reason: str) -> None:
        """Log an attempt no role could make good: a button that cannot be read (malformed,
        out of range, forged) or that names someone else's record."""
        await self._refusal(turn, await self.roles.role_of(turn.user), {"reason": reason})

    async def _refusal(self, turn: Turn, role: Role | None, why: dict[str, str]) -> None:
        inc = turn.incoming
        payload = _clipped(inc.payload)
        tried = {
            "kind": inc.kind.value,
            "command": inc.command,
            "payload": payload,
            "flow": turn.conversation.flow,
            **why,
        }
        await self.repo.add(
            actor_id=turn.user.id,
            actor=actor_label(turn.user),
            role=role.value if role else None,
            action=REFUSED,
            target=payload or (f"/{inc.command}" if inc.command else turn.conversation.flow),
            outcome=REFUSED,
            after={k: v for k, v in tried.items() if v is not None},
        )

    async def refused_page(
        self, user: User, needed: Role, have: Role | None, method: str, path: str
    ) -> None:
        """Log a request for a staff web page the user's role does not allow."""
        await self.repo.add(
            actor_id=user.id,
            actor=actor_label(user),
            role=have.value if have else None,
            action=REFUSED,
            target=path,
            outcome=REFUSED,
            after={"kind": "web", "method": method, "needed": needed.value},
        )

    async def record_subject(
        self, subject: str, action: str, target: str | None, after: Any = None
    ) -> None:
        """Log what a person did about their own data under their pseudonym (`subject`), never
        their name or address: the entry outlives the data it is about."""
        await self.repo.add(
            actor_id=None, actor=subject, role=None, action=action, target=target, after=after
        )

    async def record_cli(self, action: str, target: str | None, after: Any = None) -> None:
        """Log an action done on the server's command line."""
        await self.repo.add(
            actor_id=None, actor="cli", role=None, action=action, target=target, after=after
        )
