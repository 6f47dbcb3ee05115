"""/quan-tri/dang-ky: filters, search without diacritics, pages, tags, and bulk decisions that
reach each applicant as the chat's review does."""

from __future__ import annotations

from bot.app import App
from storage.enterprises import Enterprise, EnterpriseFields, EnterpriseStatus
from storage.roles import Role
from tests.bot.channels.web.site import Site
from tests.database import on_postgres
from tests.fair_data import make_fair
from tests.handlers.staff.staff_data import add_enterprise, audit_entries


async def _notices(app: App) -> list[tuple[int, str]]:
    """(user id, text) of every notice queued, oldest first."""
    rows = await app.router.services.db.fetchall(
        "SELECT dedupe_key FROM outbox WHERE lane = 'notice' ORDER BY id"
    )
    found = [await app.router.services.outbox.get(r[0]) for r in rows]
    return [(r.user_id, r.replies[0].text) for r in found if r is not None]


def _add(site: Site, n: int) -> list[Enterprise]:
    """`n` pending registrations of as many people."""
    return [
        site.run(add_enterprise, site.app, f"p{i}", f"Cơ sở số {i}", phone=f"+8491{i:07d}")
        for i in range(n)
    ]


def _moderator(site: Site) -> None:
    site.login(site.staff(Role.MODERATOR))


def test_only_moderators_and_above_see_registrations(site: Site) -> None:
    site.run(add_enterprise, site.app, "p1", "Cơ sở gốm Minh Hải", phone="+84912000111")
    site.login(site.staff(Role.VIEWER))
    refused = site.get("/quan-tri/dang-ky")
    assert refused.status_code == 403 and "0912" not in refused.text
    assert site.post("/quan-tri/dang-ky", {"action": "approve", "ids": "1"}).status_code == 403
    assert "Đăng ký" not in site.get("/quan-tri").text.split("<main", 1)[0]  # not in the menu
    site.client.cookies.clear()
    _moderator(site)
    page = site.get("/quan-tri/dang-ky")
    assert page.status_code == 200 and "Cơ sở gốm Minh Hải" in page.text
    assert "0912 000 111" in page.text or "0912000111" in page.text


def test_search_needs_no_diacritics_and_finds_phones_and_references(site: Site) -> None:
    hai = site.run(add_enterprise, site.app, "p1", "Cơ sở gốm Minh Hải", phone="+84912000111")
    site.run(add_enterprise, site.app, "p2", "Hợp tác xã mây tre Phú Vinh", phone="+84988777666")
    _moderator(site)

    def names(query: str) -> list[str]:
        text = site.get("/quan-tri/dang-ky", params={"q": query}).text
        return [n for n in ("Minh Hải", "Phú Vinh") if n in text]

    assert names("minh hai") == ["Minh Hải"]
    assert names("GOM minh") == ["Minh Hải"]
    assert names("phu vinh") == ["Phú Vinh"]
    assert names("0988 777 666") == ["Phú Vinh"]
    assert names(hai.reference.lower()) == ["Minh Hải"]
    assert names("nothing like it") == []


def test_filters_by_status_craft_ward_fair_and_tag(site: Site) -> None:
    site.run(add_enterprise, site.app, "p1", "Gốm Bát Tràng", sectors=("ceramics",))
    site.run(
        add_enterprise,
        site.app,
        "p2",
        "Lụa Vạn Phúc",
        sectors=("textile_silk",),
        ward_code=None,
        phone="+84912000222",
        status=EnterpriseStatus.APPROVED,
    )
    _moderator(site)

    def shown(**params: str) -> list[str]:
        text = site.get("/quan-tri/dang-ky", params=params).text
        return [n for n in ("Gốm Bát Tràng", "Lụa Vạn Phúc") if n in text]

    assert shown() == ["Gốm Bát Tràng", "Lụa Vạn Phúc"]
    assert shown(status="pending") == ["Gốm Bát Tràng"]
    assert shown(status="approved") == ["Lụa Vạn Phúc"]
    assert shown(craft="textile_silk") == ["Lụa Vạn Phúc"]
    assert shown(ward="00577") == ["Gốm Bát Tràng"]
    assert shown(ward="bat trang") == ["Gốm Bát Tràng"]  # a name typed in the address works too
    done = site.form(
        "/quan-tri/dang-ky",
        "/quan-tri/dang-ky",
        {"action": "tag", "ids": ["2"], "text": "đã gọi điện"},
    )
    assert done.status_code == 303
    assert shown(tag="đã gọi điện") == ["Lụa Vạn Phúc"]
    assert site.get("/quan-tri/dang-ky", params={"fair": "1"}).status_code == 200


