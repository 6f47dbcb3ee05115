"""/quan_tri (/roles): owners give and take staff roles, picking the person from the people
who wrote last or by their address (`telegram:123456`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

from bot.core.payloads import Id, Payload
from bot.core.types import Reply, UserRef
from bot.dialog.router import Turn
from bot.dialog.steps import TYPED, Answer, Done, Flow, Outcome, Question, Stay
from bot.services import staff_roles
from handlers.staff.terms import ROLE_DUTIES, ROLE_NAMES
from storage.roles import GRANTABLE, Role
from storage.users import User

__all__ = [
    "FLOW",
    "PAYLOADS",
    "STAFFING",
    "AddStaff",
    "Person",
    "SetRole",
    "StaffList",
    "Step",
    "on_button",
    "on_input",
    "staff_list",
]

FLOW: Final = "staff_roles"
_ADDRESS: Final = re.compile(r"^(telegram|zalo|zalo_oa|console):([A-Za-z0-9_-]{1,64})$")
RECENT: Final = 10


class Step(StrEnum):
    """The one step: who should become staff."""

    ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class StaffList(Payload, prefix="roles:list"):
    """The owners and the staff: `roles:list`."""


@dataclass(frozen=True, slots=True)
class AddStaff(Payload, prefix="roles:add"):
    """Pick a person to make staff: `roles:add`."""


@dataclass(frozen=True, slots=True)
class Person(Payload, prefix="roles"):
    """One person's role, or take it away: `roles:12:show`, `roles:12:revoke`."""

    account: Id
    action: Literal["show", "revoke"]


@dataclass(frozen=True, slots=True)
class SetRole(Payload, prefix="roles"):
    """Give a role: `roles:12:set:moderator` (owners are set on the server, not here)."""

    account: Id
    action: Literal["set"]
    role: Role


PAYLOADS: Final = (StaffList, AddStaff, Person, SetRole)


async def _person(turn: Turn, account_id: int) -> tuple[list[User], str]:
    """The identities of an account and how to name them: `Lan — telegram:1, zalo:2`."""
    people = await turn.services.users.identities(account_id)
    name = next((u.display_name for u in people if u.display_name), None) or "—"
    return people, f"{name} — {', '.join(str(u.ref) for u in people)}"


async def staff_list(turn: Turn, intro: str | None = None) -> list[Reply]:
    """The owners and every member of staff, with a button for each and one to add."""
    _ = turn._
    svc = turn.services
    if turn.conversation.flow == FLOW:
        turn.conversation.end()
    lines = [intro, ""] if intro else []
    lines.append(_("Owners (set on the server in KETNOI_ADMINS):"))
    for ref in svc.settings.admins:
        user = await svc.users.find(ref)
        name = user.display_name if user and user.display_name else "—"
        lines.append(f"• {name} — {ref}")
    grants = await svc.roles.grants()
    lines += ["", _("Staff:") if grants else _("No one else is staff yet.")]
    buttons = []
    for grant in grants:
        _people, label = await _person(turn, grant.account_id)
        lines.append(f"• {label}: {_(ROLE_NAMES[grant.role])}")
        buttons.append([Person(grant.account_id, "show").button(label[:60])])
    buttons.append([AddStaff().button(_("➕ Add a member of staff"))])
    return [Reply(text="\n".join(lines), buttons=buttons)]


async def ask_person(turn: Turn) -> list[Reply]:
    """Starts adding a member of staff."""
    return await STAFFING.start(turn, Step.ADDRESS)


async def _people(turn: Turn, note: str | None = None) -> list[Reply]:
    """Lists the people who wrote last; the owner picks one or types an address."""
    _ = turn._
    people = await turn.services.roles.recent_people(RECENT)
    lines = [note, ""] if note else []
    lines.append(
        _(
            "Who should become staff? Reply with the number of a person who wrote to the bot"
            " lately, or type their address, like telegram:123456 or zalo:8f3a."
        )
    )
    buttons = []
    for number, user in enumerate(people, start=1):
        label = f"{user.display_name or '—'} — {user.ref}"
        lines.append(f"{number}. {label} · {turn.lang.short_datetime(user.last_seen_at)}")
        buttons.append([Person(user.account_id, "show").button(label[:60])])
    buttons.append([StaffList().button(_("Back"))])
    return [Reply(text="\n".join(lines), buttons=buttons)]


async def got_address(turn: Turn, answer: Answer) -> Outcome:
    """An address typed while adding a member of staff."""
    match = _ADDRESS.match(answer.text)
    if match is None:
        return Stay(turn._("That is not an address like telegram:123456."))
    user = await turn.services.users.ensure(UserRef(channel=match[1], external_id=match[2]))
    turn.conversation.end()
    return Done(await show(turn, user.account_id))


STAFFING: Flow[Turn, Step] = Flow(
    FLOW, {Step.ADDRESS: Question(_people, got_address, takes=TYPED)}, asides=False
)
on_input = STAFFING.on_input


async def show(turn: Turn, account_id: int) -> list[Reply]:
    """One person: their role, and a button per role to give or to take away."""
    _ = turn._
    svc = turn.services
    people, label = await _person(turn, account_id)
    if not people:
        return await staff_list(turn, _("That person is not known to the bot."))
    if await svc.roles.is_owner_account(account_id):
        text = _("{person} is an owner. Owners are set on the server (KETNOI_ADMINS).")
        back = [[StaffList().button(_("Back"))]]
        return [Reply(text=text.format(person=label), buttons=back)]
    role = await svc.roles.granted(account_id)
    now = _(ROLE_NAMES[role]) if role else _("not staff")
    lines = [label, _("Role now: {role}").format(role=now), ""]
    lines += [f"• {_(ROLE_NAMES[r])}: {_(ROLE_DUTIES[r])}" for r in GRANTABLE]
    buttons = [
        [SetRole(account_id, "set", r).button(("✅ " if r is role else "") + _(ROLE_NAMES[r]))]
        for r in GRANTABLE
    ]
    if role is not None:
        buttons.append([Person(account_id, "revoke").button(_("Remove from staff"))])
    buttons.append([StaffList().button(_("Back"))])
    return [Reply(text="\n".join(lines), buttons=buttons)]


async def change(turn: Turn, account_id: int, role: Role | None) -> list[Reply]:
    """Gives `role` (None: takes the role away), logs it and tells the person."""
    _ = turn._
    _people, label = await _person(turn, account_id)
    if not await staff_roles.set_role(turn.services, turn, account_id, role):
        return await show(turn, account_id)
    intro = _("{person} is no longer staff.") if role is None else _("{person} is now {role}.")
    name = _(ROLE_NAMES[role]) if role else ""
    return await staff_list(turn, intro.format(person=label, role=name))


async def on_button(turn: Turn) -> list[Reply]:
    """`roles:list`, `roles:add`, `roles:ACCOUNT:show|revoke`, `roles:ACCOUNT:set:ROLE`."""
    match turn.payload:
        case AddStaff():
            return await ask_person(turn)
        case Person(account=account_id, action="revoke"):
            return await change(turn, account_id, None)
        case SetRole(account=account_id, role=role) if role in GRANTABLE:
            return await change(turn, account_id, role)
        case Person(account=account_id) | SetRole(account=account_id):
            return await show(turn, account_id)
    return await staff_list(turn)
