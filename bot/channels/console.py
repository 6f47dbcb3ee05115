"""The console channel: one message per line on stdin, replies on stdout, options numbered."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import TextIO

from bot.channels.text import attachment_as_text
from bot.core.types import Incoming, Kind, Reply, UserRef
from bot.engine.dispatch import Dispatcher
from bot.engine.ratelimit import Lane, Limiter

__all__ = ["ConsoleChannel", "render"]

CONSOLE_USER = UserRef(channel="console", external_id="local")


def render(reply: Reply, *, files_dir: Path | None = None) -> str:
    """A reply as plain text: the message, then its options numbered from 1."""
    reply = attachment_as_text(reply, "console")
    lines = [reply.text] if reply.text else []
    if reply.venue:
        v = reply.venue
        lines.append(f"📍 {v.title} — {v.address}")
        lines.append(f"https://maps.google.com/?q={v.latitude},{v.longitude}")
    if reply.photo_url:
        lines.append(reply.photo_url)
    if reply.document is not None:
        target = (files_dir or Path.cwd()) / reply.document.filename
        target.write_bytes(reply.document.content)
        lines.append(f"📎 {target}")
    for number, button in enumerate(reply.options, start=1):
        lines.append(f"  {number}. {button.label}")
    return "\n".join(lines)


class ConsoleChannel:
    """Chat with the bot in a terminal, or through a pipe."""

    name = "console"
    limiter: Limiter | None = None  # a terminal has no rate to keep

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        files_dir: Path | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.files_dir = files_dir
        dispatcher.attach(self)

    async def send(self, user: UserRef, replies: list[Reply], lane: Lane = Lane.BULK) -> None:
        """Print replies (also those addressed to the console user by others)."""
        for reply in replies:
            self.stdout.write(render(reply, files_dir=self.files_dir) + "\n\n")
        self.stdout.flush()

    async def run(self) -> None:
        """Read lines until end of input, answering each."""
        interactive = self.stdin.isatty()
        if interactive:
            # log lines would interleave with the conversation on the same terminal
            logging.getLogger().setLevel(logging.WARNING)
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                self.stdout.write("> ")
                self.stdout.flush()
            line = await loop.run_in_executor(None, self.stdin.readline)
            if not line:
                break
            text = line.rstrip("\r\n")
            kind = Kind.COMMAND if text.startswith("/") else Kind.TEXT
            incoming = Incoming(user=CONSOLE_USER, kind=kind, text=text, display_name=None)
            await self.dispatcher.converse(incoming)  # answered before the next line is read
