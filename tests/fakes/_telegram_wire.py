"""The Bot API on the wire: how PTB encodes parameters, error bodies, object shapes and checks."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from ._http import ApiError, Json

# PTB sends a str value as it is and JSON-dumps every other value into its form field
# (telegram/request/_requestparameter.py, RequestParameter.json_value), so the text "42" and the
# chat_id 42 look alike on the wire: these parameters are strings and are never JSON-decoded.
_STRING_PARAMS = frozenset(
    {
        "action",
        "address",
        "callback_query_id",
        "caption",
        "document",
        "foursquare_id",
        "google_place_id",
        "inline_message_id",
        "language_code",
        "parse_mode",
        "photo",
        "secret_token",
        "text",
        "title",
        "url",
    }
)
_FORM_PARAM = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


async def read_params(request: Request) -> Json:
    """The call's parameters from the query string and a form, multipart or JSON body."""
    raw: Json = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    if content_type.startswith("application/json") and body:
        raw.update(json.loads(body))
    elif content_type.startswith("application/x-www-form-urlencoded"):
        raw.update(parse_qsl(body.decode(), keep_blank_values=True))
    elif content_type.startswith("multipart/form-data"):
        raw.update(_parse_multipart(content_type, body))
    params = {name: _decode(name, value) for name, value in raw.items()}
    # PTB uploads a file as the part named after its parameter (document, photo) or, for
    # secondary files such as a thumbnail, as a part the parameter points to with attach://.
    for name, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            params[name] = params.pop(value.removeprefix("attach://"), value)
    return params


def _decode(name: str, value: Any) -> Any:
    """Undo PTB's JSON encoding of a non-string parameter (it arrives as a str)."""
    if name in _STRING_PARAMS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # a plain string such as chat_id "@channel"


def _parse_multipart(content_type: str, body: bytes) -> Json:
    """Split multipart/form-data into str fields and uploads {filename, mime_type, bytes}."""
    found = re.search(r'boundary="?([^";]+)', content_type)
    if found is None:
        raise ValueError("multipart body without boundary")
    fields: Json = {}
    for part in body.split(b"--" + found.group(1).encode())[1:-1]:
        head, _, data = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode().split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = dict(_FORM_PARAM.findall(headers.get("content-disposition", "")))
        data = data.removesuffix(b"\r\n")
        if "filename" in disposition:
            fields[_unescape(disposition["name"])] = {
                "filename": _unescape(disposition["filename"]),
                "mime_type": headers.get("content-type", "application/octet-stream"),
                "bytes": data,
            }
        else:
            fields[_unescape(disposition["name"])] = data.decode()
    return fields


def _unescape(value: str) -> str:
    """Undo httpx's HTML5 escaping of part names: %22 for '"', %XX for controls, '\\\\'."""
    value = re.sub(r"%(22|[01][0-9A-F])", lambda m: chr(int(m.group(1), 16)), value)
    return value.replace("\\\\", "\\")


def update_kind(update: Json) -> str:
    """The update's type, its one key besides update_id (message, callback_query, …)."""
    return next(key for key in update if key != "update_id")


def chat_id_of(params: Json) -> int:
    """The call's chat_id; only numeric chat ids are known here."""
    chat_id = params.get("chat_id")
    if chat_id in (None, ""):
        raise ApiError(400, "Bad Request: chat_id is empty")
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        raise ApiError(400, "Bad Request: chat not found")
    return chat_id


def checked_text(text: Any) -> str:
    """A message text as Telegram accepts it: 1 to 4096 characters."""
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(text) > 4096:
        raise ApiError(400, "Bad Request: message is too long")
    return text


def checked_markup(markup: Any) -> Json | None:
    """A reply_markup object; callback_data must be 1-64 bytes (InlineKeyboardButton)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for data in callback_data(markup):
        if not 1 <= len(data.encode()) <= 64:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def callback_data(markup: Json | None) -> list[str]:
    """The callback_data of every button of an inline keyboard."""
    rows = (markup or {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row if "callback_data" in button]


def location(params: Json) -> Json:
    """The latitude and longitude parameters as a Location."""
    try:
        return {"latitude": float(params["latitude"]), "longitude": float(params["longitude"])}
    except (KeyError, TypeError, ValueError) as exc:
        raise ApiError(400, "Bad Request: wrong latitude or longitude") from exc


def chat_json(chat_id: int, first_name: str) -> Json:
    """The Chat: positive ids are private chats, -100… supergroups, other negatives groups."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": first_name}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": "Nhóm thử"}


def user_json(user_id: int, first_name: str, language_code: str) -> Json:
    """A human User."""
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": language_code,
    }


def member_json(status: str, user: Json) -> Json:
    """A ChatMember with this status; a ban needs until_date (0 means for ever)."""
    member = {"status": status, "user": user}
    return member | {"until_date": 0} if status == "kicked" else member


def message_json(record: Json, chat: Json, bot_user: Json) -> Json:
    """A recorded bot message as the Message object PTB parses."""
    message: Json = {
        "message_id": record["message_id"],
        "date": record["date"],
        "chat": chat,
        "from": bot_user,
    }
    if record["edits"]:
        message["edit_date"] = record["edits"][-1]["date"]
    message.update({k: record[k] for k in ("text", "caption", "location", "venue") if record[k]})
    # Message.reply_markup is only ever an InlineKeyboardMarkup; reply keyboards are not echoed.
    if record["reply_markup"] and "inline_keyboard" in record["reply_markup"]:
        message["reply_markup"] = record["reply_markup"]
    if document := record["document"]:
        message["document"] = _file_json(document) | {
            "file_name": document["filename"] or document["url"].rsplit("/", 1)[-1],
            "mime_type": document["mime_type"] or "application/octet-stream",
        }
    if photo := record["photo"]:
        small = _file_json(photo) | {"width": 90, "height": 60}
        small["file_unique_id"] += "s"
        message["photo"] = [small, _file_json(photo) | {"width": 800, "height": 600}]
    return message


def _file_json(file: Json) -> Json:
    """The file_id part of a Document or PhotoSize, with file_size when the bytes are known."""
    result: Json = {"file_id": file["file_id"], "file_unique_id": file["file_unique_id"]}
    if file["bytes"] is not None:
        result["file_size"] = len(file["bytes"])
    return result
