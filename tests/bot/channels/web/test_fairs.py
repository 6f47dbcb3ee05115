"""/quan-tri/hoi-cho: admins create, edit, move, copy, cancel and reinstate fairs; moderators
work the booth table. Applicants hear of it as they do when staff act in the chat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from icalendar import Calendar

from bot.app import App
from storage.booths import BoothStatus
from storage.enterprises import EnterpriseStatus
from storage.roles import Role
from tests.bot.channels.web.site import Site
from tests.fair_data import TODAY, make_fair
from tests.handlers.staff.staff_data import add_enterprise, audit_entries

NEW: dict[str, Any] = {
    "title_vi": "Hội chợ gốm Bát Tràng 2027",
    "title_en": "Bat Trang ceramics fair 2027",
    "starts_at": "2027-03-05T08:00",
    "ends_at": "2027-03-08T21:00",
    "apply_by": "2027-02-20",
    "booths": "40",
    "max_booths": "2",
    "venue_name": "Chợ gốm Bát Tràng",
    "venue_address": "xã Bát Tràng, Hà Nội",
    "coordinates": "https://www.google.com/maps/@20.9770,105.9150,17z",
    "sectors": ["ceramics", "lacquer"],
    "description_vi": "Gốm sứ gia dụng và mỹ nghệ.",
    "description_en": "",
}


async def _notices(app: App) -> list[str]:
    rows = await app.router.services.db.fetchall("SELECT dedupe_key FROM outbox ORDER BY id")
    found = [await app.router.services.outbox.get(r[0]) for r in rows]
    return [r.replies[0].text for r in found if r is not None]


def _applicant(site: Site, fair_id: int, n: int = 1, booths: int = 1) -> list[int]:
    """`n` approved establishments that applied for the fair; their application ids."""
    svc = site.app.router.services
    ids = []
    for i in range(n):
        e = site.run(
            add_enterprise,
            site.app,
            f"a{fair_id}-{i}",
            f"Cơ sở {i}",
            phone=f"+8490{fair_id}{i:06d}",
            status=EnterpriseStatus.APPROVED,
        )
        app = site.run(svc.booths.apply, fair_id, e.id, e.account_id, booths, "Bát đĩa", "")
        assert app is not None
        ids.append(app.id)
    return ids


@time_machine.travel(TODAY, tick=False)
def test_an_admin_publishes_a_fair_seen_on_the_public_page_and_in_the_feed(site: Site) -> None:
    site.login(site.staff(Role.ADMIN))
    made = site.form("/quan-tri/hoi-cho/moi", "/quan-tri/hoi-cho/moi", NEW)
    assert made.status_code == 303
    fair = site.run(site.app.router.services.fairs.by_key, "hoi-cho-gom-bat-trang-2027")
    assert fair is not None and fair.booths == 40 and fair.venue_latitude == 20.977
    assert made.headers["location"].startswith(f"/quan-tri/hoi-cho/{fair.id}")
    assert "Hội chợ gốm Bát Tràng 2027" in site.get("/").text
    page = site.get(f"/hoi-cho/{fair.key}").text
    assert "Thứ Sáu, 5 tháng 3, 2027" in page and "còn trống 40/40" in page
    events = Calendar.from_ical(site.get("/hoi-cho.ics").content).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Hội chợ gốm Bát Tràng 2027"]
    assert [e.action for e in site.run(audit_entries, site.app)][-1] == "fair.create"


@time_machine.travel(TODAY, tick=False)
def test_a_wrong_form_says_what_is_wrong_and_saves_nothing(site: Site) -> None:
    site.login(site.staff(Role.ADMIN))
    wrong = {**NEW, "ends_at": "2027-03-01T08:00", "coordinates": "somewhere", "sectors": []}
    page = site.form("/quan-tri/hoi-cho/moi", "/quan-tri/hoi-cho/moi", wrong)
    assert page.status_code == 400
    assert "Giờ bế mạc phải sau giờ khai mạc." in page.text
    assert 'value="Hội chợ gốm Bát Tràng 2027"' in page.text  # what was typed stays
    assert site.run(site.app.router.services.fairs.count) == 0


@time_machine.travel(TODAY, tick=False)
def test_moving_a_fair_tells_its_applicants_and_is_logged_as_a_move(site: Site) -> None:
    fair = site.run(make_fair, site.app)
    _applicant(site, fair.id)
    site.login(site.staff(Role.ADMIN))
    edit = site.get(f"/quan-tri/hoi-cho/{fair.id}/sua").text
    assert 'value="2026-12-07T08:00"' in edit
    values = {**NEW, "title_vi": fair.title_vi, "title_en": fair.title_en, "booths": "3"}
    values |= {"venue_name": fair.venue_name, "venue_address": fair.venue_address}
    values |= {"coordinates": f"{fair.venue_latitude}, {fair.venue_longitude}"}
    values |= {"sectors": fair.sectors, "description_vi": fair.description_vi}
    values |= {"description_en": fair.description_en, "apply_by": "2026-12-01"}
    values |= {"starts_at": "2026-12-14T08:00", "ends_at": "2026-12-17T20:00"}
    moved = site.form(
        f"/quan-tri/hoi-cho/{fair.id}/sua", f"/quan-tri/hoi-cho/{fair.id}/sua", values
    )
    assert moved.status_code == 303 and moved.headers["location"].endswith("xong=saved%3A1")
    assert any("đã đổi thời gian" in t for t in site.run(_notices, site.app))
    assert [e.action for e in site.run(audit_entries, site.app)][-1] == "fair.dates"


@time_machine.travel(TODAY, tick=False)
def test_cancelling_and_reinstating_tell_the_applicants(site: Site) -> None:
    fair = site.run(make_fair, site.app)
    _applicant(site, fair.id)
    site.login(site.staff(Role.ADMIN))
    page = f"/quan-tri/hoi-cho/{fair.id}"
    cancelled = site.form(page, f"{page}/trang-thai", {"status": "cancelled"})
    assert cancelled.headers["location"].endswith("xong=cancelled%3A1")
    assert "đã hủy" in site.get(page).text
    site.form(page, f"{page}/trang-thai", {"status": "scheduled"})
    fair_now = site.run(site.app.router.services.fairs.get, fair.id)
    assert fair_now is not None and not fair_now.cancelled
    actions = [e.action for e in site.run(audit_entries, site.app)]
    assert actions[-2:] == ["fair.cancel", "fair.reinstate"]
    assert len(site.run(_notices, site.app)) == 2


@time_machine.travel(TODAY, tick=False)
def test_last_years_fair_is_copied_a_year_on(site: Site) -> None:
    fair = site.run(make_fair, site.app, title_vi="Hội chợ gốm 2026")
    site.login(site.staff(Role.ADMIN))
    form = site.get(f"/quan-tri/hoi-cho/moi?tu={fair.id}").text
    assert 'value="Hội chợ gốm 2027"' in form
    assert 'value="2027-12-07T08:00"' in form and 'value="2027-12-01"' in form
    assert "Bảo tàng Gốm sứ Kim Lan" in form


@time_machine.travel(TODAY, tick=False)
def test_the_booth_table_approves_with_numbers_and_rejects_with_a_reason(site: Site) -> None:
    fair = site.run(make_fair, site.app)
    first, second, third = _applicant(site, fair.id, 3)  # 3 booths: the fourth would wait
    site.login(site.staff(Role.MODERATOR))
    page = f"/quan-tri/hoi-cho/{fair.id}"
    table = site.get(page).text
    assert "Cơ sở 0" in table and 'value="1"' in table  # the lowest free number suggested
    site.form(page, f"{page}/gian-hang", {"app": str(first), "action": "approve", "numbers": "A1"})
    taken = site.form(
        page, f"{page}/gian-hang", {"app": str(second), "action": "approve", "numbers": "a1"}
    )
    assert "loi=taken" in taken.headers["location"]
    site.form(
        page,
        f"{page}/gian-hang",
        {"app": str(third), "action": "reject", "reason": "Trùng sản phẩm"},
    )
    svc = site.app.router.services
    statuses = [site.run(svc.booths.get, i).status for i in (first, second, third)]  # type: ignore[union-attr]
    assert statuses == [BoothStatus.APPROVED, BoothStatus.ALLOCATED, BoothStatus.REJECTED]
    texts = site.run(_notices, site.app)
    assert any("A1" in t for t in texts) and any("Trùng sản phẩm" in t for t in texts)
    assert site.get("/quan-tri/hoi-cho/moi").status_code == 403  # fairs are the admins'


def test_viewers_see_no_fair_tools(site: Site) -> None:
    site.login(site.staff(Role.VIEWER))
    assert site.get("/quan-tri/hoi-cho").status_code == 403
    assert site.post("/quan-tri/hoi-cho/moi", {"csrf": "x"}).status_code == 403


@time_machine.travel(TODAY, tick=False)
def test_the_fair_list_shows_upcoming_and_past_fairs_with_their_booths(site: Site) -> None:
    fair = site.run(make_fair, site.app)
    _applicant(site, fair.id, 2)
    site.login(site.staff(Role.MODERATOR))
    page = site.get("/quan-tri/hoi-cho")
    assert page.status_code == 200
    assert "Hội chợ thử nghiệm" in page.text and "2 / 3" in page.text
    assert 'id="new-fair"' not in page.text  # creating is the admins'


def test_booths_are_checked_in_from_the_booth_table_while_the_gate_is_open(site: Site) -> None:
    svc = site.app.router.services
    with time_machine.travel(TODAY, tick=False) as clock:
        fair = site.run(make_fair, site.app)
        first, second = _applicant(site, fair.id, 2)
        site.login(site.staff(Role.MODERATOR))
        page = f"/quan-tri/hoi-cho/{fair.id}"
        site.form(
            page, f"{page}/gian-hang", {"app": str(first), "action": "approve", "numbers": "5"}
        )
        assert "/check-in" not in site.get(page).text  # two weeks early: nothing to check in
        early = site.form(page, f"{page}/check-in", {"app": str(first)})
        assert "loi=gate" in early.headers["location"]
        clock.move_to(fair.starts_at + timedelta(hours=2))
        site.login(site.staff(Role.MODERATOR))
        table = site.get(page).text
        assert table.count(f'action="{page}/check-in"') == 1  # the approved booth only
        done = site.form(page, f"{page}/check-in", {"app": str(first)})
        assert "xong=checkedin" in done.headers["location"]
        assert "Đã điểm danh." in site.get(done.headers["location"]).text
        again = site.form(page, f"{page}/check-in", {"app": str(first)})
        assert "xong=already" in again.headers["location"]
        waiting = site.form(page, f"{page}/check-in", {"app": str(second)})  # not approved
        assert "loi=gone" in waiting.headers["location"]
    booth = site.run(svc.booths.get, first)
    assert booth is not None and booth.checked_in_at is not None
    assert site.run(svc.booths.get, second).checked_in_at is None  # type: ignore[union-attr]
    logged = [e for e in site.run(audit_entries, site.app) if e.action == "booth.check_in"]
    assert [e.target for e in logged] == [f"booth:{first}"]


def test_a_past_fair_offers_no_edit_and_refuses_one(site: Site) -> None:
    with time_machine.travel(TODAY, tick=False) as clock:
        fair = site.run(make_fair, site.app)
        _applicant(site, fair.id, 1)  # still waiting for a decision when the fair ended
        clock.move_to(fair.ends_at + timedelta(days=3))
        site.login(site.staff(Role.ADMIN))
        page = site.get(f"/quan-tri/hoi-cho/{fair.id}").text
        assert 'id="edit-fair"' not in page and 'id="clone-fair"' in page
        assert "/gian-hang" not in page  # no booth decisions after the fair either
        form = site.get(f"/quan-tri/hoi-cho/{fair.id}/sua", follow_redirects=False)
        assert form.status_code == 303 and "loi=over" in form.headers["location"]
        said = site.get(form.headers["location"]).text
        assert "đã kết thúc" in said
        post = site.form(f"/quan-tri/hoi-cho/{fair.id}", f"/quan-tri/hoi-cho/{fair.id}/sua", NEW)
        assert "loi=over" in post.headers["location"]
    assert site.run(site.app.router.services.fairs.get, fair.id).title_vi == fair.title_vi  # type: ignore[union-attr]
