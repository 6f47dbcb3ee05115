"""/du_lieu_cua_toi (/my_data): what is held, a copy, stopping announcements, and withdrawing
consent with the deletion of the data (at once, or after staff withdraw an approved booth)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine

from bot.app import App
from bot.services.exports import ExportFilter, What, make_export
from handlers.staff.data_requests import remind_staff
from storage.booths import BoothStatus
from storage.enterprises import EnterpriseStatus
from storage.roles import Role
from tests.chat import Chat
from tests.database import on_postgres
from tests.fair_data import TODAY, make_fair, outbox_rows, register_enterprise, tap
from tests.handlers.registration_walk import register, stored
from tests.handlers.staff.staff_data import audit_entries, member, owner

PHONE_FORMS = ("+84912345678", "0912 345 678", "0912345678")
TAX_CODE = "001085012345"


pytestmark = pytest.mark.today


async def everything_stored(app: App) -> str:
    """Every text value of every table, one per line: what a search of the file would find."""
    db = app.router.services.db
    found: list[str] = []
    for table in await db.schema():
        for row in await db.fetchall(f"SELECT * FROM {table}"):
            found += [f"{table}: {v}" for v in tuple(row) if isinstance(v, str)]
    return "\n".join(found)


async def _registered(app: App, chat: Chat) -> None:
    await register(chat)
    svc = app.router.services
    e = await stored(app, chat)
    assert e is not None
    approved = await svc.enterprises.set_status(e.id, EnterpriseStatus.APPROVED, by=None)
    assert approved is not None


async def test_the_overview_groups_what_is_held_and_masks_the_id_number(
    app: App, chat: Chat
) -> None:
    await _registered(app, chat)
    await chat.say("/du_lieu_cua_toi")
    text = chat.text
    assert "Sở Công Thương Hà Nội" in text
    for title in ("Hồ sơ đăng ký của bạn", "Đơn gian hàng của bạn", "Ứng dụng của bạn"):
        assert title in text
    assert "0010******45" in text and TAX_CODE not in text
    assert "0912 345 678" in text
    payloads = [b.payload for b in chat.options]
    assert payloads == ["mydata:copy", "reg:profile:open", "mydata:stop", "mydata:erase"]


async def test_a_copy_is_a_readable_document_and_a_json_file(app: App, chat: Chat) -> None:
    await _registered(app, chat)
    await chat.say("/my_data")
    intro, readable, machine = await chat.press("mydata:copy")
    assert intro.text and readable.document is not None and machine.document is not None
    assert readable.document.filename.endswith(".txt")
    text = readable.document.content.decode("utf-8")
    assert readable.document.text == text  # what Zalo shows instead of the file
    assert "Mã số thuế: 001085012345" in text and "Cơ sở gốm Minh Hải" in text
    data = json.loads(machine.document.content)
    assert data["controller"] == "Sở Công Thương Hà Nội"
    assert data["registration"]["tax_code"] == TAX_CODE
    assert data["registration"]["consent_version"] == "2026.1"
    assert [c["channel"] for c in data["consents"]] == ["console"]
    [entry] = [e for e in await audit_entries(app) if e.action == "data.copy"]
    assert entry.actor.startswith("P-") and entry.actor_id is None
    [request] = await app.router.services.personal_data.requests()
    assert (request.kind, request.status, request.subject) == ("copy", "done", entry.actor)


async def test_stopping_announcements_keeps_the_registration(app: App, chat: Chat) -> None:
    await _registered(app, chat)
    await chat.say("/du_lieu_cua_toi")
    await chat.press("mydata:stop")
    await chat.press("mydata:stop_yes")
    svc = app.router.services
    user = await svc.users.find(chat.user)
    assert user is not None and not user.broadcasts_on and user.reminders_on
    assert await stored(app, chat) is not None
    assert "mydata:stop" not in [b.payload for b in chat.options]
    [request] = await svc.personal_data.requests()
    assert request.kind == "restrict"


async def test_withdrawing_consent_deletes_everything_and_says_what_remains(app: App) -> None:
    lan = Chat(app.router, channel="telegram", external_id="4343", name="Lan")
    await _registered(app, lan)
    await lan.say("hoi cho gom o dau 0912345678")  # a question, logged
    svc = app.router.services
    reference = (await stored(app, lan)).reference  # type: ignore[union-attr]
    await lan.say("/du_lieu_cua_toi")
    await lan.press("mydata:erase")
    assert lan.text.startswith("Rút lại sự đồng ý và xóa dữ liệu của bạn?")
    lan.name = "Lan Nguyễn"  # the app shows a new name: the turn writes it at its commit
    [reply] = await lan.press("mydata:erase_yes")
    assert "P-" in reply.text and not reply.buttons

    everything = await everything_stored(app)
    for needle in (*PHONE_FORMS, TAX_CODE, reference, "Nguyễn Thị Lan", "Minh Hải", "4343"):
        assert needle not in everything, needle
    names = await svc.db.fetchall("SELECT display_name FROM users WHERE channel = 'telegram'")
    assert [r[0] for r in names] == [None]
    if not on_postgres():  # PostgreSQL's autovacuum reclaims deleted rows, in its own time
        # not only unlinked: overwritten in the file (once the log is copied into it)
        await svc.db.run(lambda c: c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())
        raw = app.settings.db_path.read_bytes()
        for (sql,) in await svc.db.fetchall("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"):
            raw = raw.replace(sql.encode(), b"")  # a comment there shows +84912345678
        for needle in (*PHONE_FORMS, TAX_CODE, "Nguyễn Thị Lan"):
            assert needle.encode() not in raw, needle
        # and what later updates replace is still overwritten: the erasure left it on
        assert (await svc.db.fetchone("PRAGMA secure_delete"))[0] == 1  # type: ignore[index]
    entries = [e for e in await audit_entries(app) if e.action == "data.erase"]
    assert len(entries) == 1 and entries[0].actor.startswith("P-")
    assert entries[0].after["removed"]["registration"] == 1
    # a new export has nobody, and an announcement to everyone reaches nobody
    export = await make_export(
        svc, ExportFilter(what=What.ENTERPRISES), svc.i18n.get("vi"), "csv", personal=True
    )
    assert export.rows == 0
    assert await svc.broadcasts.recipients("all") == []
    # writing again starts afresh
    await lan.say("/start")
    again = await svc.users.find(lan.user)
    assert again is not None and await svc.enterprises.for_account(again.account_id) is None


async def _apply(chat: Chat, booths: int = 2) -> None:
    await chat.say("/start fair_test-fair")
    await chat.press("fair:test-fair:apply")
    await chat.press(f"apply:booths:{booths}")
    await chat.say("Bát đĩa men lam")
    await chat.press("apply:needs:power")
    await chat.press("apply:confirm")


async def _approved_booth(app: App, chat: Chat) -> int:
    fair = await make_fair(app)
    await _apply(chat)
    svc = app.router.services
    user = await svc.users.find(chat.user)
    assert user is not None
    [application] = await svc.booths.for_account(user.account_id)
    async with svc.db.transaction():
        done = await svc.booths.approve(application.id, ["A1", "A2"], user.id)
    assert done is not None and done.fair_id == fair.id
    return application.id


async def test_an_approved_booth_is_withdrawn_by_staff_before_the_rest_is_deleted(
    app: App, chat: Chat
) -> None:
    await _registered(app, chat)
    application = await _approved_booth(app, chat)
    hoa = Chat(app.router, external_id="next", name="Hoa")
    await register_enterprise(app, hoa, name="Cơ sở mây tre Phú Vinh")
    await _apply(hoa)  # 3 booths, 2 taken: Hoa waits
    svc = app.router.services
    [waiting] = await svc.booths.for_account((await svc.users.find(hoa.user)).account_id)  # type: ignore[union-attr]
    assert waiting.status is BoothStatus.WAITLISTED
    await chat.say("/du_lieu_cua_toi")
    await chat.press("mydata:erase")
    assert "A1, A2" in chat.text and "72" in chat.text
    await chat.press("mydata:erase_yes")
    assert "A1, A2" in chat.text
    user = await svc.users.find(chat.user)
    assert user is not None and not user.broadcasts_on and not user.reminders_on
    assert await stored(app, chat) is not None  # kept until staff act
    [request] = await svc.personal_data.requests()
    assert request.status == "waiting" and request.due_at is not None
    assert timedelta(hours=71) < request.due_at - request.requested_at <= timedelta(hours=72)
    notice = (await outbox_rows(app, owner(app), "notice:"))[-1]
    assert f"#{request.id}" in notice.replies[0].text and "A1, A2" in notice.replies[0].text

    # a day later the staff are reminded; a moderator finishes it
    with time_machine.travel(TODAY + timedelta(hours=25), tick=False):
        assert await remind_staff(app.router) == 1
        assert await remind_staff(app.router) == 0
    moderator = await member(app, Role.MODERATOR)
    await moderator.say("/yeu_cau_du_lieu")
    assert f"#{request.id}" in moderator.text
    await moderator.press(f"datareq:show:{request.id}")
    assert "A1, A2" in moderator.text
    await moderator.press(f"datareq:done:{request.id}")
    assert f"#{request.id}" in moderator.text
    assert (await svc.booths.get(application)) is None
    assert await svc.enterprises.for_account(user.account_id) is None
    done = await svc.personal_data.get_request(request.id)
    assert done is not None and done.status == "done" and done.account_id is None
    # the person is told, at her address (a fresh row that holds nothing of her)
    [told] = await outbox_rows(app, chat, "notice:")
    assert told.replies[0].text.startswith("Sở đã rút các gian đã duyệt của bạn")
    offered = await svc.booths.get(waiting.id)
    assert offered is not None and offered.status is BoothStatus.OFFERED
    everything = await everything_stored(app)
    for needle in (*PHONE_FORMS, TAX_CODE, "Minh Hải"):  # Hoa's contact has Lan's name
        assert needle not in everything, needle
    erased = [e for e in await audit_entries(app) if e.action == "data.erase_done"]
    assert len(erased) == 1 and erased[0].actor.startswith("console:staff-moderator")


async def test_the_staff_list_is_refused_to_producers(app: App, chat: Chat) -> None:
    await tap(chat, "datareq:done:1")
    assert chat.text == "Xin lỗi, bạn không có quyền thực hiện thao tác này."
    await chat.say("/yeu_cau_du_lieu")
    assert chat.text == "Xin lỗi, bạn không có quyền thực hiện thao tác này."


async def test_booths_held_before_approval_go_to_the_waiting_list(app: App, chat: Chat) -> None:
    await _registered(app, chat)
    await make_fair(app)
    await _apply(chat)  # 2 of the 3 booths held, not yet approved
    hoa = Chat(app.router, external_id="next", name="Hoa")
    await register_enterprise(app, hoa, name="Cơ sở mây tre Phú Vinh")
    await _apply(hoa)
    svc = app.router.services
    [waiting] = await svc.booths.for_account((await svc.users.find(hoa.user)).account_id)  # type: ignore[union-attr]
    assert waiting.status is BoothStatus.WAITLISTED
    await chat.say("/du_lieu_cua_toi")
    await chat.press("mydata:erase")
    await chat.press("mydata:erase_yes")
    assert chat.text.startswith("Xong")
    offered = await svc.booths.get(waiting.id)
    assert offered is not None and offered.status is BoothStatus.OFFERED
    [offer] = await outbox_rows(app, hoa, "notice:")
    assert offer.replies[0].buttons  # accept or decline
