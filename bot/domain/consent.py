"""The consent text a registration asks for, and its version.

Law 91/2025/QH15 accepts consent only when the person knows what data is processed, for what
purposes, by whom, and what their rights are; silence is not consent. Change CONSENT_TEXT and
the version and date go with it: people registered under an older version are asked again the
next time they change their registration (handlers/registration/flow.py).
"""

from __future__ import annotations

from datetime import date
from typing import Final

from bot.core.i18n import N_

__all__ = ["CONSENT_DATE", "CONSENT_TEXT", "CONSENT_VERSION", "CONTROLLER", "is_current"]

CONSENT_VERSION: Final = "2026.1"
CONSENT_DATE: Final = date(2026, 1, 1)  # the day the law came into force
CONTROLLER: Final = "Sở Công Thương Hà Nội"  # the Hanoi Department of Industry and Trade

# Placeholders: {my_data} and {profile} are commands in the reader's language, {version} and
# {date} say which text this is.
CONSENT_TEXT: Final = N_(
    "Before you register, please read how your data is used.\n\n"
    "• What: the name, kind and place of your establishment, your role and crafts, a contact"
    " person and phone number, a tax code (for a household business, the owner's 12-digit"
    " personal ID number), your products and practices; later, your booth applications and the"
    " reminders you follow.\n"
    "• Why: to run Hanoi's craft-village network: reviewing your registration, fairs and"
    " booths, reminders, and the Department's announcements.\n"
    "• Who: the Hanoi Department of Industry and Trade (Sở Công Thương Hà Nội) is responsible"
    " for this data. Only its staff who run the network see it; it is not sold or given to"
    " anyone else, except where the law requires.\n"
    "• How long: while your establishment is in the network. Unfinished answers are deleted"
    " after a week; {my_data} shows how long each kind of data is kept.\n"
    "• Your rights: with {my_data} you can see your data and get a copy, stop announcements,"
    " or withdraw your consent and have your data deleted; {profile} corrects it. Agreeing is"
    " your choice: without it you can still see the fairs and ask questions.\n\n"
    "(Consent text version {version} of {date}.) Do you agree?"
)


def is_current(version: str | None) -> bool:
    """Whether consent given under `version` covers the text as it is now."""
    return version == CONSENT_VERSION
