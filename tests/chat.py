"""A user talking to the real router, for handler tests."""

from __future__ import annotations

from typing import Literal

from bot.core.types import Button, Incoming, Kind, Reply, UserRef
from bot.dialog.router import Router

__all__ = ["Chat"]


class Chat:
    """One user talking to the real router; remembers what they were sent."""

    def __init__(
        self,
        router: Router,
        external_id: str = "u1",
        channel: str = "console",
        language: str | None = None,
        name: str | None = "Lan",
    ) -> None:
        self.router = router
        self.user = UserRef(channel=channel, external_id=external_id)
        self.language = language
        self.name = name
        self.replies: list[Reply] = []

    async def send(self, incoming: Incoming) -> list[Reply]:
        replies = await self.router.handle(incoming)
        self.replies.extend(replies)
        return replies

    async def say(self, text: str) -> list[Reply]:
        """Type a line: a command when it starts with '/', text otherwise."""
        kind = Kind.COMMAND if text.startswith("/") else Kind.TEXT
        return await self.send(
            Incoming(
                user=self.user,
                kind=kind,
                text=text,
                display_name=self.name,
                language_hint=self.language,
            )
        )

    async def press(self, which: str | int) -> list[Reply]:
        """Press a button of the last menu by its label (substring) or payload, or 1-based index."""
        button = self.find(which)
        return await self.send(
            Incoming(
                user=self.user, kind=Kind.BUTTON, payload=button.payload, display_name=self.name
            )
        )

    async def share_contact(
        self, phone: str, *, user_id: str | Literal["own"] | None = "own"
    ) -> list[Reply]:
        """Share a contact: one's own (Telegram's share button), another user's (their id), or
        one of someone who is no user of the platform (None)."""
        contact_user_id = self.user.external_id if user_id == "own" else user_id
        return await self.send(
            Incoming(
                user=self.user, kind=Kind.CONTACT, phone=phone, contact_user_id=contact_user_id
            )
        )

    def find(self, which: str | int) -> Button:
        options = self.options
        if isinstance(which, int):
            return options[which - 1]
        for b in options:
            if b.payload == which or which.lower() in b.label.lower():
                return b
        raise AssertionError(f"no option {which!r} in {[b.label for b in options]}")

    @property
    def last(self) -> Reply:
        return self.replies[-1]

    @property
    def text(self) -> str:
        """The text of the last reply."""
        return self.last.text

    @property
    def options(self) -> list[Button]:
        """The options of the last reply that had any."""
        for reply in reversed(self.replies):
            if reply.buttons:
                return reply.options
        return []
