"""The public pages: the calendar as /hoi_cho shows it, one fair, the feed, the open data, and
never a word of anyone's personal data."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import time_machine
from icalendar import Calendar

from bot.app import App
from storage.enterprises import EnterpriseStatus
from storage.roles import Role
from tests.bot.channels.web.site import Site
from tests.chat import Chat
from tests.conftest import make_settings
from tests.fair_data import TODAY, load_samples, make_fair
from tests.handlers.staff.staff_data import add_enterprise


@time_machine.travel(TODAY, tick=False)
def test_the_home_page_lists_the_upcoming_fairs_soonest_first_as_the_chat_does(
    site: Site,
) -> None:
    site.run(load_samples, site.app)
    upcoming, total = site.run(site.app.router.services.fairs.upcoming, 0, 20)
    page = site.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    positions = [page.text.index(f'href="/hoi-cho/{f.key}"') for f in upcoming]
    assert positions == sorted(positions) and total == len(upcoming) > 1
    assert "Hội chợ sắp tới" in page.text  # Vietnamese by default
    assert 'lang="vi"' in page.text


@time_machine.travel(TODAY, tick=False)
def test_english_is_one_click_away_and_remembered(site: Site) -> None:
    site.run(make_fair, site.app)
    english = site.get("/?lang=en")
    assert "Upcoming fairs" in english.text and "Test fair" in english.text
    again = site.get("/hoi-cho/test-fair")  # the cookie keeps the choice
    assert "How to apply for a booth" in again.text
    assert "Hội chợ" not in again.text.split("<main", 1)[1].split("</main>", 1)[0]


@time_machine.travel(TODAY, tick=False)
def test_a_fair_page_has_dates_venue_map_booths_and_links_to_the_bot(site: Site) -> None:
    site.run(make_fair, site.app)
    page = site.get("/hoi-cho/test-fair")
    assert page.status_code == 200
    text = page.text
    assert "Hội chợ thử nghiệm" in text
    assert "Thứ Hai, 7 tháng 12, 2026" in text  # Babel, Hanoi time
    assert "08:00" in text
    assert "Bảo tàng Gốm sứ Kim Lan" in text
    assert "https://www.google.com/maps/search/?api=1&amp;query=20.9665,105.9205" in text
    assert "Gian hàng: còn trống 3 / 3" in text or "3" in text
    assert "https://t.me/ketnoi_hanoi_bot?start=fair_test-fair" in text
    assert "/hoi_cho" in text  # how to find it on Zalo
    assert site.get("/hoi-cho/no-such-fair").status_code == 404


@time_machine.travel(TODAY, tick=False)
def test_the_calendar_feed_holds_every_fair_of_the_year_with_its_page(site: Site) -> None:
    site.run(make_fair, site.app)
    site.run(make_fair, site.app, "other-fair")
    feed = site.get("/hoi-cho.ics")
    assert feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert sorted(str(e["UID"]) for e in events) == ["other-fair@ketnoi", "test-fair@ketnoi"]
    assert str(events[0]["URL"]).endswith("/hoi-cho/" + str(events[0]["UID"]).split("@")[0])


@time_machine.travel(TODAY, tick=False)
def test_open_data_has_fairs_only(site: Site) -> None:
    site.run(make_fair, site.app)
    data = site.get("/du-lieu/hoi-cho.json").json()
    assert [f["key"] for f in data["fairs"]] == ["test-fair"]
    assert data["fairs"][0]["booths_free"] == 3
    assert data["fairs"][0]["starts_at"] == "2026-12-07T08:00:00+07:00"
    rows = list(csv.DictReader(io.StringIO(site.get("/du-lieu/hoi-cho.csv").text.lstrip("\ufeff"))))
    assert rows[0]["key"] == "test-fair" and rows[0]["sectors"] == "ceramics"


@time_machine.travel(TODAY, tick=False)
def test_no_public_address_shows_a_phone_a_tax_code_or_a_name_of_a_producer(site: Site) -> None:
    site.run(load_samples, site.app)
    fair = site.run(make_fair, site.app)
    e = site.run(
        add_enterprise,
        site.app,
        "p1",
        "Cơ sở gốm Bí Mật",
        phone="+84987654321",
        tax_code="0109876543",
        status=EnterpriseStatus.APPROVED,
    )
    svc = site.app.router.services
    site.run(svc.booths.apply, fair.id, e.id, e.account_id, 1, "Bát", "")
    pages = ["/", "/?lang=en", "/hoi-cho/test-fair", "/hoi-cho.ics", "/du-lieu"]
    pages += ["/du-lieu/hoi-cho.json", "/du-lieu/hoi-cho.csv", "/?trang=2"]
    for path in pages:
        body = site.get(path).text
        for secret in ("987654321", "0109876543", "Bí Mật", "Nguyễn Thị Lan", e.reference):
            assert secret not in body, (path, secret)
    assert json.loads(site.get("/du-lieu/hoi-cho.json").text)["fairs"]


@time_machine.travel(TODAY, tick=False)
async def test_fair_links_shared_on_zalo_open_the_fairs_web_page(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, web_url="https://ketnoi.example.vn/")
    application = App(settings)
    await application.open()
    try:
        await make_fair(application)
        zalo = Chat(application.router, "z1", channel="zalo")
        await zalo.say("/start fair_test-fair")
        assert "https://ketnoi.example.vn/hoi-cho/test-fair" in zalo.text
        oa = Chat(application.router, "o1", channel="zalo_oa")
        await oa.say("/start fair_test-fair")
        assert "https://ketnoi.example.vn/hoi-cho/test-fair" in oa.text
        telegram = Chat(application.router, "t1", channel="telegram")
        await telegram.say("/start fair_test-fair")
        assert "https://t.me/ketnoi_hanoi_bot?start=fair_test-fair" in telegram.text
    finally:
        await application.close()


@time_machine.travel(TODAY, tick=False)
async def test_without_a_public_address_zalo_keeps_the_telegram_link(app: App) -> None:
    await make_fair(app)
    zalo = Chat(app.router, "z1", channel="zalo")
    await zalo.say("/start fair_test-fair")
    assert "https://t.me/ketnoi_hanoi_bot?start=fair_test-fair" in zalo.text


@time_machine.travel(TODAY, tick=False)
def test_a_cancelled_fair_is_marked_and_offers_no_way_to_apply(site: Site) -> None:
    fair = site.run(make_fair, site.app)
    site.login(site.staff(Role.ADMIN))
    page = f"/quan-tri/hoi-cho/{fair.id}"
    site.form(page, f"{page}/trang-thai", {"status": "cancelled"})
    home = site.get("/").text
    card = home.split(fair.title_vi, 1)[1].split("</li>", 1)[0]
    assert "Đã hủy" in card and "Xem chi tiết" in card and "cách đăng ký" not in card
