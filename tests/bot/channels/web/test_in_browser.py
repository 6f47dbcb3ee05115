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
