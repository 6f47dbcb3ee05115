"""Fixtures of the web page tests: a site on a real database, visited with TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.core.config import Settings
from tests.bot.channels.web.live import LiveSite
from tests.bot.channels.web.site import Site, open_site
from tests.conftest import make_settings


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    """The pages of a fresh App (owner: console:admin)."""
    with open_site(settings) as visitor:
        yield visitor


# -- the browser tests: Debian's chromium driven by pytest-playwright, never a downloaded one --

CHROMIUM = Path("/usr/bin/chromium")
# As root (CI) chromium needs --no-sandbox; the rest keep it off this machine's closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch /usr/bin/chromium (installed by .ci/run), headless."""
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: apt-get install -y chromium (as .ci/run does)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveSite]:
    """The bot serving its pages on a free port, with its outbox and jobs running."""
    settings = make_settings(
        tmp_path, admins="console:admin", web_listen="127.0.0.1:0", quiet_hours="off"
    )
    with LiveSite(settings) as site:
        yield site


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests last: Playwright's synchronous API keeps an event loop running in the
    main thread until the session ends, and an asyncio test after it could not start its own."""
    browser = [i for i in items if "page" in getattr(i, "fixturenames", ())]
    others = [i for i in items if "page" not in getattr(i, "fixturenames", ())]
    items[:] = [*others, *browser]
