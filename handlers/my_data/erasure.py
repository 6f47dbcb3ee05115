"""Withdrawing consent: announcements and reminders stop at once, everything else is deleted
or made anonymous; an approved booth at a fair not yet over is first withdrawn by staff,
within the hours the Department set (KETNOI_ERASURE_HOURS), with a reminder to them."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from bot.core.clock import utcnow
from bot.core.i18n import N_, Lang
from bot.core.payloads import DataRequestAction
from bot.core.types import Reply
from bot.dialog.router import Build, Turn, user_hash
from bot.services.data_rights import needles, subject_of
from bot.services.fair_jobs import offer_freed
from handlers.menu import main_menu
from handlers.my_data.overview import MyData
from storage.booths import LIVE, BoothStatus
from storage.personal_data import DataRequest, Erased, HeldBooth

__all__ = ["REMOVED_NAMES", "ask_erase", "erase", "erase_account", "held_lines", "summary"]

# Erased.removed and Erased.kept keys as the person reads them.
REMOVED_NAMES: Final = {
    "registration": N_("your registration"),
    "booth_applications": N_("booth applications"),
    "consents": N_("records of your consent"),
    "follows": N_("crafts and fairs followed"),
    "feedback": N_("answers after a fair"),
    "conversations": N_("unfinished answers"),
    "link_codes": N_("codes to link your apps"),
    "connections": N_("your links with other members, blocks, reports and meeting slots"),
    "questions": N_("questions you typed"),
    "messages": N_("messages kept for you or about you"),
    "audit_snapshots": N_("copies of your data in the staff log"),
    "audit_entries": N_("entries of the staff log, under a pseudonym, without your data"),
    "requests": N_("the record of your requests (what, when, when done), under a pseudonym"),
}


def held_lines(lang: Lang, held: list[HeldBooth]) -> list[str]:
    """`• Fair title: booths A1, A2` for each approved booth staff must withdraw first."""
    return [
        "• "
        + (b.fair_title_en if lang.code == "en" else b.fair_title_vi)
        + ": "
        + lang.gettext("booths {numbers}").format(numbers=", ".join(b.booth_numbers) or "—")
        for b in held
    ]


def summary(lang: Lang, erased: Erased) -> str:
    """What was removed and what remains, one line each."""
    _ = lang.gettext
    removed = [
        f"• {_(REMOVED_NAMES.get(k, k))}: {lang.number(n)}" for k, n in erased.removed.items()
    ]
    kept = [f"• {_(REMOVED_NAMES.get(k, k))}" for k, n in erased.kept.items() if n]
    lines = [_("Deleted:"), *(removed or ["• " + _("your apps' names and phone number")])]
    lines += ["", _("Kept, because the law asks the Department to keep it:"), *kept]
    return "\n".join(lines)


async def ask_erase(turn: Turn) -> list[Reply]:
    """Says what withdrawing consent removes and what it keeps, and asks to confirm."""
    _ = turn._
    svc = turn.services
    account = turn.user.account_id
    if (waiting := await svc.personal_data.waiting_erasure(account)) is not None:
        return [Reply(text=_waiting_text(turn, waiting))]
    e = await svc.enterprises.for_account(account)
    held = await svc.personal_data.held_booths(account)
    lines = [
        _("Withdraw your consent and delete your data?"),
        "",
        _("At once: announcements and reminders stop."),
        _(
            "Deleted: your registration{reference}, your booth applications, the crafts and fairs"
            " you follow, the messages and questions kept, and your apps' names and phone number."
        ).format(reference=f" {e.reference}" if e else ""),
        _(
            "Kept: the log of what staff did keeps the fact of each action under a pseudonym,"
            " without your data; and this request is recorded (what, when, when done)."
        ),
    ]
    if held:
        lines += [
            "",
            _(
                "These booths are approved and their fair has not ended, so the Department must"
                " first withdraw them. Staff will do it within {hours} hours; until then your"
                " registration and these applications are kept, and you will be told here when"
                " everything is deleted:"
            ).format(hours=svc.settings.erasure_hours),
            *held_lines(turn.lang, held),
        ]
    lines += ["", _("This cannot be undone: to join the network again you would register anew.")]
    buttons = [
        [MyData("erase_yes").button(_("Yes, withdraw and delete"))],
        [MyData("show").button(_("No, keep my data"))],
    ]
    return [Reply(text="\n".join(lines), buttons=buttons)]


def _waiting_text(turn: Turn, waiting: DataRequest) -> str:
    due = turn.lang.date_time(waiting.due_at) if waiting.due_at else "—"
    return turn._(
        "Your request of {date} to delete your data is waiting for the Department, which first"
        " withdraws your approved booth; it will be done by {due}, and you will be told here."
    ).format(date=turn.lang.date(waiting.requested_at), due=due)


async def erase(turn: Turn) -> list[Reply]:
    """Withdraws consent: everything goes now, or (an approved booth) what can go now and the
    rest when staff have withdrawn the booth."""
    _ = turn._
    svc = turn.services
    account = turn.user.account_id
    if (waiting := await svc.personal_data.waiting_erasure(account)) is not None:
        return [Reply(text=_waiting_text(turn, waiting))]
    subject = await subject_of(svc.signing_keys, account)
    held = await svc.personal_data.held_booths(account)
    # Booths held or waited for go to the waiting list (who are told) before the rows go.
    withdrawn = await _withdraw_waiting(turn, account)
    if not held:
        erased = await erase_account(turn, account, subject, at_commit=True)
        request = await svc.personal_data.add_request(
            None, subject, "erase", turn.user.channel, outcome=erased.model_dump()
        )
        await svc.audit.record_subject(
            subject, "data.erase", f"request:{request.id}", erased.model_dump()
        )
        turn.conversation.end()
        text = "\n\n".join(
            [
                _(
                    "Done: your consent is withdrawn and your data is deleted. No announcement"
                    " or reminder will reach you any more."
                ),
                summary(turn.lang, erased),
                _(
                    "Your request is recorded as {subject}. If you write again, you start as a"
                    " new user."
                ).format(subject=subject),
            ]
        )
        return [Reply(text=text)]
    stopped = await svc.personal_data.stop_all_messages(account)
    due = utcnow() + timedelta(hours=svc.settings.erasure_hours)
    outcome = {"withdrawn_applications": withdrawn, "messages_withdrawn": stopped}
    request = await svc.personal_data.add_request(
        account, subject, "erase", turn.user.channel, waiting_until=due, outcome=outcome
    )
    await svc.audit.record_subject(subject, "data.erase", f"request:{request.id}", outcome)
    turn.notify_admins(_staff_notice(request, held))
    lines = [
        _("Your consent is withdrawn. Announcements and reminders have stopped."),
    ]
    if withdrawn:
        lines.append(
            turn.ngettext(
                "{n} application that was not yet approved is withdrawn.",
                "{n} applications that were not yet approved are withdrawn.",
                withdrawn,
            ).format(n=withdrawn)
        )
    lines += [
        "",
        _(
            "Your approved booths below are withdrawn by the Department first; then everything"
            " else is deleted, by {due}. You will be told here. Until then only your"
            " registration and these applications are kept:"
        ).format(due=turn.lang.date_time(due)),
        *held_lines(turn.lang, held),
    ]
    return [main_menu(turn.lang, "\n".join(lines))]


async def _withdraw_waiting(turn: Turn, account: int) -> int:
    """Withdraws the account's live applications that are not approved (their booths go to
    the waiting list, who are told); how many."""
    svc = turn.services
    count = 0
    for app in await svc.booths.for_account(account):
        if app.status not in LIVE or app.status is BoothStatus.APPROVED:
            continue
        if await svc.booths.withdraw(app.id, account) is None:
            continue
        count += 1
        fair = await svc.fairs.get(app.fair_id)
        if fair is not None:
            for user_id, build, _key in await offer_freed(svc, fair):
                turn.notify(user_id, build)
    return count


def _staff_notice(request: DataRequest, held: list[HeldBooth]) -> Build:
    """The message to staff: a person withdrew consent and holds approved booths."""

    def build(lang: Lang) -> list[Reply]:
        _ = lang.gettext
        text = "\n".join(
            [
                _(
                    "Request #{id} ({subject}): a person withdrew their consent and asked for"
                    " their data to be deleted. They hold approved booths at a fair not yet"
                    " over, which must be withdrawn first, by {due}:"
                ).format(
                    id=request.id,
                    subject=request.subject,
                    due=lang.date_time(request.due_at) if request.due_at else "—",
                ),
                *held_lines(lang, held),
            ]
        )
        button = DataRequestAction("show", request.id).button(_("Open the request"))
        return [Reply(text=text, buttons=[[button]])]

    return build


async def erase_account(turn: Turn, account: int, subject: str, *, at_commit: bool) -> Erased:
    """Deletes the account's data (storage/personal_data.py says how); `at_commit`: the
    identities are made anonymous with the turn's COMMIT (the account is the turn's own)."""
    svc = turn.services
    identities = await svc.users.identities(account)
    e = await svc.enterprises.for_account(account)
    found = needles(e, [u.phone for u in identities])
    hashes = [user_hash(u.ref) for u in identities]
    return await svc.personal_data.erase(account, subject, hashes, found, at_commit=at_commit)
