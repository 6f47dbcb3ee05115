"""Whether a failed HTTP call may still have been delivered: both platforms' clients are httpx."""

from __future__ import annotations

import httpx

__all__ = ["maybe_delivered"]

# Raised before the request was complete on the wire, so the platform cannot have acted on it:
# no connection (refused, DNS, proxy, connect timeout), no free connection in the pool, or a
# write that did not finish (a server does not act on half a request).
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
    httpx.ProxyError,
    httpx.LocalProtocolError,
    httpx.UnsupportedProtocol,
)


def maybe_delivered(error: BaseException | None) -> bool:
    """Whether the platform may have acted on a call that failed with `error` (an httpx
    error): a read timeout or a connection closed before the answer came may follow a message
    that was delivered. Anything not known to fail before sending counts as ambiguous."""
    return not isinstance(error, _NOT_SENT)
