"""The OA's access token, kept in the database and refreshed by exactly one process at a time.

Zalo's refresh token works once: two processes refreshing with it would leave one of them
holding a pair Zalo has already replaced. So the process that needs a new token first takes a
lease on the tokens row with a conditional UPDATE (storage.zalo_oa.ZaloOaRepo.take_refresh),
refreshes, and writes the new pair and releases the lease in one statement; every other process
(and every other coroutine of this one) waits until the row's generation changes and uses the
pair written there.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import timedelta

from bot.channels.zalo_oa_api import ZaloOaApi, ZaloOaError
from bot.core.clock import utcnow
from storage.zalo_oa import OaTokens, ZaloOaRepo

__all__ = ["RefreshRefused", "TokenKeeper"]

log = logging.getLogger("ketnoi.zalo_oa")

MARGIN = timedelta(minutes=10)  # a token this close to its end is refreshed before use
LEASE = timedelta(seconds=60)  # longer than a refresh call may take (15 s timeout, retries)


class RefreshRefused(Exception):
    """Zalo refused the refresh token (used already, expired after about three months, or the
    app's authorisation was withdrawn): someone must authorise the app again."""


class TokenKeeper:
    """Hands out a valid access token; refreshes it when it is about to expire or was refused."""

    def __init__(
        self,
        repo: ZaloOaRepo,
        api: ZaloOaApi,
        first_refresh_token: str,
        *,
        poll: float = 0.2,
    ) -> None:
        self.repo = repo
        self.api = api
        self._first = first_refresh_token
        self._holder = uuid.uuid4().hex  # this process, in the lease
        self._poll = poll
        self._lock = asyncio.Lock()  # one refresh attempt at a time within the process
        self.refreshes = 0  # made by this process (for the log and tests)

    async def start(self) -> None:
        """Begin from KETNOI_ZALO_OA_REFRESH_TOKEN the first time (or when it changed)."""
        await self.repo.seed_tokens(self._first)

    async def token(self) -> tuple[str, int]:
        """A valid access token and the generation it belongs to."""
        row = await self._row()
        if _usable(row):
            assert row.access_token is not None
            return row.access_token, row.generation
        return await self.renew(row.generation)

    async def renew(self, generation: int) -> tuple[str, int]:
        """A token newer than `generation` (whose token expired or was refused): refreshed
        here if no other process is refreshing, else the one it writes."""
        async with self._lock:
            deadline = time.monotonic() + 2 * LEASE.total_seconds()
            while True:
                row = await self._row()
                if row.generation != generation and _usable(row):
                    assert row.access_token is not None
                    return row.access_token, row.generation
                if await self.repo.take_refresh(self._holder, row.generation, utcnow() + LEASE):
                    return await self._refresh(row)
                if time.monotonic() > deadline:
                    raise ZaloOaError(None, "another process held the token refresh too long")
                await asyncio.sleep(self._poll)

    async def _refresh(self, row: OaTokens) -> tuple[str, int]:
        """Refresh with the row's refresh token while holding the lease; store the new pair."""
        try:
            pair = await self.api.refresh(row.refresh_token)
        except ZaloOaError as exc:
            await self.repo.release_refresh(self._holder)
            if exc.transient:
                raise
            raise RefreshRefused(str(exc)) from None
        except BaseException:
            await self.repo.release_refresh(self._holder)
            raise
        self.refreshes += 1
        stored = await self.repo.store_refreshed(
            self._holder, pair.access_token, pair.refresh_token, pair.expires_at
        )
        if not stored:
            # The lease ran out during the call and another process took it: its refresh, with
            # the token this one just used, fails, and Zalo holds the pair made here. Nothing
            # else can be done than say so loudly.
            log.error("zalo oa tokens refreshed after the lease ran out; they may be lost")
        log.info("zalo oa access token refreshed (valid until %s)", pair.expires_at)
        return pair.access_token, row.generation + 1

    async def _row(self) -> OaTokens:
        row = await self.repo.tokens()
        if row is None:
            await self.start()
            row = await self.repo.tokens()
        assert row is not None
        return row


def _usable(row: OaTokens) -> bool:
    """An access token that is not about to expire."""
    return (
        row.access_token is not None
        and row.expires_at is not None
        and row.expires_at > utcnow() + MARGIN
    )
