"""The staff pages' guards: every /quan-tri route walked as nobody and as each role, against
the chat's permission table; idle and absolute session expiry; sign-in attempts and links
rate-limited; the security headers on every answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from starlette.routing import Route

from bot.app import App
from bot.channels.web import build_app
from bot.core.config import Settings
from bot.services.permissions import Permission, allowed
from bot.services.web_login import LINKS_AT_ONCE, SESSION_IDLE, SESSION_VALID, too_many_links
from storage.roles import Role
from storage.users import User
from tests.bot.channels.web.site import Site, csrf_of, open_site
from tests.fair_data import TODAY, make_fair
from tests.handlers.staff.staff_data import add_enterprise, member

# What each staff route needs, written out here (not read from the code): a new route fails
# the walk until it is listed, and a route guarded by the wrong permission fails it too.
EXPECTED: dict[tuple[str, str], Permission] = {
    ("GET", "/quan-tri"): Permission.STAFF,
    ("GET", "/quan-tri/phien"): Permission.STAFF,
    ("GET", "/quan-tri/thong-ke.png"): Permission.STATS,
    ("GET", "/quan-tri/dang-ky"): Permission.REVIEW,
    ("POST", "/quan-tri/dang-ky"): Permission.REVIEW,
    ("GET", "/quan-tri/dang-ky/{id:int}"): Permission.REVIEW,
    ("GET", "/quan-tri/dang-ky/{id:int}/sua"): Permission.REVIEW,
    ("POST", "/quan-tri/dang-ky/{id:int}/sua"): Permission.REVIEW,
    ("GET", "/quan-tri/hoi-cho"): Permission.BOOTHS,
    ("GET", "/quan-tri/hoi-cho/moi"): Permission.FAIRS,
    ("POST", "/quan-tri/hoi-cho/moi"): Permission.FAIRS,
    ("GET", "/quan-tri/hoi-cho/{id:int}"): Permission.BOOTHS,
    ("GET", "/quan-tri/hoi-cho/{id:int}/sua"): Permission.FAIRS,
    ("POST", "/quan-tri/hoi-cho/{id:int}/sua"): Permission.FAIRS,
    ("POST", "/quan-tri/hoi-cho/{id:int}/trang-thai"): Permission.FAIRS,
    ("POST", "/quan-tri/hoi-cho/{id:int}/gian-hang"): Permission.BOOTHS,
    ("POST", "/quan-tri/hoi-cho/{id:int}/check-in"): Permission.BOOTHS,
    ("GET", "/quan-tri/thong-bao"): Permission.BROADCAST,
    ("POST", "/quan-tri/thong-bao/xem-truoc"): Permission.BROADCAST,
    ("POST", "/quan-tri/thong-bao/gui"): Permission.BROADCAST,
    ("GET", "/quan-tri/thong-bao/{id:int}"): Permission.BROADCAST,
    ("GET", "/quan-tri/thong-bao/{id:int}/tien-do"): Permission.BROADCAST,
    ("POST", "/quan-tri/thong-bao/{id:int}/dung"): Permission.BROADCAST,
    ("GET", "/quan-tri/bao-cao"): Permission.REVIEW,
    ("POST", "/quan-tri/bao-cao"): Permission.REVIEW,
    ("GET", "/quan-tri/xuat"): Permission.EXPORT,
    ("POST", "/quan-tri/xuat"): Permission.EXPORT,
    ("GET", "/quan-tri/cau-hoi"): Permission.FAQ,
    ("POST", "/quan-tri/cau-hoi"): Permission.FAQ,
    ("GET", "/quan-tri/nhat-ky"): Permission.AUDIT,
    ("GET", "/quan-tri/vai-tro"): Permission.ROLES,
    ("POST", "/quan-tri/vai-tro"): Permission.ROLES,
    ("GET", "/quan-tri/nhap"): Permission.IMPORT,
    ("POST", "/quan-tri/nhap/kiem-tra"): Permission.IMPORT,
    ("POST", "/quan-tri/nhap/nhap"): Permission.IMPORT,
    ("POST", "/dang-xuat"): Permission.STAFF,
}


def _staff_routes(site: Site) -> list[tuple[str, str]]:
    app = build_app(site.app.router, b"k")
    found = []
    for route in app.routes:
        if isinstance(route, Route) and (
            route.path.startswith("/quan-tri") or route.path == "/dang-xuat"
        ):
            found.extend((m, route.path) for m in sorted(route.methods or ()) if m != "HEAD")
    return found


def test_every_staff_route_is_listed_with_the_permission_of_the_chats_table(site: Site) -> None:
    assert sorted(_staff_routes(site)) == sorted(EXPECTED)


def _walk(site: Site, who: User | None, role: Role | None) -> list[str]:
    """Every staff route asked as `who`: what went against the table."""
    site.client.cookies.clear()
    token = ""
    if who is not None:
        assert site.login(who).status_code == (303 if role else 403)
        if role is not None:
            token = csrf_of(site.get("/quan-tri").text)
    wrong = []
    for (method, path), permission in EXPECTED.items():
        if path == "/dang-xuat":
            continue  # would end the session the walk goes on with; see test_auth
        url = path.replace("{id:int}", "1")
        if method == "GET":
            response = site.get(url, follow_redirects=False)
        else:
            response = site.post(url, {"csrf": token})
        if who is None or role is None:
            expected = {401}
        elif allowed(role, permission):
            expected = set(range(200, 500)) - {401, 403}
        else:
            expected = {403}
        if response.status_code not in expected:
            wrong.append(f"{method} {path} as {role}: {response.status_code}")
    return wrong


@pytest.mark.parametrize(
    "role", [None, Role.VIEWER, Role.MODERATOR, Role.ADMIN, Role.OWNER], ids=str
)
def test_each_role_reaches_exactly_the_staff_pages_the_chat_allows_it(
    site: Site, role: Role | None
) -> None:
    site.run(_a_fair_and_a_registration, site.app)
    if role is Role.OWNER:
        who: User | None = site.owner()
    else:
        who = site.staff(role) if role is not None else None
    assert _walk(site, who, role) == []


def test_nobody_and_a_producer_reach_no_staff_page(site: Site) -> None:
    assert _walk(site, None, None) == []
    # a producer cannot even open a session with a link made for them
    assert _walk(site, site.staff(None), None) == []


async def _a_fair_and_a_registration(app: App) -> None:
    await make_fair(app)
    await add_enterprise(app, "p1", "Gốm Minh Hải")


def test_a_session_ends_after_half_an_hour_idle_and_after_eight_hours_in_use(
    site: Site,
) -> None:
    user = site.staff(Role.VIEWER)
    with time_machine.travel(TODAY, tick=False) as clock:
        site.login(user)
        clock.shift(SESSION_IDLE - timedelta(minutes=2))
        assert site.get("/quan-tri").status_code == 200  # used: half an hour more
        clock.shift(SESSION_IDLE - timedelta(minutes=2))
        assert site.get("/quan-tri").status_code == 200
        clock.shift(SESSION_IDLE + timedelta(seconds=1))  # left alone
        assert site.get("/quan-tri").status_code == 401
        site.login(user)
        used = timedelta()
        while used < SESSION_VALID - timedelta(minutes=20):  # at the desk all day
            clock.shift(timedelta(minutes=20))
            used += timedelta(minutes=20)
            assert site.get("/quan-tri").status_code == 200
        clock.shift(timedelta(minutes=21))
        assert site.get("/quan-tri").status_code == 401


def test_typing_in_a_form_keeps_the_session_alive(site: Site) -> None:
    user = site.staff(Role.ADMIN)
    with time_machine.travel(TODAY, tick=False) as clock:
        site.login(user)
        for _ in range(12):  # an hour writing an announcement; the page's script pings
            clock.shift(timedelta(minutes=5))
            assert site.get("/quan-tri/phien").status_code == 204
        assert site.get("/quan-tri/thong-bao").status_code == 200
        clock.shift(SESSION_IDLE + timedelta(seconds=1))
        assert site.get("/quan-tri/phien").status_code == 401


def test_many_failed_sign_ins_from_one_address_are_made_to_wait(site: Site) -> None:
    with time_machine.travel(TODAY, tick=False) as clock:
        good = site.link(site.staff(Role.VIEWER))
        for n in range(20):
            assert site.post(f"/dang-nhap/guessed-{n}").status_code == 410
        blocked = site.post(good)
        assert blocked.status_code == 429 and "thử lại sau 10 phút" in blocked.text
        assert site.get(good).status_code == 429
        assert site.get("/quan-tri").status_code == 401  # the good link was not used up
        clock.shift(timedelta(minutes=9))
        assert site.post(good).status_code == 429
        clock.shift(timedelta(minutes=1, seconds=1))  # ten minutes after the first failure
        assert site.post(site.link(site.staff(Role.VIEWER))).status_code == 303


def test_failed_sign_ins_count_across_processes_and_restarts(settings: Settings) -> None:
    # two `ketnoi run` on one database file: twenty failures split between them block both,
    # and a restart forgives nothing
    with time_machine.travel(TODAY, tick=False) as clock:
        with open_site(settings) as first, open_site(settings) as second:
            good = second.link(second.staff(Role.VIEWER))
            for n in range(10):
                assert first.post(f"/dang-nhap/guessed-{n}").status_code == 410
                assert second.post(f"/dang-nhap/tried-{n}").status_code == 410
            assert first.post(good).status_code == 429
            assert second.get(good).status_code == 429
        with open_site(settings) as restarted:
            assert restarted.post(good).status_code == 429
            clock.shift(timedelta(minutes=10, seconds=1))
            fresh = restarted.link(restarted.staff(Role.VIEWER))
            assert restarted.post(fresh).status_code == 303


def test_login_links_asked_of_two_processes_count_together(settings: Settings) -> None:
    with open_site(settings) as first, open_site(settings) as second:
        user = first.staff(Role.MODERATOR)
        for _ in range(LINKS_AT_ONCE - 2):
            first.link(user)
        for _ in range(2):
            second.link(user)
        assert second.run(too_many_links, second.app.router.services.web_sessions, user)


async def test_web_in_the_chat_gives_a_few_links_then_asks_to_wait(app: App) -> None:
    staff = await member(app, Role.MODERATOR)
    for _ in range(LINKS_AT_ONCE):
        await staff.say("/web")
        assert "/dang-nhap/" in staff.text
    await staff.say("/web")
    assert "/dang-nhap/" not in staff.text and "vài phút" in staff.text


def test_every_answer_carries_the_security_headers(site: Site) -> None:
    site.login(site.staff(Role.ADMIN))
    for path in ("/", "/hoi-cho.ics", "/du-lieu/hoi-cho.json", "/quan-tri", "/khong-co"):
        headers = site.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src-attr")[0]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
    assert site.get("/quan-tri").headers["cache-control"] == "no-store"
    assert "no-store" not in site.get("/").headers.get("cache-control", "")
