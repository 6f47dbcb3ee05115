"""Names of the keys a registration stores (kinds, roles, practices, statuses) and of its
place, translated where shown: for the registration flow, admin messages and exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bot.core.i18n import N_
from bot.domain.phones import format_phone
from bot.domain.places import get_ward
from bot.domain.sectors import sector_name
from bot.domain.taxcode import mask_tax_code

__all__ = [
    "FIELD_LABELS",
    "KIND_NAMES",
    "KIND_WORDS",
    "PRACTICE_NAMES",
    "ROLE_NAMES",
    "ROLE_WORDS",
    "STATUS_NAMES",
    "Fields",
    "field_value",
    "place_label",
    "term",
    "ward_label",
]

Gettext = Callable[[str], str]


class Fields(Protocol):
    """The answers of a registration that read as names (storage.enterprises.EnterpriseFields)."""

    @property
    def kind(self) -> str | None: ...
    @property
    def roles(self) -> list[str]: ...
    @property
    def sectors(self) -> list[str]: ...
    @property
    def ward_code(self) -> str | None: ...
    @property
    def province(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def ocop_stars(self) -> int | None: ...
    @property
    def practices(self) -> list[str]: ...
    @property
    def tax_code(self) -> str | None: ...


KIND_NAMES: dict[str, str] = {
    "household": N_("Household business"),
    "cooperative": N_("Cooperative"),
    "company": N_("Company"),
    "individual": N_("Artisan or individual"),
}

ROLE_NAMES: dict[str, str] = {
    "supplier": N_("Raw-material supplier"),
    "producer": N_("Producer"),
    "distributor": N_("Distributor or retailer"),
    "consumer": N_("Consumer or buyer"),
}

PRACTICE_NAMES: dict[str, str] = {
    "cleaner_production": N_("Cleaner production"),
    "energy_saving": N_("Energy saving"),
    "recycled_materials": N_("Recycled or reused materials"),
    "eco_label": N_("Eco-label"),
    "less_plastic": N_("Less plastic packaging"),
    "none_yet": N_("None yet"),
}

# What people type for a kind or a role, folded, besides the names shown.
KIND_WORDS: dict[str, str] = {
    "ho kinh doanh": "household", "ho kinh doanh ca the": "household", "ho ca the": "household",
    "ho gia dinh": "household", "kinh doanh ca the": "household",
    "htx": "cooperative", "hop tac xa": "cooperative", "to hop tac": "cooperative",
    "cong ty": "company", "doanh nghiep": "company", "cong ty tnhh": "company",
    "nghe nhan": "individual", "ca nhan": "individual",
}  # fmt: skip
ROLE_WORDS: dict[str, str] = {
    "san xuat": "producer", "nha san xuat": "producer", "lam hang": "producer",
    "cung cap nguyen lieu": "supplier", "nguyen lieu": "supplier", "cung cap": "supplier",
    "ban le": "distributor", "ban buon": "distributor", "phan phoi": "distributor",
    "ban hang": "distributor", "thuong mai": "distributor",
    "mua": "consumer", "nguoi mua": "consumer", "tieu dung": "consumer", "mua hang": "consumer",
}  # fmt: skip

STATUS_NAMES: dict[str, str] = {
    "pending": N_("waiting for review"),
    "approved": N_("approved"),
    "rejected": N_("not approved"),
}


def term(names: dict[str, str], key: str, gettext: Gettext) -> str:
    """The translated name of `key` in one of the tables above; the key itself if unknown."""
    source = names.get(key)
    return gettext(source) if source is not None else key


def ward_label(code: str, gettext: Gettext) -> str:
    """'Xã Bát Tràng' / 'Bát Tràng commune'; the code itself if it is not a Hanoi ward."""
    ward = get_ward(code)
    if ward is None:
        return code
    pattern = gettext("{name} ward") if ward.kind == "phuong" else gettext("{name} commune")
    return pattern.format(name=ward.name)


def place_label(ward_code: str | None, province: str | None, gettext: Gettext) -> str:
    """Where an establishment is: its Hanoi ward, or its province outside Hanoi."""
    if ward_code:
        return gettext("{ward}, Hanoi").format(ward=ward_label(ward_code, gettext))
    if province:
        return province
    return ""


FIELD_LABELS: dict[str, str] = {
    "name": N_("Establishment name"),
    "kind": N_("Kind"),
    "roles": N_("Role in the chain"),
    "sectors": N_("Crafts"),
    "place": N_("Place"),
    "address": N_("Address"),
    "contact_name": N_("Contact person"),
    "phone": N_("Phone"),
    "tax_code": N_("Tax code"),
    "products": N_("Main products"),
    "ocop_stars": N_("OCOP rating"),
    "practices": N_("Sustainable practices"),
    "findable": N_("Found by other members"),
}


def field_value(field: str, f: Fields, _: Gettext, *, reveal: bool = True) -> str:
    """One answer in words; 'not given' when it is empty. Without `reveal`, a personal ID
    number used as tax code is masked (`0011******89`)."""
    match field:
        case "tax_code" if not reveal:
            value = mask_tax_code(f.tax_code)
        case "kind":
            value = term(KIND_NAMES, f.kind, _) if f.kind else ""
        case "roles":
            value = ", ".join(term(ROLE_NAMES, k, _) for k in f.roles)
        case "sectors":
            value = ", ".join(sector_name(k, _) for k in f.sectors)
        case "place":
            value = place_label(f.ward_code, f.province, _)
        case "phone":
            value = format_phone(f.phone) if f.phone else ""
        case "ocop_stars":
            value = _("{stars} stars").format(stars=f.ocop_stars) if f.ocop_stars else _("none")
        case "practices":
            value = ", ".join(term(PRACTICE_NAMES, k, _) for k in f.practices)
        case "findable":
            value = _("yes") if getattr(f, "findable", False) else _("no")
        case _:
            value = str(getattr(f, field) or "")
    return value or _("not given")
