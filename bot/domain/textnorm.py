"""Folding of Vietnamese text for matching: what people type without diacritics or with typos.

`fold("Xã  Bát Tràng, Hà Nội")` and `fold("xa bat trang ha noi")` are equal. Folding is for
comparing, never for display.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = ["fold", "tokens"]

# After NFD every Vietnamese letter is a base letter plus combining marks (U+0300–U+036F:
# tones, circumflex, breve, horn), except đ/Đ, which have no decomposition.
_STRIP: Final[dict[int, str | None]] = {cp: None for cp in range(0x300, 0x370)}
_STRIP[ord("đ")] = "d"
_STRIP[ord("Đ")] = "d"
_SEPARATORS: Final = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lower-cases, strips diacritics (đ -> d) and turns every run of non-letters into one space."""
    if text.isascii():
        return _SEPARATORS.sub(" ", text.lower()).strip()
    bare = unicodedata.normalize("NFD", text.lower()).translate(_STRIP)
    return _SEPARATORS.sub(" ", bare).strip()


def tokens(text: str) -> list[str]:
    """The words of the folded text."""
    return fold(text).split()
