"""What the two fake Bot API servers share on the HTTP side: the error both platforms answer
with, the endpoint that counts every call and its outcome, and answers that get lost."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

__all__ = ["ApiError", "Endpoint", "Json", "LostAnswer"]

Json = dict[str, Any]


class ApiError(Exception):
    """An API error: HTTP status (also the error_code), description, optional parameters."""

    def __init__(self, status: int, description: str, parameters: Json | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters or {}

    def response(self) -> JSONResponse:
        """The error as both APIs send it: `{ok: false, error_code, description}`
        (https://core.telegram.org/bots/api#making-requests)."""
        body: Json = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return JSONResponse(body, status_code=self.status)


@dataclass
class LostAnswer:
    """A call that is carried out but whose answer comes `late` (after `delay` seconds) or is
    `dropped` (the connection closes mid-answer): the client cannot tell whether it worked."""

    method: str
    how: Literal["late", "dropped"]
    delay: float
    times: int
    chat_id: int | str | None


class _Dropped(Response):
    """The status line and half a body, then the connection closes: uvicorn closes it when the
    app returns without finishing its response."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"64")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"ok": tr', "more_body": True})


class Endpoint:
    """`/bot{token}/{method}`: counts each call and its outcome in `_state.stats`, and answers
    `{ok: true, result}` or the ApiError the fake's `_call` raised. The fake's `_call` leaves
    the call's parameters in `request.state.params`."""

    _lock: threading.Condition
    _state: Any
    _lost: list[LostAnswer]

    def lose_answers(
        self,
        method: str,
        how: Literal["late", "dropped"],
        *,
        delay: float = 0.0,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Carry out the next `times` calls of method (to chat_id, if given) but answer late
        (after `delay` seconds: longer than the client waits, the answer is lost; shorter, a
        slow platform) or drop the connection before the answer."""
        with self._lock:
            self._lost.append(LostAnswer(method.lower(), how, delay, times, chat_id))

    def _take_lost(self, method: str, params: Json) -> LostAnswer | None:
        chat_id = params.get("chat_id")
        with self._lock:
            for lost in self._lost:
                if lost.method == method.lower() and (
                    lost.chat_id is None or str(lost.chat_id) == str(chat_id)
                ):
                    lost.times -= 1
                    if lost.times <= 0:
                        self._lost.remove(lost)
                    self._state.stats[f"answers_{lost.how}"] += 1
                    return lost
        return None

    async def _call(self, request: Request, method: str) -> Any:
        raise NotImplementedError

    async def _not_found(self, request: Request, exc: Exception) -> JSONResponse:
        """Answer any other path the way the platform does."""
        return ApiError(404, "Not Found").response()

    async def _endpoint(self, request: Request) -> Response:
        """Serve one call; every outcome is counted."""
        method = request.path_params["method"]
        with self._lock:
            self._state.stats.update(["requests", f"method:{method}"])
        try:
            result = await self._call(request, method)
        except ApiError as error:
            with self._lock:
                self._state.stats.update(["errors", f"status:{error.status}"])
            return error.response()
        with self._lock:
            self._state.stats.update(["ok", "status:200"])
        lost = self._take_lost(method, getattr(request.state, "params", {}))
        if lost is not None and lost.how == "dropped":
            return _Dropped()
        if lost is not None:
            await asyncio.sleep(lost.delay)
        return JSONResponse({"ok": True, "result": result})
