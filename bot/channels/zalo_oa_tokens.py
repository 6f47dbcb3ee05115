"""The OA's access token, kept in the database and refreshed by exactly one process at a time.

Zalo's refresh token works once: two processes refreshing with it would leave one of them
holding a pair Zalo has already replaced. So the process that needs a new token first takes a
lease on the tokens row with a conditional UPDATE (storage.zalo_oa.ZaloOaRepo.take_refresh),
refreshes, and stores the new pair and ends the lease in one statement, a compare-and-set on the
refresh token it used (ZaloOaRepo.store_refreshed); every other process (and every other
coroutine of this one) waits until the row's generation changes and uses the pair stored there.

A refresh may outlive its lease (a slow network): the pair it brings back is still stored if no
other pair was stored since, since it is then the only pair Zalo honours. A process that took
the lease after it ran out and refreshed with the same token is refused by Zalo; it waits for
the first one's pair rather than declaring the refresh token dead.
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
        lease: timedelta = LEASE,
    ) -> None:
        self.repo = repo
        self.api = api
        self._first = first_refresh_token
        self._holder = uuid.uuid4().hex  # this process, in the lease
        self._poll = poll
        self._lease = lease
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
            deadline = time.monotonic() + 2 * self._lease.total_seconds()
            while True:
                row = await self._row()
                if row.generation != generation and _usable(row):
                    assert row.access_token is not None
                    return row.access_token, row.generation
                if await self.repo.take_refresh(
                    self._holder, row.generation, utcnow() + self._lease
                ):
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
            if row.refreshing_by is not None:
                # We took over a lease that ran out: its holder may have refreshed with this
                # token and be about to store the pair (which is why Zalo refused ours).
                newer = await self._newer_than(row, self._lease.total_seconds())
                if newer is not None:
                    return newer
            raise RefreshRefused(str(exc)) from None
        except BaseException:
            await self.repo.release_refresh(self._holder)
            raise
        self.refreshes += 1
        if await self.repo.store_refreshed(
            row, pair.access_token, pair.refresh_token, pair.expires_at
        ):
            log.info("zalo oa access token refreshed (valid until %s)", pair.expires_at)
            return pair.access_token, row.generation + 1
        # Another pair was stored since we read the row: only possible if Zalo let the same
        # refresh token work twice. The stored pair is the one every process uses.
        log.error("zalo oa tokens: another process stored a pair during this refresh; using it")
        newer = await self._newer_than(row, 0)
        return newer if newer is not None else (pair.access_token, row.generation + 1)

    async def _newer_than(self, row: OaTokens, wait: float) -> tuple[str, int] | None:
        """A usable token of a generation after `row`'s, waiting up to `wait` seconds for one."""
        deadline = time.monotonic() + wait
        while True:
            newer = await self._row()
            if newer.generation != row.generation and _usable(newer):
                assert newer.access_token is not None
                return newer.access_token, newer.generation
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(self._poll)

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
