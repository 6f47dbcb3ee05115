"""How a member is shown to another: only what they chose to show before a link, their contact
once a request is accepted."""

from __future__ import annotations

from bot.core.i18n import Lang
from bot.domain.enterprise_terms import KIND_NAMES, ROLE_NAMES, place_label, term
from bot.domain.phones import format_phone
from bot.domain.sectors import sector_name
from storage.enterprises import Enterprise

__all__ = ["APPS", "card", "contact_lines", "title"]

APPS = {"telegram": "Telegram", "zalo": "Zalo", "zalo_oa": "Zalo", "console": "console"}


def title(e: Enterprise, lang: Lang) -> str:
    """The member's name, or what they are when they chose not to show it."""
    _ = lang.gettext
    if "name" in e.shown:
        return e.name
    roles = ", ".join(term(ROLE_NAMES, r, _) for r in e.roles) or _("Member")
    return _("{roles} (name not shown)").format(roles=roles)


def card(e: Enterprise, lang: Lang) -> str:
    """A member as a search result: a line of what they are, a line of what they make."""
    _ = lang.gettext
    parts = []
    if "kind" in e.shown:
        parts.append(term(KIND_NAMES, e.kind, _))
    if "roles" in e.shown and e.roles:
        parts.append(", ".join(term(ROLE_NAMES, r, _) for r in e.roles))
    if "sectors" in e.shown and e.sectors:
        parts.append(", ".join(sector_name(s, _) for s in e.sectors))
    if "place" in e.shown:
        parts.append(place_label(e.ward_code, e.province, _))
    if "ocop_stars" in e.shown and e.ocop_stars:
        parts.append(_("OCOP {stars}★").format(stars=e.ocop_stars))
    lines = [" · ".join([title(e, lang), *parts])]
    if "products" in e.shown and e.products:
        lines.append(_("Products: {products}").format(products=e.products))
    return "\n".join(lines)


def contact_lines(e: Enterprise, app: str, lang: Lang) -> str:
    """Everything the other side of an accepted link receives."""
    _ = lang.gettext
    return "\n".join(
        [
            f"• {e.name}",
            _("Contact: {name}, {phone}").format(name=e.contact_name, phone=format_phone(e.phone)),
            _("Writes on: {app}").format(app=APPS.get(app, app)),
        ]
    )
