"""/xuat (/export): registrations or booth applications as .xlsx or .csv in the chat, filtered
by status, craft, ward or fair. The filters ride in the button payloads, so old buttons keep
working and nothing is half-stored."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Final, Literal, Self

from bot.core.payloads import Id, OneOf, Pattern, Payload, WardCode
from bot.core.types import Button, Reply
from bot.dialog.router import Turn
from bot.dialog.steps import TYPED, Answer, Done, Flow, Outcome, Question, Stay
from bot.domain.enterprise_terms import STATUS_NAMES, term, ward_label
from bot.domain.places import get_ward, match_ward
from bot.domain.sectors import SECTORS, sector_name
from bot.services.export_tables import BOOTH_STATUS
from bot.services.exports import (
    PURPOSES,
    ExportFilter,
    Format,
    What,
    make_export,
    statuses_of,
)
from bot.services.fair_view import short_title
from bot.services.permissions import Permission, allowed
from handlers.guards import role_of

__all__ = [
    "EXPORTING",
    "FLOW",
    "PAYLOADS",
    "ExportMenu",
    "Filtered",
    "Step",
    "choose_what",
    "on_button",
    "on_input",
]

FLOW: Final = "staff_export"
FAIRS_LISTED: Final = 10
_STATUSES: Final = {*statuses_of(What.ENTERPRISES), *statuses_of(What.BOOTHS)}
# show the filters; choose a status, craft, ward or fair; download with a purpose (one not in
# PURPOSES is asked again)
Op = Annotated[str, Pattern(r"show|st|se|wa|fa|(?:xlsx|csv)(?:\.[a-z_]{1,20})?")]


class Step(StrEnum):
    """The one step: the name of the ward to filter by."""

    WARD = "ward"


@dataclass(frozen=True, slots=True)
class ExportMenu(Payload, prefix="export:menu"):
    """What to export: `export:menu`."""


@dataclass(frozen=True, slots=True)
class Filtered(Payload, prefix="export"):
    """An export with its filters ('-': any) and what to do: show the filters, choose a
    status, craft, ward or fair, or download: `export:e:pending:ceramics:00577:12:show`,
    `export:b:-:-:-:7:xlsx.fair` (at most about 60 bytes)."""

    what: Literal["e", "b", "l"]  # registrations, booth applications, links between members
    status: Annotated[str, OneOf(_STATUSES)] | None
    sector: Annotated[str, OneOf(SECTORS)] | None
    ward: WardCode | None
    fair: Id | None
    op: Op

    @classmethod
    def of(cls, flt: ExportFilter, op: str) -> Self:
        """The payload of `op` on the export `flt`."""
        what = _LETTER[flt.what]
        return cls(what, flt.status, flt.sector, flt.ward, flt.fair, op)

    def export_filter(self) -> ExportFilter | None:
        """The filter, if its status fits what is exported and its ward exists."""
        what = next(w for w, letter in _LETTER.items() if letter == self.what)
        if what is What.LINKS and (self.status or self.sector or self.ward or self.fair):
            return None  # links are counted whole: no filters
        if self.status is not None and self.status not in statuses_of(what):
            return None
        if self.ward is not None and get_ward(self.ward) is None:
            return None
        return ExportFilter(
            what=what, status=self.status, sector=self.sector, ward=self.ward, fair=self.fair
        )


PAYLOADS: Final = (ExportMenu, Filtered)
_LETTER: Final[dict[What, Literal["e", "b", "l"]]] = {
    What.ENTERPRISES: "e",
    What.BOOTHS: "b",
    What.LINKS: "l",
}


def _button(label: str, flt: ExportFilter, op: str) -> Button:
    """A button that shows, changes or downloads the export of `flt`."""
    return Filtered.of(flt, op).button(label)


def _status_name(turn: Turn, what: What, status: str) -> str:
    table = STATUS_NAMES if what is What.ENTERPRISES else BOOTH_STATUS
    return term(table, status, turn._)


async def choose_what(turn: Turn) -> list[Reply]:
    """Asks what to export."""
    _ = turn._
    buttons = [
        [_button(_("Registrations"), ExportFilter(what=What.ENTERPRISES), "show")],
        [_button(_("Booth applications"), ExportFilter(what=What.BOOTHS), "show")],
        [_button(_("Links between members"), ExportFilter(what=What.LINKS), "show")],
    ]
    return [Reply(text=_("What would you like to export?"), buttons=buttons)]


async def filters(turn: Turn, flt: ExportFilter, note: str | None = None) -> list[Reply]:
    """The filters chosen, a button to change each, and the downloads."""
    _ = turn._
    if flt.what is What.LINKS:
        text = _(
            "Export of the links between members: requests to connect asked, accepted and"
            " declined, by month, pair along the chain and craft (counts only, no names)."
        )
        downloads = [_button(_("⬇ Excel (.xlsx)"), flt, "xlsx"), _button(_("⬇ CSV"), flt, "csv")]
        return [Reply(text="\n\n".join(filter(None, [note, text])), buttons=[downloads])]
    every = _("all")
    fair = await turn.services.fairs.get(flt.fair) if flt.fair else None
    what = _("registrations") if flt.what is What.ENTERPRISES else _("booth applications")
    lines = [note, ""] if note else []
    lines += [
        _("Export of {what}, with these filters:").format(what=what),
        _("• status: {value}").format(
            value=_status_name(turn, flt.what, flt.status) if flt.status else every
        ),
        _("• craft: {value}").format(value=sector_name(flt.sector, _) if flt.sector else every),
        _("• ward or commune: {value}").format(
            value=ward_label(flt.ward, _) if flt.ward else every
        ),
        _("• fair: {value}").format(value=fair.title(turn.lang.code) if fair else every),
    ]
    role = await role_of(turn)
    if not allowed(role, Permission.PERSONAL_DATA):
        lines.append(_("Phone numbers and tax codes are left out for your role."))
    cleared = ExportFilter(what=flt.what)
    buttons = [
        [
            _button(_("Status"), flt, "st"),
            _button(_("Craft"), flt, "se"),
        ],
        [
            _button(_("Ward or commune"), flt, "wa"),
            _button(_("Fair"), flt, "fa"),
        ],
        [
            _button(_("⬇ Excel (.xlsx)"), flt, "xlsx"),
            _button(_("⬇ CSV"), flt, "csv"),
        ],
        [_button(_("Clear the filters"), cleared, "show")],
    ]
    return [Reply(text="\n".join(lines), buttons=buttons)]


def _choices(turn: Turn, flt: ExportFilter, op: str) -> list[Reply]:
    """The values of one filter as buttons, with All first."""
    _ = turn._
    if op == "st":
        options = [(s, _status_name(turn, flt.what, s)) for s in statuses_of(flt.what)]
        field, question = "status", _("Which status?")
    else:
        options = [(k, sector_name(k, _)) for k in SECTORS]
        field, question = "sector", _("Which craft?")
    every = flt.model_copy(update={field: None})
    buttons = [[_button(_("All"), every, "show")]]
    picks = [_button(label, flt.model_copy(update={field: key}), "show") for key, label in options]
    buttons += [picks[i : i + 2] for i in range(0, len(picks), 2)]
    return [Reply(text=question, buttons=buttons)]


async def _fairs(turn: Turn, flt: ExportFilter) -> list[Reply]:
    """The latest fairs as buttons."""
    _ = turn._
    fairs = sorted(await turn.services.fairs.all(), key=lambda f: f.starts_at, reverse=True)
    buttons = [[_button(_("All"), flt.model_copy(update={"fair": None}), "show")]]
    for fair in fairs[:FAIRS_LISTED]:
        label = f"{short_title(turn.lang, fair, 40)} ({turn.lang.date(fair.starts_at, 'MM/yyyy')})"
        buttons.append([_button(label, flt.model_copy(update={"fair": fair.id}), "show")])
    return [Reply(text=_("Which fair?"), buttons=buttons)]


def _ask_ward(turn: Turn, flt: ExportFilter) -> list[Reply]:
    """Starts filtering by ward: asks for its name."""
    turn.conversation.start(FLOW, Step.WARD, {"filter": flt.model_dump(mode="json")})
    return _ward_prompt(turn, flt)


def _filter(turn: Turn) -> ExportFilter:
    """The filters chosen before the ward was asked."""
    return ExportFilter.model_validate(
        turn.conversation.data.get("filter", {"what": "enterprises"})
    )


async def ask_ward(turn: Turn, note: str | None = None) -> list[Reply]:
    """Asks (again) for the name of the ward."""
    return _ward_prompt(turn, _filter(turn), note)


def _ward_prompt(turn: Turn, flt: ExportFilter, note: str | None = None) -> list[Reply]:
    _ = turn._
    text = _("Type the name of the ward or commune, for example: Bát Tràng.")
    back = [[_button(_("Back"), flt, "show")]]
    return [Reply(text="\n".join(filter(None, [note, text])), buttons=back)]


async def got_ward(turn: Turn, answer: Answer) -> Outcome:
    """A ward name typed for the filter: the close matches as buttons."""
    _ = turn._
    flt = _filter(turn)
    found = match_ward(turn.incoming.text)
    if not found:
        return Stay(_("I found no ward or commune of Hanoi by that name."))
    buttons = [
        [_button(ward_label(m.ward.code, _), flt.model_copy(update={"ward": m.ward.code}), "show")]
        for m in found
    ]
    buttons.append([_button(_("Back"), flt, "show")])
    return Done([Reply(text=_("Which one?"), buttons=buttons)])


EXPORTING: Flow[Turn, Step] = Flow(
    FLOW, {Step.WARD: Question(ask_ward, got_ward, takes=TYPED)}, asides=False
)
on_input = EXPORTING.on_input


def ask_purpose(turn: Turn, flt: ExportFilter, fmt: Format) -> list[Reply]:
    """Asks what the file is for; the answer goes to the audit log with the export."""
    _ = turn._
    buttons = [[_button(_(label), flt, f"{fmt}.{key}")] for key, label in PURPOSES.items()]
    buttons.append([_button(_("Back"), flt, "show")])
    text = _("What is this export for? It is recorded with the export in the audit log.")
    return [Reply(text=text, buttons=buttons)]


async def download(turn: Turn, flt: ExportFilter, fmt: Format, purpose: str) -> list[Reply]:
    """Makes the file, logs the export with its purpose, and sends it."""
    _ = turn._
    svc = turn.services
    role = await role_of(turn)
    personal = allowed(role, Permission.PERSONAL_DATA)
    export = await make_export(svc, flt, turn.lang, fmt, personal=personal)
    after = {**flt.model_dump(mode="json", exclude_none=True), "format": fmt}
    after |= {"rows": export.rows, "personal": personal, "purpose": purpose}
    await svc.audit.record(
        turn, f"export.{flt.what.value}", None, after, target=export.document.filename
    )
    text = turn.ngettext("{n} row.", "{n} rows.", export.rows).format(n=export.rows)
    again = [[_button(_("Other filters"), flt, "show")]]
    return [Reply(text=text, document=export.document, buttons=again)]


async def on_button(turn: Turn) -> list[Reply]:
    """`export:menu` or `export:W:STATUS:SECTOR:WARD:FAIR:OP`."""
    pressed = turn.payload
    flt = pressed.export_filter() if isinstance(pressed, Filtered) else None
    if flt is None or not isinstance(pressed, Filtered):
        return await choose_what(turn)
    op = pressed.op
    if turn.conversation.flow == FLOW:
        turn.conversation.end()
    if op in ("st", "se"):
        return _choices(turn, flt, op)
    if op == "fa":
        return await _fairs(turn, flt)
    if op == "wa":
        return _ask_ward(turn, flt)
    fmt, _dot, purpose = op.partition(".")
    if fmt in ("xlsx", "csv"):
        if purpose not in PURPOSES:
            return ask_purpose(turn, flt, "xlsx" if fmt == "xlsx" else "csv")
        return await download(turn, flt, "xlsx" if fmt == "xlsx" else "csv", purpose)
    return await filters(turn, flt)
