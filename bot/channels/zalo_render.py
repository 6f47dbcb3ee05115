"""Replies as Zalo can show them: text with numbered options, photos by URL, files as text."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from bot.channels.text import attachment_as_text, split_text
from bot.core.i18n import Lang
from bot.core.types import Document, Reply

__all__ = ["MAX_MESSAGE", "body_text", "needs_lang", "render"]

log = logging.getLogger("ketnoi.zalo")

MAX_MESSAGE = 2000  # sendMessage text and sendPhoto caption: 1 to 2,000 characters
Call = tuple[str, dict[str, Any]]


def needs_lang(reply: Reply) -> bool:
    """Whether rendering says something of our own (a file or an image we cannot send)."""
    return reply.document is not None or (reply.photo is not None and reply.photo_url is None)


def render(chat_id: str, reply: Reply, lang: Lang | None) -> list[Call]:
    """The Bot API calls that show `reply`: (method, params) in order."""
    reply = attachment_as_text(reply, "zalo")  # no Zalo attachment is ever kept to resend
    text = body_text(reply, lang)
    calls: list[Call] = []
    if reply.photo_url:
        if len(text) <= MAX_MESSAGE:
            caption = {"caption": text} if text else {}
            return [("sendPhoto", {"chat_id": chat_id, "photo": reply.photo_url, **caption})]
        calls.append(("sendPhoto", {"chat_id": chat_id, "photo": reply.photo_url}))
    pieces = [p for p in split_text(text, MAX_MESSAGE) if p.strip()] if text else []
    calls += [("sendMessage", {"chat_id": chat_id, "text": piece}) for piece in pieces]
    return calls


def body_text(reply: Reply, lang: Lang | None) -> str:
    """A reply as one text, as both Zalo channels show it: the text, the venue with a map link,
    a file spelled out or pointed to, a note for an image that is not online, and the options
    numbered (Zalo has no buttons that carry a payload: the router maps "2" or a label back)."""
    lines = [reply.text] if reply.text.strip() else []
    if reply.venue is not None:
        v = reply.venue
        lines.append(f"📍 {v.title} — {v.address}")
        lines.append(maps_link(v.latitude, v.longitude))
    if reply.document is not None and lang is not None:
        lines.append(document_text(reply.document, lang))
    if reply.photo is not None and reply.photo_url is None and lang is not None:
        lines.append(
            lang.gettext(
                "(An image could not be shown here: Zalo only shows images that are online."
                " Link your Telegram with /{link} to receive it there.)"
            ).format(link=_link_command(lang))
        )
    lines += [f"{n}. {b.label}" for n, b in enumerate(reply.options, start=1)]
    return "\n".join(lines)


def maps_link(latitude: float, longitude: float) -> str:
    """A Google Maps link that opens the map app on a phone."""
    return f"https://www.google.com/maps/search/?api=1&query={latitude},{longitude}"


def document_text(document: Document, lang: Lang) -> str:
    """What to show instead of a file: its own text, a calendar event spelled out, or where
    to get the file."""
    _ = lang.gettext
    if document.text is not None:
        return document.text
    events = _calendar_events(document, lang) if _is_calendar(document) else []
    if events:
        head = _("Zalo cannot receive calendar files, so here is the event to note down:")
        return "\n\n".join([head, *events])
    return _(
        "The file {name} cannot be sent on Zalo. To receive it, link your Telegram with /{link}"
        " and open ketnoi there, or ask the Department for it."
    ).format(name=document.filename, link=_link_command(lang))


def _link_command(lang: Lang) -> str:
    return "link" if lang.code == "en" else "lien_ket"


def _is_calendar(document: Document) -> bool:
    return document.mime_type.startswith("text/calendar") or document.filename.endswith(".ics")


def _calendar_events(document: Document, lang: Lang) -> list[str]:
    """Each VEVENT of an .ics file as a few lines: title, when, where."""
    from icalendar import Calendar  # here, as in bot/services/fair_media.py

    try:
        calendar = Calendar.from_ical(document.content)
    except ValueError:
        log.warning("an .ics reply could not be read back")
        return []
    events = []
    for event in calendar.walk("VEVENT"):
        lines = [f"🗓 {event.get('SUMMARY', '')}".rstrip()]
        start, end = event.get("DTSTART"), event.get("DTEND")
        if start is not None:
            when = _when(start.dt, lang)
            last = end.dt if end is not None else start.dt
            if not isinstance(last, datetime) and not isinstance(start.dt, datetime):
                # an all-day event's DTEND is the day after its last day (RFC 5545, 3.6.1)
                last = max(start.dt, last - timedelta(days=1))
            if last != start.dt:
                when = f"{when} → {_when(last, lang)}"
            lines.append(when)
        if event.get("LOCATION"):
            lines.append(f"📍 {event.get('LOCATION')}")
        events.append("\n".join(lines))
    return events


def _when(value: date | datetime, lang: Lang) -> str:
    """A date, or a date with its local time."""
    return lang.date_time(value) if isinstance(value, datetime) else lang.date(value)
