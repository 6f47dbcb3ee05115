"""The staff and public pages in a real browser (Debian's chromium through pytest-playwright):
log in by link, approve three registrations at once, publish a fair and find it on the public
page and in the calendar feed, send an announcement and watch it finish; and every page at a
phone's and a desk's width, with nothing wider than the screen."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import Dialog, Page, expect

from bot.core.clock import utcnow
from bot.core.types import UserRef
from storage.enterprises import EnterpriseFields, EnterpriseStatus
from storage.roles import Role
from storage.users import User
from tests.bot.channels.web.live import LiveSite
from tests.fair_data import load_samples
from tests.handlers.staff.staff_data import add_enterprise, member

PHONE, DESK = 390, 1280


def _staff(live: LiveSite, role: Role, external_id: str = "staff") -> User:
    chat = live.run(member, live.app, role, external_id)
    user = live.run(live.app.router.services.users.find, chat.user)
    assert user is not None
    return user


def _log_in(page: Page, live: LiveSite, user: User) -> None:
    page.goto(live.link(user))
    page.click("#login")
    expect(page).to_have_url(re.compile(r"/quan-tri$"))


def test_staff_log_in_by_link_once(live: LiveSite, page: Page) -> None:
    user = _staff(live, Role.VIEWER)
    link = live.link(user)
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Đăng nhập cán bộ")
    page.click("#login")
    expect(page).to_have_url(live.url + "/quan-tri")
    expect(page.locator("h1")).to_have_text("Tổng quan")
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Đường dẫn này không còn dùng được")
    page.goto(live.url + "/quan-tri/dang-ky")  # not a viewer's page
    expect(page.locator("h1")).to_have_text("Không được phép")


def test_three_registrations_approved_at_once(live: LiveSite, page: Page) -> None:
    made = [
        live.run(add_enterprise, live.app, f"p{i}", f"Cơ sở gốm {i}", phone=f"+8491200000{i}")
        for i in range(4)
    ]
    _log_in(page, live, _staff(live, Role.MODERATOR))
    page.goto(live.url + "/quan-tri/dang-ky?status=pending")
    for e in made[:3]:
        page.check(f'input[name="ids"][value="{e.id}"]')
    expect(page.locator('[data-ticked="ids"]')).to_have_text("3")  # the page's own script
    page.select_option("#action", "approve")
    page.click("#bulk-go")
    expect(page.locator(".flash")).to_contain_text("Đã duyệt 3 hồ sơ")
    svc = live.app.router.services
    statuses = [live.run(svc.enterprises.get, e.id).status for e in made]  # type: ignore[union-attr]
    assert statuses == [EnterpriseStatus.APPROVED] * 3 + [EnterpriseStatus.PENDING]


def test_a_fair_published_is_on_the_public_page_and_in_the_feed(live: LiveSite, page: Page) -> None:
    _log_in(page, live, _staff(live, Role.ADMIN))
    page.goto(live.url + "/quan-tri/hoi-cho")
    page.click("#new-fair")
    opens = (datetime.now() + timedelta(days=40)).replace(hour=8, minute=0)
    page.fill("#title_vi", "Hội chợ gốm Bát Tràng thử")
    page.fill("#starts_at", opens.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#ends_at", (opens + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#apply_by", (opens - timedelta(days=10)).strftime("%Y-%m-%d"))
    page.fill("#booths", "40")
    page.fill("#venue_name", "Chợ gốm Bát Tràng")
    page.fill("#venue_address", "xã Bát Tràng, Hà Nội")
    page.fill("#coordinates", "20.977, 105.915")
    page.check('input[name="sectors"][value="ceramics"]')
    page.click("#save-fair")
    expect(page.locator(".flash")).to_contain_text("Đã công bố")
    page.goto(live.url + "/")
    page.click("text=Hội chợ gốm Bát Tràng thử")
    expect(page.locator("h1")).to_have_text("Hội chợ gốm Bát Tràng thử")
    expect(page.locator(".booths")).to_contain_text("40/40")
    feed = page.request.get(live.url + "/hoi-cho.ics")
    events = Calendar.from_ical(feed.body()).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Hội chợ gốm Bát Tràng thử"]


async def _producers(live: LiveSite, n: int) -> None:
    svc = live.app.router.services
    for i in range(n):
        async with svc.db.transaction():
            user, _ = await svc.users.touch(UserRef(channel="telegram", external_id=f"9{i}"))
        fields = EnterpriseFields(
            name=f"Cơ sở {i}", kind="household", sectors=["ceramics"], contact_name="Lan",
            phone=f"+8498800000{i}",
        )  # fmt: skip
        await svc.enterprises.create(user.account_id, fields, consent_at=utcnow())


def test_an_announcement_is_sent_and_watched_to_the_end(live: LiveSite, page: Page) -> None:
    live.run(_producers, live, 3)
    _log_in(page, live, _staff(live, Role.ADMIN))
    page.goto(live.url + "/quan-tri/thong-bao")
    page.fill("#text", "Hội chợ gốm mở đăng ký gian hàng.")
    page.select_option("#audience", "sector:ceramics")
    page.click("#preview")
    expect(page.locator("#count")).to_have_text("Sẽ gửi tới 3 người.")
    page.click("#send")
    expect(page.locator("#progress")).to_be_visible()
    # the outbox sends, the broadcaster closes it, the page's script notices and reloads
    expect(page.locator("#finished")).to_be_visible(timeout=30_000)
    expect(page.locator("#progress")).to_contain_text("3")
    got = [text for ref, text in live.sent if "Hội chợ gốm mở đăng ký gian hàng." in text]
    assert len(got) == 3


async def _lapse_sessions(live: LiveSite) -> None:
    """Every open session lapses now, as after half an hour away from the desk."""
    db = live.app.router.services.db
    async with db.transaction():
        past = (utcnow() - timedelta(seconds=1)).isoformat()
        await db.execute("UPDATE web_sessions SET expires_at = ?", (past,))


def _shots(page: Page, name: str) -> None:
    """With SCREENSHOTS_DIR set: the page at a phone's and a desk's width, to look at."""
    if not os.environ.get("SCREENSHOTS_DIR"):
        return
    shots = Path(os.environ["SCREENSHOTS_DIR"])
    shots.mkdir(parents=True, exist_ok=True)
    for width in (PHONE, DESK):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)


def test_an_announcement_typed_when_the_session_lapsed_is_not_lost(
    live: LiveSite, page: Page
) -> None:
    live.run(_producers, live, 2)
    user = _staff(live, Role.ADMIN)
    _log_in(page, live, user)
    page.goto(live.url + "/quan-tri/thong-bao")
    text = "Kính gửi các cơ sở gốm: hội chợ mùa xuân mở đăng ký gian hàng từ thứ Hai.\n" * 5
    page.fill("#text", text)
    page.select_option("#audience", "sector:ceramics")
    live.run(_lapse_sessions, live)
    page.click("#preview")
    expect(page.locator("#draft-kept")).to_be_visible()  # the sign-in page says it is kept
    _shots(page, "draft-kept")
    page.goto(live.link(user))  # a new link from the chat
    page.click("#login")
    expect(page).to_have_url(live.url + "/quan-tri/thong-bao")  # back where the text was
    expect(page.locator("#text")).to_have_value(text)
    expect(page.locator("#audience")).to_have_value("sector:ceramics")
    expect(page.locator("[data-draft-notice]")).to_contain_text("chưa được gửi")
    _shots(page, "draft-restored")
    page.click("#preview")
    expect(page.locator("#count")).to_have_text("Sẽ gửi tới 2 người.")
    page.click("#send")
    expect(page.locator("#finished")).to_be_visible(timeout=30_000)
    got = [t for _ref, t in live.sent if "hội chợ mùa xuân mở đăng ký" in t]
    assert len(got) == 2
    page.goto(live.url + "/quan-tri/thong-bao")  # sent: nothing comes back any more
    expect(page.locator("#text")).to_have_value("")
    expect(page.locator("[data-draft-notice]")).to_have_count(0)


def test_a_rejection_reason_and_an_announcement_at_its_last_step_survive_a_lapsed_session(
    live: LiveSite, page: Page
) -> None:
    e = live.run(add_enterprise, live.app, "p1", "Gốm Minh Hải")
    live.run(_producers, live, 2)
    user = _staff(live, Role.ADMIN)
    _log_in(page, live, user)
    record = live.url + f"/quan-tri/dang-ky/{e.id}"
    page.goto(record)
    reason = "Ảnh giấy phép kinh doanh bị mờ, chưa đọc được mã số thuế."
    page.fill("#reason", reason)
    live.run(_lapse_sessions, live)
    page.click("text=Từ chối")
    expect(page.locator("#draft-kept")).to_be_visible()
    page.goto(live.link(user))
    page.click("#login")
    expect(page).to_have_url(record)
    expect(page.locator("#reason")).to_have_value(reason)
    expect(page.locator("#note")).to_have_value("")  # the other form on the page: untouched
    page.click("text=Từ chối")
    expect(page.locator(".flash")).to_be_visible()
    after = live.run(live.app.router.services.enterprises.get, e.id)
    assert after is not None and after.reject_reason == reason
    # an announcement refused on its preview page comes back to the page where it is written
    page.goto(live.url + "/quan-tri/thong-bao")
    page.fill("#text", "Lịch họp các làng nghề quý I.")
    page.select_option("#audience", "sector:ceramics")
    page.click("#preview")
    live.run(_lapse_sessions, live)
    page.click("#send")
    expect(page.locator("#draft-kept")).to_be_visible()
    page.goto(live.link(user))
    page.click("#login")
    expect(page).to_have_url(live.url + "/quan-tri/thong-bao")
    expect(page.locator("#text")).to_have_value("Lịch họp các làng nghề quý I.")
    expect(page.locator("#audience")).to_have_value("sector:ceramics")


def test_a_registration_corrected_after_the_session_lapsed(live: LiveSite, page: Page) -> None:
    e = live.run(add_enterprise, live.app, "p1", "Gốm Minh Hải")
    user = _staff(live, Role.MODERATOR)
    _log_in(page, live, user)
    page.goto(live.url + f"/quan-tri/dang-ky/{e.id}/sua")
    page.fill("#products", "Bình hút lộc men rạn, ấm chén")
    page.check('input[name="roles"][value="distributor"]')
    page.select_option("#ocop", "4")
    page.check('input[name="practices"][value="eco_label"]')
    live.run(_lapse_sessions, live)
    page.click("#save-registration")
    expect(page.locator("#draft-kept")).to_be_visible()
    page.goto(live.link(user))
    page.click("#login")
    expect(page).to_have_url(live.url + f"/quan-tri/dang-ky/{e.id}/sua")
    expect(page.locator("#products")).to_have_value("Bình hút lộc men rạn, ấm chén")
    expect(page.locator("#ocop")).to_have_value("4")
    expect(page.locator('input[name="practices"][value="eco_label"]')).to_be_checked()
    page.click("#save-registration")
    expect(page.locator(".flash")).to_contain_text("4")
    after = live.run(live.app.router.services.enterprises.get, e.id)
    assert (
        after is not None and after.ocop_stars == 4 and after.roles == ["producer", "distributor"]
    )
    assert after.practices == ["eco_label"] and after.products == "Bình hút lộc men rạn, ấm chén"


PAGES = [
    "/",
    "/hoi-cho/gom-su-kim-lan-2026",
    "/du-lieu",
    "/quan-tri",
    "/quan-tri/dang-ky",
    "/quan-tri/dang-ky/1",
    "/quan-tri/dang-ky/1/sua",
    "/quan-tri/hoi-cho",
    "/quan-tri/hoi-cho/1",
    "/quan-tri/hoi-cho/moi",
    "/quan-tri/thong-bao",
    "/quan-tri/bao-cao",
    "/quan-tri/xuat",
    "/quan-tri/cau-hoi",
    "/quan-tri/nhap",
    "/quan-tri/nhat-ky",
    "/quan-tri/vai-tro",
    "/quan-tri?lang=en",  # and in English from here on
    "/?lang=en",
]


@pytest.mark.parametrize("width", [PHONE, DESK])
def test_every_page_fits_a_phone_and_a_desk(
    live: LiveSite, page: Page, width: int, tmp_path: Path
) -> None:
    live.run(load_samples, live.app)
    for i in range(3):
        live.run(add_enterprise, live.app, f"p{i}", f"Hợp tác xã mây tre Phú Vinh {i}",
                 phone=f"+8491200000{i}", tax_code=None)  # fmt: skip
    svc = live.app.router.services  # a meeting booked at the first fair, for its table
    fair = live.run(svc.fairs.get, 1)
    assert fair is not None
    live.run(svc.chain.offer, 1, 1, [fair.starts_at + timedelta(hours=1)])
    slot = live.run(svc.chain.slots, 1)[0]
    live.run(svc.chain.book, slot.id, 2, "Giỏ mây cho cửa hàng lưu niệm ở phố cổ, số lượng lớn")
    live.run(svc.chain.report, 1, 2, "Hẹn lấy hàng rồi không đến, gọi nhiều lần không nghe máy")
    owner = live.run(
        live.app.router.services.users.ensure, UserRef(channel="console", external_id="admin")
    )
    page.set_viewport_size({"width": width, "height": 800})
    blocked: list[str] = []  # what the Content-Security-Policy stopped: nothing may be
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    _log_in(page, live, owner)
    shots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    for path in PAGES:
        response = page.goto(live.url + path)
        assert response is not None and response.status == 200, path
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{path} is {wide} px wide at {width} px"
        current = page.locator('.menu [aria-current="page"]')
        if current.count():  # the menu shows where one is, even scrolled sideways on a phone
            box = current.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, path
        name = re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()) or "home"
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    assert blocked == []


def test_all_registrations_that_match_are_approved_after_confirming_the_count(
    live: LiveSite, page: Page
) -> None:
    made = [
        live.run(add_enterprise, live.app, f"p{i}", f"Cơ sở mộc {i}", phone=f"+849130000{i:02d}")
        for i in range(53)
    ]
    _log_in(page, live, _staff(live, Role.MODERATOR))
    page.goto(live.url + "/quan-tri/dang-ky?status=pending")
    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.check("#scope-all")
    page.select_option("#action", "approve")
    page.click("#bulk-go")
    expect(page.locator(".flash")).to_contain_text("Đã duyệt 53 hồ sơ")
    assert asked == ["Thực hiện việc này với tất cả 53 hồ sơ khớp với bộ lọc?"]
    svc = live.app.router.services
    approved = [live.run(svc.enterprises.get, e.id).status for e in made]  # type: ignore[union-attr]
    assert approved == [EnterpriseStatus.APPROVED] * 53
