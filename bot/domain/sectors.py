"""The craft sectors of DESIGN.md: stable keys and their names (translated where shown)."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.i18n import N_

__all__ = ["SECTORS", "sector_name"]

SECTORS: dict[str, str] = {
    "ceramics": N_("Ceramics"),
    "lacquer": N_("Lacquer"),
    "embroidery": N_("Embroidery"),
    "bamboo_rattan": N_("Bamboo and rattan"),
    "wood": N_("Wood"),
    "textile_silk": N_("Silk and textiles"),
    "food": N_("Food processing"),
    "sculpture": N_("Sculpture"),
    "horn": N_("Horn"),
    "conical_hat": N_("Conical hats"),
    "paper_flower": N_("Paper flowers"),
    "herbal": N_("Herbal medicine"),
    "leather": N_("Leather"),
    "metal_jewelry": N_("Metalwork and jewellery"),
    "other": N_("Other crafts"),
}


def sector_name(key: str, gettext: Callable[[str], str]) -> str:
    """The name of a sector in the language of `gettext` (e.g. `turn._`); the key if unknown."""
    source = SECTORS.get(key)
    return gettext(source) if source is not None else key
