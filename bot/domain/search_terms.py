"""What the staff's search of registrations compares: a registration's name, contact,
reference, phone and tax code folded into one text, and the words a query is made of."""

from __future__ import annotations

import re
from typing import Any, Final

from bot.domain.textnorm import fold

__all__ = ["search_text", "search_words"]

_NOT_DIGITS: Final = re.compile(r"[\s.+()-]")


def _national(phone: str) -> str:
    return "0" + phone[3:] if phone.startswith("+84") else phone.lstrip("+")


def search_text(row: Any) -> str:
    """What a registration is found by, folded: name, contact, reference, phone, tax code
    (`row`: anything read by column name, a database row or a dict)."""
    parts = [
        fold(row["name"] or ""),
        fold(row["contact_name"] or ""),
        (row["reference"] or "").lower(),
        _national(row["phone"] or ""),
        row["tax_code"] or "",
    ]
    return " ".join(p for p in parts if p)


def search_words(query: str) -> list[str]:
    """The words to look for: a phone number or tax code typed with spaces or dots is one."""
    squeezed = _NOT_DIGITS.sub("", query)
    if len(squeezed) >= 4 and squeezed.isdigit():
        return [
            "0" + squeezed[2:] if squeezed.startswith("84") and len(squeezed) >= 11 else squeezed
        ]
    return [w for w in fold(query).split() if w][:8]
