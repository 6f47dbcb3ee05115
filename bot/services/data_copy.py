"""A copy of everything ketnoi holds about a person: a document to read (in their language,
grouped as bot.domain.personal_data groups it, with why and for how long) and the same data as
JSON for a machine, as Law 91/2025/QH15 lets people ask."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from pydantic_core import to_jsonable_python

from bot.core.clock import utcnow
from bot.core.i18n import N_, Lang
from bot.core.types import Document
from bot.domain.consent import CONSENT_VERSION, CONTROLLER
from bot.domain.enterprise_terms import (
    KIND_NAMES,
    PRACTICE_NAMES,
    ROLE_NAMES,
    STATUS_NAMES,
    place_label,
    term,
)
from bot.domain.personal_data import CATEGORIES, Category
from bot.domain.phones import format_phone
from bot.domain.sectors import sector_name
from bot.services.fair_view import STATUS_NAMES as BOOTH_STATUS
from storage.booths import BoothStatus
from storage.personal_data import SubjectData

__all__ = ["copy_documents", "copy_json", "copy_text", "message_text"]

Gettext = Callable[[str], str]
_CATEGORY: Final = {c.key: c for c in CATEGORIES}
_REGISTRATION_FIELDS: Final = (
    ("reference", N_("Reference")),
    ("name", N_("Establishment name")),
    ("kind", N_("Kind")),
    ("roles", N_("Role in the chain")),
    ("sectors", N_("Crafts")),
    ("place", N_("Place")),
    ("address", N_("Address")),
    ("contact_name", N_("Contact person")),
    ("phone", N_("Phone")),
    ("tax_code", N_("Tax code")),
    ("products", N_("Main products")),
    ("ocop_stars", N_("OCOP rating")),
    ("practices", N_("Sustainable practices")),
    ("status", N_("Status")),
    ("reject_reason", N_("Reason")),
    ("created_at", N_("Registered on")),
    ("consent", N_("Consent")),
)
REQUEST_KINDS: Final = {
    "copy": N_("a copy of your data"),
    "erase": N_("withdraw consent and delete"),
    "restrict": N_("stop announcements"),
}


# The words of a link's row in the copy (storage.personal_data.SubjectData.connections).
_LINK_WORDS: Final = {
    "request": N_("request to connect"),
    "block": N_("member blocked"),
    "report": N_("report to staff"),
    "meeting": N_("meeting at a fair"),
    "sent": N_("sent"),
    "received": N_("received"),
    "offered": N_("offered"),
    "booked": N_("booked"),
    "open": N_("waiting for an answer"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "cancelled": N_("cancelled"),
    "free": N_("not booked"),
}


def message_text(replies: Any) -> str:
    """The texts of the replies an outbox row holds (its JSON), joined."""
    items = json.loads(replies) if isinstance(replies, str) else replies
    return "\n".join(r.get("text", "") for r in items or [] if r.get("text"))


def copy_json(data: SubjectData) -> dict[str, Any]:
    """The data as a machine reads it: stored values and keys, timestamps in UTC."""
    users = data.apps
    return to_jsonable_python(
        {
            "controller": CONTROLLER,
            "made_at": utcnow(),
            "consent_text_version": CONSENT_VERSION,
            "apps": users,
            "zalo_oa": data.zalo_oa,
            "registration": data.registration,
            "consents": data.consents,
            "booth_applications": data.booths,
            "connections": data.connections,
            "fair_feedback": data.feedback,
            "reminders": {
                "sectors": data.sectors,
                "fairs": data.fairs,
                "reminders_on": any(u["reminders_on"] for u in users),
                "announcements_on": any(u["broadcasts_on"] for u in users),
            },
            "messages": {
                "sent_to_you": [
                    {
                        **{k: v for k, v in m.items() if k != "replies"},
                        "text": message_text(m["replies"]),
                    }
                    for m in data.messages
                ],
                "unfinished_answers": data.conversations,
                "questions": data.questions,
            },
            "requests": [r.model_dump(exclude={"account_id", "done_by"}) for r in data.requests],
        }
    )


def _when(lang: Lang, value: Any) -> str:
    if not value:
        return "—"
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return lang.short_datetime(moment)


def _registration_value(field: str, e: dict[str, Any], lang: Lang) -> str:
    _ = lang.gettext
    match field:
        case "kind":
            return term(KIND_NAMES, e["kind"], _)
        case "roles":
            return ", ".join(term(ROLE_NAMES, k, _) for k in e["roles"])
        case "sectors":
            return ", ".join(sector_name(k, _) for k in e["sectors"])
        case "practices":
            return ", ".join(term(PRACTICE_NAMES, k, _) for k in e["practices"])
        case "place":
            return place_label(e["ward_code"], e["province"], _)
        case "phone":
            return format_phone(e["phone"])
        case "status":
            return term(STATUS_NAMES, e["status"], _)
        case "created_at":
            return _when(lang, e["created_at"])
        case "consent":
            return _("version {version}, given {date}").format(
                version=e.get("consent_version") or "—", date=_when(lang, e["consent_at"])
            )
        case _:
            return str(e.get(field) or "")


def _section(lang: Lang, key: str, lines: list[str]) -> str:
    """A heading (the category's title), why and for how long, and the lines."""
    _ = lang.gettext
    c: Category = _CATEGORY[key]
    head = [
        f"== {_(c.title)} ==",
        _("Why: {purpose}.").format(purpose=_(c.purpose)),
        _("Kept: {how_long}.").format(how_long=_(c.kept_while)),
        "",
    ]
    return "\n".join(head + (lines or [_("(nothing)")]))


def copy_text(data: SubjectData, lang: Lang) -> str:
    """The data as a person reads it, in their language."""
    _ = lang.gettext
    sections = [
        _("Your data held by ketnoi, the bot of the Hanoi Department of Industry and Trade"),
        _("Responsible for it (controller): {controller}. Copy made {moment}.").format(
            controller=CONTROLLER, moment=_when(lang, utcnow())
        ),
    ]
    e = data.registration
    registration = (
        [
            f"{_(label)}: {_registration_value(field, e, lang) or '—'}"
            for field, label in _REGISTRATION_FIELDS
        ]
        if e
        else []
    )
    registration += [
        _("Consent given: version {version}, {date}, on {channel}").format(
            version=c["version"], date=_when(lang, c["given_at"]), channel=c["channel"]
        )
        for c in data.consents
    ]
    sections.append(_section(lang, "registration", registration))
    booths = [
        _("{fair}: {booths} booths asked, {status}; products: {products}; applied {date}").format(
            fair=b["fair_title_en"] if lang.code == "en" else b["fair_title_vi"],
            booths=b["booths"],
            status=_(BOOTH_STATUS[BoothStatus(b["status"])]),
            products=b["products"],
            date=_when(lang, b["created_at"]),
        )
        + (
            " " + _("(booths {numbers})").format(numbers=", ".join(b["booth_numbers"]))
            if b["booth_numbers"]
            else ""
        )
        for b in data.booths
    ]
    booths += [
        _("Your answers after {fair}: visitors {visitors}, come again: {again}").format(
            fair=f["fair_key"], visitors=f["visitors"] or "—", again=f["come_again"]
        )
        for f in data.feedback
    ]
    sections.append(_section(lang, "booths", booths))
    reminders = [
        _("Reminders: {state}").format(
            state=_("on") if any(u["reminders_on"] for u in data.apps) else _("off")
        ),
        _("Announcements: {state}").format(
            state=_("on") if any(u["broadcasts_on"] for u in data.apps) else _("off")
        ),
    ]
    if data.sectors:
        names = ", ".join(sector_name(k, _) for k in data.sectors)
        reminders.append(_("Crafts you follow: {names}").format(names=names))
    if data.fairs:
        titles = "; ".join(
            f["title_en"] if lang.code == "en" else f["title_vi"] for f in data.fairs
        )
        reminders.append(_("Fairs you follow: {names}").format(names=titles))
    sections.append(_section(lang, "reminders", reminders))
    connections = [
        _("{date}: {kind} ({side}, {status}) · {other} · {text}").format(
            date=_when(lang, c["at"]),
            kind=_(_LINK_WORDS.get(c["kind"], c["kind"])),
            side=_(_LINK_WORDS.get(c["side"], c["side"])),
            status=_(_LINK_WORDS.get(c["status"] or "", c["status"] or "—")),
            other=c["other"] or "—",
            text=c["text"] or "—",
        )
        for c in data.connections
    ]
    sections.append(_section(lang, "connections", connections))
    apps = [
        _(
            "{channel} (id {id}): name {name}, language {language}, phone {phone};"
            " first wrote {first}, last {last}"
        ).format(
            channel=u["channel"],
            id=u["external_id"],
            name=u["display_name"] or "—",
            language=u["locale"] or "—",
            phone=format_phone(u["phone"]) if u["phone"] else "—",
            first=_when(lang, u["created_at"]),
            last=_when(lang, u["last_seen_at"]),
        )
        for u in data.apps
    ]
    apps += [
        _(
            "Zalo OA: phone {phone} and name {name} shared through the Department's card on"
            " {date} (your consent to notices by template message); last action {last}"
        ).format(
            phone=format_phone("+" + z["phone"]) if z["phone"] else "—",
            name=z["shared_name"] or "—",
            date=_when(lang, z["phone_consent_at"]),
            last=_when(lang, z["last_interaction_at"]),
        )
        for z in data.zalo_oa
        if z["phone"]
    ]
    sections.append(_section(lang, "apps", apps))
    emptied = _("(emptied after sending)")
    messages = [
        f"[{_when(lang, m['created_at'])}] {message_text(m['replies']) or emptied}"
        for m in data.messages
    ]
    messages += [
        _("Unfinished: {flow}, at the question {step}").format(flow=c["flow"], step=c["step"])
        for c in data.conversations
    ]
    messages += [
        _("You asked on {date}: {text}").format(date=_when(lang, q["created_at"]), text=q["text"])
        for q in data.questions
    ]
    sections.append(_section(lang, "messages", messages))
    requests = [
        _("{date}: {what} ({channel}), {status}").format(
            date=_when(lang, r.requested_at),
            what=_(REQUEST_KINDS.get(r.kind, r.kind)),
            channel=r.channel,
            status=_("done {date}").format(date=_when(lang, r.done_at))
            if r.done_at
            else _("waiting for the Department"),
        )
        for r in data.requests
    ]
    sections.append(_section(lang, "records", requests))
    return "\n\n".join(sections) + "\n"


def copy_documents(data: SubjectData, lang: Lang) -> tuple[Document, Document]:
    """The readable copy (plain text, which every phone opens; channels that cannot send
    files show its text) and the JSON copy, named for today."""
    today = lang.local(utcnow()).date().isoformat()
    base = "du-lieu-cua-toi" if lang.code == "vi" else "my-data"
    text = copy_text(data, lang)
    readable = Document(
        filename=f"{base}-{today}.txt",
        content=text.encode("utf-8"),
        mime_type="text/plain; charset=utf-8",
        text=text,
    )
    machine = Document(
        filename=f"{base}-{today}.json",
        content=json.dumps(copy_json(data), ensure_ascii=False, indent=2).encode("utf-8"),
        mime_type="application/json",
    )
    return readable, machine
