"""Replies as the Zalo OA shows them: customer-service messages of text with numbered options,
images by URL, and the request-for-information card where a reply asks for the phone.

The OA API's customer-service messages ("tin Tư vấn", v3) are text, an image, a file, a
sticker, a quote, or the request-for-information card (github.com/zaloplatform/zalo-php-sdk
README, "Gửi tin Tư vấn …"): none carries buttons with a payload. Buttons that send a payload
back (`oa.query.show`, `oa.query.hide`) belong to the paid promotion messages ("tin Truyền
thông", @warriorteam/redai-zalo-sdk docs/BUTTON_TYPES_GUIDE.md, "Zalo Promotion API v3.0") and
to the elements' default actions of that one card, whose first element must ask for the
person's information (the same SDK's types/consultation.d.ts). So options are numbered as on
the Bot Platform (a typed number or label picks one), and the card is the one interactive
element used: where a conversation asks for the phone.
"""

from __future__ import annotations

from typing import Any

from bot.channels.text import attachment_as_text, split_text
from bot.channels.zalo_render import body_text
from bot.channels.zalo_render import needs_lang as _needs_lang
from bot.core.i18n import Lang
from bot.core.types import Reply

__all__ = ["MAX_TEXT", "card", "needs_lang", "render"]

Message = dict[str, Any]  # the `message` of POST /v3.0/oa/message/cs
MAX_TEXT = 2000  # characters of a text message, as on the Bot Platform
CARD_TITLE = 100  # request_user_info: title up to 100 characters, subtitle up to 500
CARD_SUBTITLE = 500  # (developers.esms.vn, "Tin Zalo Tư vấn dạng yêu cầu thông tin người dùng")


def needs_lang(reply: Reply) -> bool:
    """Whether rendering says something of our own (a file, an image, the card)."""
    return _needs_lang(reply) or reply.request_contact is not None


def render(reply: Reply, lang: Lang | None, image_url: str) -> list[Message]:
    """The messages that show `reply`, in order."""
    reply = attachment_as_text(reply, "zalo_oa")  # no OA attachment is ever kept to resend
    text = body_text(reply, lang)
    messages: list[Message] = []
    if reply.photo_url:
        image = {"media_type": "image", "url": reply.photo_url}
        media: Message = {"attachment": _template("media", [image])}
        if len(text) <= MAX_TEXT and text:
            media["text"] = text
            text = ""
        messages.append(media)
    messages += [{"text": piece} for piece in split_text(text, MAX_TEXT) if piece.strip()]
    if reply.request_contact is not None and lang is not None:
        messages.append(card(lang, image_url))
    return messages


def card(lang: Lang, image_url: str) -> Message:
    """The request-for-information card: the person taps it and shares name and phone."""
    _ = lang.gettext
    title = _("Hanoi Department of Industry and Trade")
    subtitle = _(
        "Share your phone number so that the Department can send you reminders and decisions"
        " by Zalo message even after a week without writing here."
    )
    element = {
        "title": title[:CARD_TITLE],
        "subtitle": subtitle[:CARD_SUBTITLE],
        "image_url": image_url,
    }
    return {"attachment": _template("request_user_info", [element])}


def _template(kind: str, elements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "template", "payload": {"template_type": kind, "elements": elements}}
