"""Fixtures of the web page tests: a site on a real database, visited with TestClient."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.core.config import Settings
from tests.bot.channels.web.site import Site, open_site


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    """The pages of a fresh App (owner: console:admin)."""
    with open_site(settings) as visitor:
        yield visitor
