"""Searches for members read from plain questions (issue 20): role, craft, place and product
words, with or without diacritics; the pair along the chain a link makes."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.partners import PartnerQuery, chain_pair, read_query, relevance
from bot.domain.understand import Matcher

MATCHER = Matcher({})


def _query(text: str) -> tuple[str | None, PartnerQuery]:
    reading = MATCHER.understand(text, date(2026, 12, 6))
    return reading.intent, read_query(reading)


@pytest.mark.parametrize(
    ("text", "roles", "sectors", "place", "words"),
    [
        ("tim nha cung cap men gom", ("supplier",), ("ceramics",), None, ("men",)),
        ("ai ban buon may tre dan", ("distributor",), ("bamboo_rattan",), None, ()),
        ("co so lua van phuc", (), ("textile_silk",), "Vạn Phúc", ()),
        ("looking for a ceramics distributor", ("distributor",), ("ceramics",), None, ()),
        ("tìm nhà phân phối gốm sứ", ("distributor",), ("ceramics",), None, ()),
        ("can tim xuong go o son dong", ("producer",), (), "Sơn Đồng", ("go",)),
    ],
)
def test_the_questions_people_ask_are_read_as_searches(
    text: str,
    roles: tuple[str, ...],
    sectors: tuple[str, ...],
    place: str | None,
    words: tuple[str, ...],
) -> None:
    intent, q = _query(text)
    assert intent == "find_partner"
    assert (q.roles, q.sectors, q.place, q.words) == (roles, sectors, place, words)


@pytest.mark.parametrize("text", ["hoi cho gom khi nao", "dang ky gian hang", "xin chao"])
def test_other_questions_are_not_searches(text: str) -> None:
    assert _query(text)[0] != "find_partner"


def test_a_product_word_ranks_the_maker_of_it_first() -> None:
    _intent, q = _query("tim nha cung cap men gom")

    def score(products: str) -> float:
        return relevance(
            q, products=products, name="Cơ sở", sectors=["ceramics"], roles=["supplier"],
            ward_code=None, ocop_stars=None,
        )  # fmt: skip

    assert score("Men gốm, men lam") > score("Đất sét") > 0


def test_the_pair_along_the_chain_puts_the_upstream_role_first() -> None:
    assert chain_pair(["producer"], ["supplier"]) == "supplier>producer"
    assert chain_pair(["distributor"], ["producer"]) == "producer>distributor"
    assert chain_pair(["consumer"], ["producer", "distributor"], ["producer"]) == (
        "producer>consumer"
    )
