"""What the fake Zalo OA server holds (tokens, followers, templates, what the OA sent) and how
its endpoints change it. Error codes: -230 (outside the 7 days), -216 and -124 (access token
refused) and -118 (no Zalo account for a phone) as integrators report them; the others are the
fake's own, each a negative `error` with a `message`, as Zalo answers."""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]

MAX_TEXT = 2000
WINDOW_MS = 7 * 24 * 3600 * 1000
ACCESS_SECONDS = 90000  # 25 hours, as Zalo's expires_in


def now_ms() -> int:
    """Zalo's times are milliseconds since the epoch."""
    return int(time.time() * 1000)


class OaError(Exception):
    """An answer `{error: code, message}` (OAuth: `{error, error_name, error_description}`)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Follower:
    """A Zalo user who wrote to the OA."""

    user_id: str
    name: str
    last_interaction_ms: int = field(default_factory=now_ms)
    following: bool = True


@dataclass
class Template:
    """A template registered with Zalo: its status and parameters, and its price in VND."""

    template_id: str
    name: str
    params: list[Json]
    status: str = "ENABLE"
    price: int = 200


@dataclass
class Failure:
    """An injected error for the next `times` calls of an endpoint."""

    endpoint: str
    error: OaError
    times: int


class OaState:
    """The server's side of one OA and its app; every method runs with `lock` held."""

    def __init__(self, *, app_id: str, secret_key: str, refresh_token: str) -> None:
        self.app_id = app_id
        self.secret_key = secret_key
        self.lock = threading.Condition()
        self.refresh_token = refresh_token  # the one that works (once)
        self.access_tokens: dict[str, float] = {}  # token -> expiry (epoch seconds)
        self.refreshes = 0
        self.followers: dict[str, Follower] = {}
        self.templates: dict[str, Template] = {}
        self.zalo_phones: set[str] = set()  # phones (84…) that have a Zalo account
        self.messages: list[Json] = []
        self.by_chat: dict[Any, list[Json]] = {}  # user id, or "phone:84…" for templates
        self.calls: list[Json] = []
        self.failures: list[Failure] = []
        self.stats: Counter[str] = Counter()

    # -- tokens -----------------------------------------------------------------------------

    def refresh(self, form: Json, secret_key: str | None) -> Json:
        """POST /v4/oa/access_token: the refresh token works once and is replaced."""
        if secret_key != self.secret_key:
            raise OaError(-14002, "Invalid secret key")
        if form.get("app_id") != self.app_id or form.get("grant_type") != "refresh_token":
            raise OaError(-14003, "Invalid app_id or grant_type")
        if form.get("refresh_token") != self.refresh_token:
            raise OaError(-14014, "Invalid refresh token")
        self.refreshes += 1
        access = "acc-" + secrets.token_hex(8)
        self.refresh_token = "ref-" + secrets.token_hex(8)
        self.access_tokens[access] = time.time() + ACCESS_SECONDS
        return {
            "access_token": access,
            "refresh_token": self.refresh_token,
            "expires_in": str(ACCESS_SECONDS),
        }

    def check_token(self, token: str | None, code: int) -> None:
        """An access token that was issued and has not expired."""
        expiry = self.access_tokens.get(token or "")
        if expiry is None or expiry <= time.time():
            raise OaError(code, "Access token is invalid")

    # -- customer-service messages ----------------------------------------------------------

    def send_message(self, body: Json) -> Json:
        """POST /v3.0/oa/message/cs: to a follower who did something in the last 7 days."""
        user_id = str((body.get("recipient") or {}).get("user_id") or "")
        follower = self.followers.get(user_id)
        if follower is None:
            raise OaError(-201, "user_id is invalid")
        if not follower.following:
            raise OaError(-213, "User has not followed the OA")
        if now_ms() - follower.last_interaction_ms > WINDOW_MS:
            raise OaError(-230, "User has not interacted with the OA in the past 7 days")
        message = body.get("message")
        if not isinstance(message, dict):
            raise OaError(-201, "message is required")
        record = {"user_id": user_id, "message": message, **_shown(message)}
        self._record(user_id, record)
        return {"message_id": secrets.token_hex(10), "user_id": user_id}

    # -- template messages ------------------------------------------------------------------

    def send_template(self, body: Json) -> Json:
        """POST /message/template: an approved template, its data, a phone on Zalo."""
        template = self.templates.get(str(body.get("template_id") or ""))
        if template is None:
            raise OaError(-1124, "Template does not exist")
        if template.status != "ENABLE":
            raise OaError(-1125, f"Template is not approved ({template.status})")
        data = body.get("template_data")
        if not isinstance(data, dict):
            raise OaError(-1126, "template_data is required")
        for param in template.params:
            value = data.get(param["name"])
            if param.get("require") and not value:
                raise OaError(-1126, f"Missing parameter {param['name']}")
            if value is not None and len(str(value)) > int(param.get("maxLength", 100)):
                raise OaError(-1126, f"Parameter {param['name']} is too long")
        phone = str(body.get("phone") or "")
        if phone not in self.zalo_phones:
            raise OaError(-118, "Zalo account does not exist or is disabled")
        record = {
            "method": "message/template",
            "phone": phone,
            "template_id": template.template_id,
            "template_data": data,
            "tracking_id": body.get("tracking_id"),
            "text": " | ".join(f"{k}={v}" for k, v in data.items()),
        }
        self._record(f"phone:{phone}", record)
        return {
            "msg_id": secrets.token_hex(10),
            "sent_time": str(now_ms()),
            "quota": {"dailyQuota": "500", "remainingQuota": "499"},
        }

    def template_info(self, template_id: str) -> Json:
        """GET /template/info/v2: status, parameters, price."""
        template = self.templates.get(template_id)
        if template is None:
            raise OaError(-1124, "Template does not exist")
        return {
            "templateId": int(template.template_id),
            "templateName": template.name,
            "status": template.status,
            "listParams": template.params,
            "price": str(template.price),
            "templateTag": "TRANSACTION",
        }

    # -- shared -----------------------------------------------------------------------------

    def check_failures(self, endpoint: str) -> None:
        """Raise the injected error due for this endpoint, if any."""
        for failure in self.failures:
            if failure.endpoint == endpoint and failure.times > 0:
                failure.times -= 1
                self.stats["injected"] += 1
                raise failure.error

    def _record(self, chat: Any, record: Json) -> None:
        self.messages.append(record)
        self.by_chat.setdefault(chat, []).append(record)
        self.stats["messages"] += 1


def _shown(message: Json) -> Json:
    """What a person sees of a message: its text, the card it carries, or the image."""
    attachment = message.get("attachment") or {}
    payload = attachment.get("payload") or {}
    kind = payload.get("template_type") or ("text" if "text" in message else "?")
    text = message.get("text") or ""
    if kind == "request_user_info":
        element = (payload.get("elements") or [{}])[0]
        text = f"{element.get('title', '')}\n{element.get('subtitle', '')}"
    return {"method": "message/cs", "kind": kind, "text": text}
