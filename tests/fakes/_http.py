"""What the two fake Bot API servers share on the HTTP side: the error both platforms answer
with, and the endpoint that counts every call and its outcome."""

from __future__ import annotations

import threading
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

__all__ = ["ApiError", "Endpoint", "Json"]

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


class Endpoint:
    """`/bot{token}/{method}`: counts each call and its outcome in `_state.stats`, and answers
    `{ok: true, result}` or the ApiError the fake's `_call` raised."""

    _lock: threading.Condition
    _state: Any

    async def _call(self, request: Request, method: str) -> Any:
        raise NotImplementedError

    async def _not_found(self, request: Request, exc: Exception) -> JSONResponse:
        """Answer any other path the way the platform does."""
        return ApiError(404, "Not Found").response()

    async def _endpoint(self, request: Request) -> JSONResponse:
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
        return JSONResponse({"ok": True, "result": result})
