"""/du_lieu_cua_toi (/my_data): what ketnoi holds about the person, grouped as they would name
it, why and for how long; a copy; stopping announcements while keeping the registration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from bot.core.payloads import Payload
from bot.core.types import Reply
from bot.dialog.router import Turn, user_hash
from bot.domain.consent import CONTROLLER, is_current
from bot.domain.enterprise_terms import STATUS_NAMES, term
from bot.domain.personal_data import CATEGORIES, Category
from bot.domain.phones import format_phone
from bot.domain.sectors import sector_name
from bot.domain.taxcode import mask_tax_code
from bot.services.data_copy import copy_documents
from bot.services.data_rights import subject_of
from bot.services.fair_view import STATUS_NAMES as BOOTH_STATUS
from handlers.registration.core import OpenProfile
from storage.booths import BoothStatus
from storage.personal_data import SubjectData

__all__ = ["MyData", "copy", "overview", "restrict"]


@dataclass(frozen=True, slots=True)
class MyData(Payload, prefix="mydata"):
    """What the person asks about their data: `mydata:show`, `mydata:copy`, `mydata:stop` (asks
    first, then `stop_yes`), `mydata:erase` (then `erase_yes`)."""

    action: Literal["show", "copy", "stop", "stop_yes", "erase", "erase_yes"]


_CATEGORY: Final = {c.key: c for c in CATEGORIES}
_ICONS: Final = {
    "registration": "📋",
    "booths": "🎪",
    "connections": "🤝",
    "reminders": "🔔",
    "apps": "📱",
    "messages": "💬",
    "records": "🗂",
}


async def _data(turn: Turn) -> SubjectData:
    svc = turn.services
    identities = await svc.users.identities(turn.user.account_id)
    hashes = [user_hash(u.ref) for u in identities]
    return await svc.personal_data.subject_data(turn.user.account_id, hashes)


def _group(turn: Turn, key: str, lines: list[str]) -> str:
    """One group: its icon and title, what is held, why and for how long."""
    _ = turn._
    c: Category = _CATEGORY[key]
    body = lines or [_("nothing")]
    why = _("Why: {purpose}. Kept: {how_long}.").format(
        purpose=_(c.purpose), how_long=_(c.kept_while)
    )
    return "\n".join([f"{_ICONS[key]} {_(c.title)}", *(f"   {line}" for line in body), f"   {why}"])


def _registration_lines(turn: Turn, data: SubjectData) -> list[str]:
    _ = turn._
    e = data.registration
    if e is None:
        return []
    status = term(STATUS_NAMES, e["status"], _)
    lines = [
        f"{e['reference']} · {e['name']} · {status}",
        _("Contact: {name}, {phone}").format(
            name=e["contact_name"], phone=format_phone(e["phone"])
        ),
    ]
    if e["tax_code"]:
        lines.append(_("Tax code: {code}").format(code=mask_tax_code(e["tax_code"])))
    consent = _("Consent: version {version}, given {date}").format(
        version=e["consent_version"] or "—", date=turn.lang.date(_moment(e["consent_at"]), "short")
    )
    if not is_current(e["consent_version"]):
        consent += " " + _("(the text has changed since: you will be asked again)")
    lines.append(consent)
    return lines


def _connection_lines(turn: Turn, data: SubjectData) -> list[str]:
    """How many requests, blocks, reports and meetings are held."""
    kinds = [c["kind"] for c in data.connections]
    return [
        turn._(
            "{requests} requests to connect, {blocks} members blocked, {reports} reports made,"
            " {meetings} meeting slots"
        ).format(
            requests=kinds.count("request"),
            blocks=kinds.count("block"),
            reports=kinds.count("report"),
            meetings=kinds.count("meeting"),
        )
    ]


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


async def overview(turn: Turn, note: str | None = None) -> list[Reply]:
    """Shows what is held about the person, and what they can do about it."""
    _ = turn._
    data = await _data(turn)
    lang = turn.lang
    booths = [
        f"{b['fair_title_en'] if lang.code == 'en' else b['fair_title_vi']}:"
        f" {_(BOOTH_STATUS[BoothStatus(b['status'])])}"
        for b in data.booths
    ]
    reminders = [
        _("Reminders: on") if any(u["reminders_on"] for u in data.apps) else _("Reminders: off"),
        _("Announcements from the Department: on")
        if any(u["broadcasts_on"] for u in data.apps)
        else _("Announcements from the Department: off"),
    ]
    if data.sectors:
        names = ", ".join(sector_name(k, _) for k in data.sectors)
        reminders.append(_("Crafts you follow: {names}").format(names=names))
    if data.fairs:
        reminders.append(
            turn.ngettext("{n} fair followed", "{n} fairs followed", len(data.fairs)).format(
                n=len(data.fairs)
            )
        )
    apps = [f"{u['channel']}: {u['display_name'] or '—'}" for u in data.apps]
    kept = sum(1 for m in data.messages if m["replies"] != "[]")
    messages = [
        turn.ngettext(
            "{n} message to you, {kept} not yet emptied",
            "{n} messages to you, {kept} not yet emptied",
            len(data.messages),
        ).format(n=len(data.messages), kept=kept),
        turn.ngettext(
            "{n} question you typed", "{n} questions you typed", len(data.questions)
        ).format(n=len(data.questions)),
    ]
    if data.conversations:
        messages.append(_("answers of a conversation you have not finished"))
    records = [
        turn.ngettext(
            "{n} request about your data", "{n} requests about your data", len(data.requests)
        ).format(n=len(data.requests))
    ]
    head = [note, ""] if note else []
    head += [
        _(
            "What ketnoi holds about you. {controller} (the Hanoi Department of Industry and Trade)"
            " is responsible for it."
        ).format(controller=CONTROLLER),
    ]
    groups = [
        _group(turn, "registration", _registration_lines(turn, data)),
        _group(turn, "booths", booths),
        *([_group(turn, "connections", _connection_lines(turn, data))] if data.connections else []),
        _group(turn, "reminders", reminders),
        _group(turn, "apps", apps),
        _group(turn, "messages", messages),
        _group(turn, "records", records),
    ]
    buttons = [[MyData("copy").button(_("📄 Get a copy"))]]
    if data.registration is not None:
        buttons.append([OpenProfile().button(_("✏️ Correct my registration"))])
    if any(u["broadcasts_on"] for u in data.apps):
        buttons.append([MyData("stop").button(_("🔕 Stop announcements, keep my registration"))])
    buttons.append([MyData("erase").button(_("🗑 Withdraw consent and delete my data"))])
    return [Reply(text="\n\n".join(["\n".join(head), *groups]), buttons=buttons)]


async def copy(turn: Turn) -> list[Reply]:
    """Sends the copy: a readable document and a JSON file (as text where files cannot go)."""
    _ = turn._
    svc = turn.services
    account = turn.user.account_id
    subject = await subject_of(svc.signing_keys, account)
    request = await svc.personal_data.add_request(account, subject, "copy", turn.user.channel)
    await svc.audit.record_subject(subject, "data.copy", f"request:{request.id}")
    readable, machine = copy_documents(await _data(turn), turn.lang)
    intro = _(
        "Here is a copy of everything ketnoi holds about you: a document to read, and the same"
        " data as a JSON file for a computer. Keep them safe: they contain your phone number and"
        " tax code."
    )
    return [Reply(text=intro), Reply(document=readable), Reply(document=machine)]


async def ask_restrict(turn: Turn) -> list[Reply]:
    """Asks to confirm that announcements stop while the registration is kept."""
    _ = turn._
    text = _(
        "Stop the Department's announcements? Your registration and booth applications stay as"
        " they are, and you still get reminders of the fairs you applied to or follow (turn them"
        " off in {reminders}). You can turn announcements on again in {reminders}."
    ).format(reminders="/reminders" if turn.lang.code == "en" else "/nhac_lich")
    buttons = [
        [MyData("stop_yes").button(_("Yes, stop announcements"))],
        [MyData("show").button(_("No"))],
    ]
    return [Reply(text=text, buttons=buttons)]


async def restrict(turn: Turn) -> list[Reply]:
    """Stops announcements to every app of the account (those queued too), and records it."""
    svc = turn.services
    account = turn.user.account_id
    subject = await subject_of(svc.signing_keys, account)
    withdrawn = await svc.personal_data.stop_announcements(account)
    outcome = {"messages_withdrawn": withdrawn}
    request = await svc.personal_data.add_request(
        account, subject, "restrict", turn.user.channel, outcome=outcome
    )
    await svc.audit.record_subject(subject, "data.restrict", f"request:{request.id}", outcome)
    note = turn._("Announcements are stopped; your registration is kept.")
    return await overview(turn, note)
