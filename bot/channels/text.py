"""Plain-text helpers shared by the channels: cutting long messages at line boundaries."""

from __future__ import annotations

__all__ = ["split_text"]


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
