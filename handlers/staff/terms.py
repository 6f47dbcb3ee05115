"""Names of staff roles and audited actions (bot/services/staff_terms.py, shared with the web
pages)."""

from __future__ import annotations

from bot.services.staff_terms import ACTION_NAMES, ROLE_DUTIES, ROLE_NAMES

__all__ = ["ACTION_NAMES", "ROLE_DUTIES", "ROLE_NAMES"]
