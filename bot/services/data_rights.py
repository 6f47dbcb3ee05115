"""What requests about one's data share: the pseudonym a person is recorded under, and the
strings that identify them in messages and logs about others."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Final

from bot.domain.phones import format_phone
from storage.enterprises import Enterprise
from storage.signing_keys import SigningKeyRepo

__all__ = ["KEY_NAME", "needles", "subject_of"]

KEY_NAME: Final = "data-subjects"  # the signing_keys row of the pseudonyms' key


async def subject_of(keys: SigningKeyRepo, account_id: int) -> str:
    """`P-3fa9c2d17b`: the same for one account every time, and not to be traced back to it
    without the key kept in the database (a plain hash of a small number would be)."""
    key = await keys.get_or_create(KEY_NAME)
    digest = hmac.new(key, f"account:{account_id}".encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:10]}"


def needles(enterprise: Enterprise | None, phones: Iterable[str | None] = ()) -> list[str]:
    """The account's phone numbers (stored and as shown), tax code and registration
    reference: whatever quotes one of them in a message or log entry is about this person."""
    found: list[str] = []
    numbers = [p for p in phones if p]
    if enterprise is not None:
        numbers.append(enterprise.phone)
        found += [enterprise.reference, *([enterprise.tax_code] if enterprise.tax_code else [])]
    for number in numbers:
        shown = format_phone(number)
        found += [number, shown, shown.replace(" ", "")]
    return list(dict.fromkeys(found))
