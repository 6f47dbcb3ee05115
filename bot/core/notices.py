"""The kinds of notice a person may get outside a conversation, and the fields each carries:
what a channel that must send a notice another way (a Zalo OA template message, by phone,
outside the chat window) can fill a template's parameters with. The Department registers
templates with these fields (README, "Zalo Official Account")."""

from __future__ import annotations

from typing import Final

__all__ = ["NAME", "NOTICE_KINDS"]

NAME: Final = "name"  # the person's name: the channel fills it if the notice does not

_FIELDS: Final[dict[str, dict[str, str]]] = {
    "fair_reminder": {
        "fair": "the fair's title",
        "date": "its first day, dd/mm/yyyy",
        "time": "its opening time, HH:MM",
        "venue": "the venue's name and address",
    },
    "apply_by_reminder": {
        "fair": "the fair's title",
        "deadline": "when applications close, HH:MM dd/mm/yyyy",
    },
    "offer_reminder": {
        "fair": "the fair's title",
        "deadline": "until when the booth offered is held, HH:MM dd/mm/yyyy",
    },
    "registration_approved": {
        "reference": "the registration's reference, HN-2026-000123",
        "enterprise": "the establishment's name",
    },
    "registration_rejected": {
        "reference": "the registration's reference",
        "enterprise": "the establishment's name",
        "reason": "why it was not approved",
    },
    "booth_approved": {
        "fair": "the fair's title",
        "date": "its first day, dd/mm/yyyy",
        "booths": "the booth numbers",
    },
    "booth_rejected": {
        "fair": "the fair's title",
        "reason": "why the application was not approved",
    },
    "connection_request": {
        "enterprise": "the name of the member who asks to connect",
        "reason": "their one line on why",
    },
    "connection_accepted": {
        "enterprise": "the name of the member who accepted (or was accepted)",
        "contact": "their contact person",
        "phone": "their phone number, 0912 345 678",
    },
    "meeting_reminder": {
        "fair": "the fair's title",
        "time": "when the meeting begins, HH:MM dd/mm/yyyy",
        "enterprise": "the member met",
    },
}
_NAME = "the person's name (as shared with the Zalo OA, or the contact's)"
# kind -> {field: what it holds}, `name` in each
NOTICE_KINDS: Final = {kind: {NAME: _NAME, **fields} for kind, fields in _FIELDS.items()}
