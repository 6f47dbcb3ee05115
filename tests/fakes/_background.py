"""An ASGI app served by uvicorn from a daemon thread with its own event loop, for tests."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn

__all__ = ["BackgroundServer"]


class BackgroundServer:
    """Serves `app` on a free port of 127.0.0.1 until stop()."""

    def __init__(self, app: Any) -> None:
        # log_config=None: uvicorn must not reconfigure the logging of the test process.
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event  # created on the server's loop
        self._thread: threading.Thread | None = None
        self.port = 0

    def start(self) -> BackgroundServer:
        """Bind a free port and serve; returns once the server accepts connections."""
        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so
        # (base_events._set_nodelay); without it Nagle adds 40 ms to every response.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the background server did not start")
            time.sleep(0.005)
        return self

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run fn on the server's loop (from any thread); nothing if it has closed."""
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                self._loop.call_soon_threadsafe(fn)

    def stop(self) -> None:
        """Stop listening, give requests in flight 2 s, end the thread."""
        if self._thread is None:
            return
        self.call_soon(lambda: self._stopping.set())
        self._thread.join(timeout=10)
        self._thread = None

    def _serve(self, sock: socket.socket) -> None:
        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            self._stopping = asyncio.Event()
            config = self._server.config
            config.load()  # Server.serve() would do these two; startup() needs them
            self._server.lifespan = config.lifespan_class(config)
            await self._server.startup(sockets=[sock])
            await self._stopping.wait()
            await self._shutdown(sock)

        asyncio.run(serve())

    async def _shutdown(self, sock: socket.socket) -> None:
        # Not Server.shutdown(): it sleeps 0.1 s and polls every 0.1 s, which adds up when every
        # test starts and stops its own server.
        for listener in self._server.servers:
            listener.close()
        sock.close()
        for connection in list(self._server.server_state.connections):
            connection.shutdown()
        deadline = time.monotonic() + 2
        while self._server.server_state.tasks and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
