"""Exports, unanswered questions turned into FAQ entries, the audit log and roles on the web."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from bot.app import App
from bot.domain.textnorm import fold
from storage.chain import RequestStatus
from storage.roles import Role
from tests.bot.channels.web.site import Site
from tests.chat import Chat
from tests.fair_data import TODAY
from tests.handlers.partners.members import member as joined
from tests.handlers.partners.members import person
from tests.handlers.staff.staff_data import add_enterprise, audit_entries


@time_machine.travel(TODAY, tick=False)
def test_exports_leave_phones_out_for_viewers_only(site: Site) -> None:
    site.run(add_enterprise, site.app, "p1", "Gốm Minh Hải", phone="+84912000111")
    site.login(site.staff(Role.VIEWER))
    data = {"what": "enterprises", "format": "csv", "purpose": "contact"}
    viewer = site.form("/quan-tri/xuat", "/quan-tri/xuat", data)
    assert viewer.status_code == 200 and viewer.headers["content-type"].startswith("text/csv")
    assert "Gốm Minh Hải" in viewer.text and "912000111" not in viewer.text
    assert 'filename="co-so-dang-ky-2026-11-23.csv"' in viewer.headers["content-disposition"]
    site.client.cookies.clear()
    site.login(site.staff(Role.MODERATOR))
    moderator = site.form("/quan-tri/xuat", "/quan-tri/xuat", {**data, "format": "xlsx"})
    assert moderator.content[:2] == b"PK"  # an .xlsx file
    entries = [e for e in site.run(audit_entries, site.app) if e.action == "export.enterprises"]
    assert [e.after["personal"] for e in entries] == [False, True]


async def _declined_request(app: App) -> None:
    """A distributor asked a producer to connect, and was declined."""
    minh = await joined(app, await person(app, "minh"), "Gốm Minh Hải")
    shop = await joined(
        app, await person(app, "shop"), "Quà Việt", roles=("distributor",), phone="+84987654321"
    )
    asked = await app.router.services.chain.ask(
        shop.id, minh.id, "Bát men lam", "producer>distributor", "ceramics"
    )
    await app.router.services.chain.decide(asked.id, RequestStatus.DECLINED)


@time_machine.travel(TODAY, tick=False)
def test_the_links_between_members_are_exported_on_the_web_too(site: Site) -> None:
    site.run(_declined_request, site.app)
    site.login(site.staff(Role.VIEWER))
    assert "Kết nối giữa các thành viên" in site.get("/quan-tri/xuat").text
    data = {"what": "links", "format": "csv", "purpose": "report", "ward": "00577"}
    got = site.form("/quan-tri/xuat", "/quan-tri/xuat", data)  # a filter sent is not applied
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    lines = got.content.decode("utf-8-sig").splitlines()
    assert "Cặp trong chuỗi" in lines[0]
    assert any("Nhà sản xuất → Nhà phân phối, bán lẻ" in line for line in lines[1:])
    assert "Gốm Minh Hải" not in got.text and "Quà Việt" not in got.text  # counts, no names
    assert 'filename="ket-noi' in got.headers["content-disposition"]
    [entry] = [e for e in site.run(audit_entries, site.app) if e.action == "export.links"]
    assert entry.after["purpose"] == "report" and "ward" not in entry.after


async def _reported(app: App) -> int:
    """A member reported by another, twice; the id of the newest report."""
    minh = await joined(app, await person(app, "minh"), "Gốm Minh Hải")
    shop = await joined(
        app, await person(app, "shop"), "Quà Việt", roles=("distributor",), phone="+84987654321"
    )
    chain = app.router.services.chain
    await chain.report(minh.id, shop.id, "Hẹn lấy hàng rồi không đến")
    newest = await chain.report(minh.id, shop.id, "Gọi điện quảng cáo <b>liên tục</b>")
    return newest.id


def test_reported_members_are_looked_into_and_marked_dealt_with_on_the_web(site: Site) -> None:
    newest = site.run(_reported, site.app)
    site.login(site.staff(Role.MODERATOR))
    page = site.get("/quan-tri/bao-cao")
    assert page.status_code == 200
    assert "Quà Việt" in page.text and "0987 654 321" in page.text  # a moderator sees the phone
    assert "Gọi điện quảng cáo &lt;b&gt;liên tục&lt;/b&gt;" in page.text  # shown, not run
    assert "Bị báo cáo tổng cộng 2 lần; lần này do Gốm Minh Hải báo ngày" in page.text
    assert 'Báo cáo thành viên <span class="count">2</span>' in page.text  # in the menu
    posted = site.form("/quan-tri/bao-cao", "/quan-tri/bao-cao", {"report": str(newest)})
    done = site.get(posted.headers["location"])
    assert "Đã đánh dấu là đã xử lý." in done.text
    assert 'Báo cáo thành viên <span class="count">1</span>' in done.text
    [entry] = [e for e in site.run(audit_entries, site.app) if e.action == "member_report.seen"]
    assert entry.target == f"member_report:{newest}"
    again = site.form("/quan-tri/bao-cao", "/quan-tri/bao-cao", {"report": str(newest)})
    assert "Báo cáo này đã được xử lý rồi." in site.get(again.headers["location"]).text


async def _ask(app: App, text: str) -> None:
    await app.router.services.questions.log(
        text, fold(text), intent=None, guess=None, score=0.1, user_hash="x"
    )


def test_an_unanswered_question_becomes_a_faq_entry_the_bot_answers(site: Site) -> None:
    asked = "co cho gui xe o hoi cho khong"
    for _ in range(3):
        site.run(_ask, site.app, asked)
    site.login(site.staff(Role.ADMIN))
    page = site.get("/quan-tri/cau-hoi").text
    assert asked in page and "được hỏi 3 lần" in page
    done = site.form(
        "/quan-tri/cau-hoi",
        "/quan-tri/cau-hoi",
        {
            "folded": fold(asked),
            "asked": asked,
            "question_vi": "Hội chợ có chỗ gửi xe không?",
            "question_en": "Is there parking at the fair?",
            "answer_vi": "Có bãi gửi xe miễn phí cạnh cổng chính.",
            "answer_en": "There is free parking by the main gate.",
        },
    )
    assert done.headers["location"].endswith("xong=added")
    assert "chưa được trả lời" in site.get("/quan-tri/cau-hoi").text  # the list is empty now
    producer = Chat(site.app.router, "asker")
    site.run(producer.say, "hoi cho co cho gui xe khong")
    assert "bãi gửi xe miễn phí" in producer.text
    assert [e.action for e in site.run(audit_entries, site.app)][-1] == "faq.add"


@time_machine.travel(TODAY, tick=False)
def test_the_audit_log_reads_in_words_and_local_time(site: Site) -> None:
    site.login(site.staff(Role.ADMIN, "boss"))
    site.get("/quan-tri/vai-tro")  # refused: roles are the owners'
    page = site.get("/quan-tri/nhat-ky").text
    assert "đăng nhập trang web quản trị" in page  # web.login, in words
    assert "10:00 23/11/26" in page  # 03:00 UTC is 10:00 in Hanoi
    assert "/quan-tri/vai-tro" in page and "tag bad" in page  # the refusal stands out
    site.client.cookies.clear()
    site.login(site.staff(Role.MODERATOR))
    assert site.get("/quan-tri/nhat-ky").status_code == 403


def test_owners_give_and_take_roles_and_the_person_is_told(site: Site) -> None:
    site.login(site.owner())
    given = site.form(
        "/quan-tri/vai-tro",
        "/quan-tri/vai-tro",
        {
            "address": "telegram:555",
            "role": "moderator",
        },
    )
    assert given.headers["location"].endswith("xong=changed")
    svc = site.app.router.services
    user = site.run(svc.users.find, Chat(site.app.router, "555", channel="telegram").user)
    assert user is not None
    assert site.run(svc.roles.granted, user.account_id) is Role.MODERATOR
    page = site.get("/quan-tri/vai-tro").text
    assert "telegram:555" in page
    site.form(
        "/quan-tri/vai-tro", "/quan-tri/vai-tro", {"account": str(user.account_id), "role": "none"}
    )
    assert site.run(svc.roles.granted, user.account_id) is None
    bad = site.form(
        "/quan-tri/vai-tro", "/quan-tri/vai-tro", {"address": "nobody", "role": "viewer"}
    )
    assert bad.headers["location"].endswith("loi=address")
    actions = [e.action for e in site.run(audit_entries, site.app)]
    assert actions[-2:] == ["role.grant", "role.revoke"]


def test_admins_cannot_change_roles(site: Site) -> None:
    site.login(site.staff(Role.ADMIN))
    assert site.get("/quan-tri/vai-tro").status_code == 403
    assert (
        site.form(
            "/quan-tri/nhat-ky",
            "/quan-tri/vai-tro",
            {
                "address": "telegram:1",
                "role": "admin",
            },
        ).status_code
        == 403
    )


def test_the_audit_log_filters_by_who_what_and_day_and_names_what_it_is_about(
    site: Site,
) -> None:
    e = site.run(add_enterprise, site.app, "p1", "Gốm Minh Hải")
    with time_machine.travel(TODAY, tick=False) as clock:
        lan = site.staff(Role.MODERATOR, "lan")
        site.login(lan)
        site.form("/quan-tri/dang-ky", "/quan-tri/dang-ky", {"action": "approve", "ids": str(e.id)})
        clock.shift(timedelta(days=2))
        site.client.cookies.clear()
        site.login(site.owner())
        page = site.get("/quan-tri/nhat-ky").text
        assert f'<a href="/quan-tri/dang-ky/{e.id}">hồ sơ #{e.id}</a>' in page
        assert "Cán bộ moderator" in page  # the name, not the address
        mine = site.get("/quan-tri/nhat-ky", params={"ai": str(lan.id)}).text
        assert (
            "đã duyệt một hồ sơ đăng ký" in mine and mine.count("<tr") == 1 + 2
        )  # login, approval
        approvals = site.get("/quan-tri/nhat-ky", params={"viec": "registration.approve"}).text
        assert approvals.count("<tr") == 2 and "Cán bộ moderator" in approvals
        day = TODAY.date().isoformat()
        that_day = site.get("/quan-tri/nhat-ky", params={"tu": day, "den": day}).text
        assert that_day.count("<tr") == 1 + 2
        later = (TODAY + timedelta(days=1)).date().isoformat()
        none = site.get("/quan-tri/nhat-ky", params={"tu": later, "viec": "registration.approve"})
        assert "Không có mục nào khớp với bộ lọc" in none.text


def test_owners_pick_a_person_who_wrote_to_the_bot_rather_than_type_an_id(site: Site) -> None:
    e = site.run(add_enterprise, site.app, "p1", "Gốm Minh Hải")
    site.login(site.owner())
    page = site.get("/quan-tri/vai-tro").text
    picker = page.split('<select id="account"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{e.account_id}">' in picker and "Gốm Minh Hải" in picker
    assert "console:admin" not in picker  # owners are not offered
    given = site.form(
        "/quan-tri/vai-tro", "/quan-tri/vai-tro", {"account": str(e.account_id), "role": "viewer"}
    )
    assert given.headers["location"].endswith("xong=changed")
    assert site.run(site.app.router.services.roles.granted, e.account_id) is Role.VIEWER
    after = site.get("/quan-tri/vai-tro").text.split('<select id="account"', 1)[1]
    assert "Gốm Minh Hải" not in after.split("</select>", 1)[0]  # staff now: in the table
    wrong = site.form(
        "/quan-tri/vai-tro", "/quan-tri/vai-tro", {"account": "999", "role": "viewer"}
    )
    assert wrong.headers["location"].endswith("loi=address")


def test_the_exports_page_says_whether_phone_numbers_are_in_the_files(site: Site) -> None:
    site.login(site.staff(Role.VIEWER))
    assert "không có số điện thoại và mã số thuế" in site.get("/quan-tri/xuat").text
    site.client.cookies.clear()
    site.login(site.staff(Role.MODERATOR))
    assert "Có kèm số điện thoại và mã số thuế" in site.get("/quan-tri/xuat").text
