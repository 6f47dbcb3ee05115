"""Plain-text helpers shared by the channels: cutting long messages at line boundaries, and
saying in words what an attachment from another platform was."""

from __future__ import annotations

import dataclasses

from bot.core.types import Reply

__all__ = ["attachment_as_text", "split_text"]


def attachment_as_text(reply: Reply, channel: str) -> Reply:
    """The reply with an attachment this channel cannot send (one kept by another platform's
    id) replaced by its note, after the text."""
    if reply.attachment is None or reply.attachment.channel == channel:
        return reply
    text = "\n\n".join(t for t in (reply.text, reply.attachment_note or "") if t.strip())
    return dataclasses.replace(reply, text=text, attachment=None, attachment_note=None)


def split_text(text: str, limit: int) -> list[str]:
    """Cut text into pieces of at most `limit` characters, at line boundaries when possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces
