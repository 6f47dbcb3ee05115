"""The links members make, as the Department reports them: requests asked, accepted and
declined per local month, pair along the chain and craft (issue 20)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from bot.core.i18n import Lang
from bot.domain.enterprise_terms import ROLE_NAMES, term
from storage.chain import LinkCount

__all__ = ["LinkLine", "by", "link_lines", "pair_name"]


class LinkLine(BaseModel):
    """Requests of one local month, pair along the chain and craft."""

    month: str  # 'YYYY-MM', local
    chain_pair: str  # 'producer>distributor'
    sector: str | None
    asked: int = 0
    accepted: int = 0
    declined: int = 0


def link_lines(rows: Iterable[LinkCount], tz: ZoneInfo) -> list[LinkLine]:
    """The repository's hourly UTC counts grouped by local month, pair and craft."""
    lines: dict[tuple[str, str, str | None], LinkLine] = {}
    for r in rows:
        hour = datetime.strptime(r.month, "%Y-%m-%dT%H").replace(tzinfo=UTC)
        month = hour.astimezone(tz).strftime("%Y-%m")
        line = lines.setdefault(
            (month, r.chain_pair, r.sector),
            LinkLine(month=month, chain_pair=r.chain_pair, sector=r.sector),
        )
        line.asked += r.n
        if r.status == "accepted":
            line.accepted += r.n
        elif r.status == "declined":
            line.declined += r.n
    return [lines[k] for k in sorted(lines, key=lambda k: (k[0], k[1], k[2] or ""))]


def by(lines: Iterable[LinkLine], key: str) -> dict[str, LinkLine]:
    """The lines summed by 'month', 'chain_pair' or 'sector' ('' for no craft)."""
    out: dict[str, LinkLine] = {}
    for line in lines:
        k = str(getattr(line, key) or "")
        s = out.setdefault(k, LinkLine(month=k, chain_pair=k, sector=k or None))
        s.asked += line.asked
        s.accepted += line.accepted
        s.declined += line.declined
    return out


def pair_name(pair: str, lang: Lang) -> str:
    """'producer>distributor' as 'Producer → Distributor'."""
    _ = lang.gettext
    return " → ".join(term(ROLE_NAMES, r, _) for r in pair.split(">"))