def test_pages_of_fifty(site: Site) -> None:
    _add(site, 60)
    _moderator(site)
    first = site.get("/quan-tri/dang-ky", params={"status": "pending"}).text
    second = site.get("/quan-tri/dang-ky", params={"status": "pending", "page": "2"}).text
    assert first.count('name="ids"') == 50 and second.count('name="ids"') == 10
    assert "Trang 2 / 2" in second


def test_three_ticked_are_approved_at_once_and_each_applicant_is_told(site: Site) -> None:
    made = _add(site, 4)
    _moderator(site)
    ids = [str(e.id) for e in made[:3]]
    done = site.form(
        "/quan-tri/dang-ky?status=pending",
        "/quan-tri/dang-ky",
        {
            "action": "approve",
            "ids": ids,
            "back": "/quan-tri/dang-ky?status=pending",
        },
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/quan-tri/dang-ky?status=pending&xong=approve%3A3%3A0"
    page = site.get(done.headers["location"]).text
    assert "Đã duyệt 3 hồ sơ" in page
    svc = site.app.router.services
    statuses = [site.run(svc.enterprises.get, e.id).status for e in made]  # type: ignore[union-attr]
    assert statuses == [EnterpriseStatus.APPROVED] * 3 + [EnterpriseStatus.PENDING]
    notices = site.run(_notices, site.app)
    assert len(notices) == 3 and all("đã được Sở Công Thương Hà Nội duyệt" in t for _, t in notices)
    actions = [e.action for e in site.run(audit_entries, site.app)]
    assert actions.count("registration.approve") == 3
    again = site.form("/quan-tri/dang-ky", "/quan-tri/dang-ky", {"action": "approve", "ids": ids})
    assert again.headers["location"].endswith("xong=approve%3A0%3A3")  # nothing twice


def test_rejecting_several_takes_one_reason_that_each_applicant_reads(site: Site) -> None:
    made = _add(site, 2)
    _moderator(site)
    ids = [str(e.id) for e in made]
    empty = site.form("/quan-tri/dang-ky", "/quan-tri/dang-ky", {"action": "reject", "ids": ids})
    assert empty.headers["location"].endswith("loi=reason")
    site.form(
        "/quan-tri/dang-ky",
        "/quan-tri/dang-ky",
        {
            "action": "reject",
            "ids": ids,
            "text": "Thiếu mã số thuế",
        },
    )
    notices = site.run(_notices, site.app)
    assert len(notices) == 2 and all("Thiếu mã số thuế" in t for _, t in notices)


def test_a_correction_reaches_the_applicant_with_an_edit_button(site: Site) -> None:
    (e,) = _add(site, 1)
    _moderator(site)
    site.form(
        f"/quan-tri/dang-ky/{e.id}",
        "/quan-tri/dang-ky",
        {
            "action": "correct",
            "ids": [str(e.id)],
            "text": "Xin bổ sung địa chỉ xưởng",
            "back": f"/quan-tri/dang-ky/{e.id}",
        },
    )
    (notice,) = site.run(_notices, site.app)
    assert "Xin bổ sung địa chỉ xưởng" in notice[1]
    record = site.get(f"/quan-tri/dang-ky/{e.id}").text
    assert "Xin bổ sung địa chỉ xưởng" in record  # in its history
    assert (
        site.run(site.app.router.services.enterprises.get, e.id).status is EnterpriseStatus.PENDING
    )  # type: ignore[union-attr]


def test_the_record_shows_answers_account_and_history(site: Site) -> None:
    (e,) = _add(site, 1)
    _moderator(site)
    site.form(
        f"/quan-tri/dang-ky/{e.id}",
        "/quan-tri/dang-ky",
        {
            "action": "approve",
            "ids": [str(e.id)],
            "back": f"/quan-tri/dang-ky/{e.id}",
        },
    )
    page = site.get(f"/quan-tri/dang-ky/{e.id}").text
    assert e.reference in page and "Bát đĩa men lam" in page and "Xã Bát Tràng" in page
    assert "đã duyệt một hồ sơ" in page or "duyệt" in page
    assert site.get("/quan-tri/dang-ky/999").status_code == 404


def test_a_form_without_the_sessions_token_changes_nothing(site: Site) -> None:
    (e,) = _add(site, 1)
    _moderator(site)
    forged = site.post("/quan-tri/dang-ky", {"action": "approve", "ids": [str(e.id)], "csrf": "x"})
    assert forged.status_code == 403
    assert (
        site.run(site.app.router.services.enterprises.get, e.id).status is EnterpriseStatus.PENDING
    )  # type: ignore[union-attr]
    assert site.run(_notices, site.app) == []


def test_the_search_follows_a_changed_phone_and_forgets_the_old_one(site: Site) -> None:
    e = site.run(add_enterprise, site.app, "p1", "Gốm Minh Hải", phone="+84912000111")
    _moderator(site)

    def found(query: str) -> bool:
        return "Gốm Minh Hải" in site.get("/quan-tri/dang-ky", params={"q": query}).text

    assert found("0912000111")
    svc = site.app.router.services
    fields = EnterpriseFields.model_validate(
        e.model_dump(include=set(EnterpriseFields.model_fields))
    )
    site.run(svc.enterprises.update, e.id, fields.model_copy(update={"phone": "+84988000222"}))
    assert not found("0912000111") and found("0988000222")
    kept = site.run(
        svc.db.fetchone, "SELECT count(*) FROM enterprises WHERE search_text LIKE '%0912000111%'"
    )
    assert kept is not None and kept[0] == 0  # no copy of the old number stays behind
    if not on_postgres():  # SQLite's full-text index of it (PostgreSQL reads the text itself)
        stale = site.run(
            svc.db.fetchone,
            "SELECT count(*) FROM enterprise_search WHERE enterprise_search MATCH '\"0912000111\"'",
        )
        assert stale is not None and stale[0] == 0  # the old number is out of the index too


def test_all_that_match_the_filters_act_on_every_page_after_the_count_is_confirmed(
    site: Site,
) -> None:
    added = _add(site, 55)  # more than a page (50)
    site.run(add_enterprise, site.app, "other", "Hộ mộc Chàng Sơn", sectors=("woodwork",))
    site.run(
        site.app.router.services.enterprises.set_status, added[0].id, EnterpriseStatus.REJECTED
    )
    _moderator(site)
    listing = "/quan-tri/dang-ky?status=pending&q=co+so"
    page = site.get(listing).text
    assert "tất cả 54 cơ sở khớp với bộ lọc" in page  # 55 - 1 rejected; not the woodworker
    form = {"action": "tag", "text": "đợt 1", "scope": "all", "back": listing}
    stale = site.form(listing, "/quan-tri/dang-ky", {**form, "expected": "53"})
    assert "loi=changed" in stale.headers["location"]
    assert "thay đổi trong lúc bạn xem" in site.get(stale.headers["location"]).text
    assert site.run(site.app.router.services.registrations.tags) == []  # nothing was done
    done = site.form(listing, "/quan-tri/dang-ky", {**form, "expected": "54"})
    assert "xong=tag%3A54" in done.headers["location"]
    assert site.run(site.app.router.services.registrations.tags) == [("đợt 1", 54)]
    approved = site.form(
        listing, "/quan-tri/dang-ky", {**form, "action": "approve", "expected": "54"}
    )
    assert "xong=approve%3A54" in approved.headers["location"]
    statuses = [
        site.run(site.app.router.services.enterprises.get, e.id).status  # type: ignore[union-attr]
        for e in added
    ]
    assert statuses.count(EnterpriseStatus.APPROVED) == 54
    assert len(site.run(_notices, site.app)) == 54  # each applicant told
    assert "Hộ mộc Chàng Sơn" in site.get("/quan-tri/dang-ky?status=pending").text


def test_staff_correct_a_registration_and_the_producer_is_told_what_changed(site: Site) -> None:
    e = site.run(add_enterprise, site.app, "p1", "Gốm Minh Hải", phone="+84912000111")
    site.run(add_enterprise, site.app, "p2", "Mây tre Phú Vinh", phone="+84988777666")
    _moderator(site)
    record = f"/quan-tri/dang-ky/{e.id}"
    assert 'href="/quan-tri/dang-ky/1/sua"' in site.get(record).text
    form = site.get(record + "/sua").text
    assert 'value="Gốm Minh Hải"' in form and 'value="0912 000 111"' in form
    values = {
        "name": "Gốm sứ Minh Hải",
        "kind": "household",
        "sectors": ["ceramics"],
        "ward": e.ward_code or "",
        "province": "",
        "address": "Xóm 3, Bát Tràng",
        "contact_name": e.contact_name,
        "phone": "0988 777 666",  # the other's number
        "tax_code": "12ab",
        "products": e.products or "",
    }
    wrong = site.form(record + "/sua", record + "/sua", values)
    assert wrong.status_code == 400
    assert "đã có số điện thoại này" in wrong.text and "Mã số thuế chỉ gồm chữ số" in wrong.text
    assert 'value="Gốm sứ Minh Hải"' in wrong.text  # nothing typed is lost
    assert site.run(site.app.router.services.enterprises.get, e.id).name == "Gốm Minh Hải"  # type: ignore[union-attr]
    saved = site.form(
        record + "/sua", record + "/sua", {**values, "phone": "0912 000 222", "tax_code": ""}
    )
    assert saved.status_code == 303 and "xong=edited%3A3" in saved.headers["location"]
    after = site.run(site.app.router.services.enterprises.get, e.id)
    assert after is not None and after.name == "Gốm sứ Minh Hải" and after.phone == "+84912000222"
    assert after.status is e.status  # the review stays as it was
    told = [t for _u, t in site.run(_notices, site.app)]
    assert len(told) == 1 and "Gốm sứ Minh Hải" in told[0] and "0912 000 222" in told[0]
    assert "Xóm 3, Bát Tràng" in told[0]
    entry = next(x for x in site.run(audit_entries, site.app) if x.action == "registration.edit")
    assert entry.before == {"name": "Gốm Minh Hải", "address": e.address, "phone": "+84912000111"}
    page = site.get(record).text
    assert "sửa hồ sơ đăng ký" in page and "Gốm Minh Hải → Gốm sứ Minh Hải" in page  # history
    same = site.form(
        record + "/sua", record + "/sua", {**values, "phone": "0912 000 222", "tax_code": ""}
    )
    assert "xong=edited%3A0" in same.headers["location"]
    assert len(site.run(_notices, site.app)) == 1  # nothing changed: nobody told again


def test_the_records_history_has_its_booth_decisions_with_their_fair(site: Site) -> None:
    svc = site.app.router.services
    e = site.run(add_enterprise, site.app, "p1", "Gốm Minh Hải", status=EnterpriseStatus.APPROVED)
    fair = site.run(make_fair, site.app)
    app = site.run(svc.booths.apply, fair.id, e.id, e.account_id, 1, "Bát đĩa", "")
    assert app is not None
    _moderator(site)
    table = f"/quan-tri/hoi-cho/{fair.id}"
    site.form(
        table, f"{table}/gian-hang", {"app": str(app.id), "action": "approve", "numbers": "B7"}
    )
    history = site.get(f"/quan-tri/dang-ky/{e.id}").text.split('class="history"', 1)[1]
    assert "đã duyệt một đơn gian hàng · Hội chợ thử nghiệm" in history
    assert "B7" in history and "· Cán bộ moderator</span>" in history  # by name
