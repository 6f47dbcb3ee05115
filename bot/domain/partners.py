"""What a member looking for partners asks (roles, crafts, place, product words), read from the
same understanding as every other question, and how well a member answers it (no I/O).

"tim nha cung cap men gom" asks for suppliers, of ceramics, offering glaze ("men"); "co so lua
van phuc" for silk establishments in Vạn Phúc. Roles are concept tokens of the lexicon
(`_supply`, `_producer`, `_distributor`, `_consumer`); product words are the words left over
that carry meaning. The pair along the chain (supplier→producer→distributor→consumer) of a link
is its two roles with the upstream one first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz

from bot.domain.lexicon import FILLERS
from bot.domain.textnorm import fold
from bot.domain.understand import Understanding

__all__ = ["CHAIN", "PartnerQuery", "chain_pair", "read_query", "relevance"]

CHAIN: Final = ("supplier", "producer", "distributor", "consumer")  # upstream first
_ROLE_TOKENS: Final = {
    "_supply": "supplier",
    "_producer": "producer",
    "_distributor": "distributor",
    "_consumer": "consumer",
}
# Words of a search that name no product: how people ask, not what they look for.
_ASKING: Final = frozenset(
    [
        "ai",
        "ban",
        "mua",
        "lam",
        "co",
        "can",
        "muon",
        "tim",
        "nao",
        "dau",
        "o",
        "tai",
        "gi",
        "nhe",
        "a",
        "looking",
        "for",
        "who",
        "sells",
        "sell",
        "buy",
        "find",
        "need",
        "want",
        "some",
        "any",
        "hang",
        "san",
        "pham",
        "products",
        "product",
    ]
)
_PRODUCT_MATCH: Final = 80.0  # partial_ratio at which a product word counts as found


class PartnerQuery(BaseModel):
    """A search for members: any of these roles and crafts, in one of these wards (or this
    province), offering these product words. Empty fields do not narrow the search."""

    model_config = ConfigDict(frozen=True)

    roles: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    wards: tuple[str, ...] = ()
    place: str | None = None  # the place's name as understood, for saying so
    province: str | None = None
    words: tuple[str, ...] = ()  # product words, folded

    @property
    def empty(self) -> bool:
        """Whether it narrows nothing (then every findable member matches)."""
        return not (self.roles or self.sectors or self.wards or self.province or self.words)


def read_query(reading: Understanding) -> PartnerQuery:
    """The search a reading of a message asks for."""
    roles = tuple(dict.fromkeys(_ROLE_TOKENS[t] for t in reading.tokens if t in _ROLE_TOKENS))
    words = tuple(
        dict.fromkeys(
            t
            for t in reading.tokens
            if not t.startswith("_") and len(t) > 1 and t not in FILLERS and t not in _ASKING
        )
    )
    e = reading.entities
    return PartnerQuery(
        roles=roles,
        sectors=e.sectors,
        wards=e.place.wards if e.place else (),
        place=e.place.name if e.place else None,
        province=e.province,
        words=words,
    )


def relevance(
    query: PartnerQuery,
    *,
    products: str | None,
    name: str,
    sectors: Sequence[str],
    roles: Sequence[str],
    ward_code: str | None,
    ocop_stars: int | None,
) -> float:
    """How well a member answers the search (higher first); 0 when a product word asked for is
    nowhere in what they make and nothing else of the search matched them."""
    text = fold(f"{products or ''} {name}")
    found = sum(1 for w in query.words if fuzz.partial_ratio(w, text) >= _PRODUCT_MATCH)
    score = 3.0 * found
    score += 2.0 * len(set(query.sectors) & set(sectors))
    score += 1.5 * len(set(query.roles) & set(roles))
    if ward_code and ward_code in query.wards:
        score += 1.0
    score += 0.1 * (ocop_stars or 0)  # an OCOP rating is a small sign of an established maker
    if query.words and not found and not (query.sectors or query.roles):
        return 0.0
    return score


def chain_pair(mine: Sequence[str], theirs: Sequence[str], asked: Sequence[str] = ()) -> str:
    """The pair along the chain a link between a member with roles `mine` and one with roles
    `theirs` makes, upstream first ('supplier>producer'); `asked`: the roles searched for,
    which say which of `theirs` was meant."""
    them = [r for r in CHAIN if r in asked and r in theirs] or [r for r in CHAIN if r in theirs]
    me = [r for r in CHAIN if r in mine]
    best: tuple[int, str, str] | None = None
    for a in me or ["consumer"]:
        for b in them or ["producer"]:
            gap = abs(CHAIN.index(a) - CHAIN.index(b))
            if a != b and (best is None or gap < best[0]):
                best = (gap, a, b)
    if best is None:
        role = (me or them or ["producer"])[0]
        return f"{role}>{role}"
    _, a, b = best
    first, second = sorted((a, b), key=CHAIN.index)
    return f"{first}>{second}"
