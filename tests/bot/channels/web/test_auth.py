"""Logging in to the staff pages: one-time links from /web and `ketnoi web login`, sessions in
a signed HttpOnly cookie, CSRF tokens, roles read on every request, refusals in the log."""

from __future__ import annotations

import argparse
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine

from bot.app import App
from bot.cli.web import cmd_login
from bot.services.web_login import LINK_VALID, SESSION_VALID
from storage.roles import Role
from tests.bot.channels.web.site import Site, csrf_of
from tests.fair_data import TODAY
from tests.handlers.staff.staff_data import audit_entries, member


def test_a_link_logs_in_once_with_a_signed_httponly_samesite_cookie(site: Site) -> None:
    user = site.staff(Role.MODERATOR)
    link = site.link(user)
    form = site.get(link)
    assert form.status_code == 200 and 'method="post"' in form.text  # a preview uses nothing
    done = site.post(link)
    assert done.status_code == 303 and done.headers["location"] == "/quan-tri"
    cookie = done.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=28800" in cookie
    assert site.get("/quan-tri").status_code == 200
    again = site.post(link)
    assert again.status_code == 410 and "đã được dùng" in again.text
    assert site.get(link).status_code == 410
    actions = [e.action for e in site.run(audit_entries, site.app)]
    assert "web.login" in actions


def test_a_link_lapses_after_ten_minutes(site: Site) -> None:
    user = site.staff(Role.ADMIN)
    with time_machine.travel(TODAY, tick=False) as clock:
        link = site.link(user)
        clock.shift(LINK_VALID + timedelta(seconds=1))
        late = site.post(link)
    assert late.status_code == 410 and "mười phút" in late.text
    assert site.get("/quan-tri").status_code == 401


def test_unknown_links_and_forged_cookies_open_nothing(site: Site) -> None:
    assert site.post("/dang-nhap/not-a-token").status_code == 410
    site.client.cookies.set("ketnoi_staff", "abc.def")
    assert site.get("/quan-tri").status_code == 401
    site.client.cookies.clear()
    site.login(site.staff(Role.VIEWER))
    token = site.client.cookies.get("ketnoi_staff")
    assert token is not None
    site.client.cookies.set("ketnoi_staff", token[:-2] + "xx")  # the signature no longer holds
    assert site.get("/quan-tri").status_code == 401


def test_the_session_ends_after_eight_hours(site: Site) -> None:
    user = site.staff(Role.VIEWER)
    with time_machine.travel(TODAY, tick=False) as clock:
        site.login(user)
        assert site.get("/quan-tri").status_code == 200
        clock.shift(SESSION_VALID + timedelta(seconds=1))
        assert site.get("/quan-tri").status_code == 401


def test_logging_out_needs_the_forms_csrf_token_and_ends_the_session(site: Site) -> None:
    site.login(site.staff(Role.VIEWER))
    forged = site.post("/dang-xuat", {"csrf": "guessed"})
    assert forged.status_code == 403
    assert site.get("/quan-tri").status_code == 200
    out = site.form("/quan-tri", "/dang-xuat")
    assert out.status_code == 303
    assert site.get("/quan-tri").status_code == 401


def test_someone_no_longer_staff_cannot_use_their_link_or_session(site: Site) -> None:
    user = site.staff(Role.MODERATOR)
    link = site.link(user)
    site.run(site.app.router.services.roles.revoke, user.account_id)
    assert site.post(link).status_code == 403
    user2 = site.staff(Role.MODERATOR, "second")
    site.login(user2)
    assert site.get("/quan-tri").status_code == 200
    site.run(site.app.router.services.roles.revoke, user2.account_id)
    assert site.get("/quan-tri").status_code == 403  # the role is read on every request
    refused = [e for e in site.run(audit_entries, site.app) if e.action == "refused"]
    assert [e.target for e in refused] == ["/dang-nhap", "/quan-tri"]


async def test_web_in_the_chat_gives_staff_a_link_and_refuses_others(app: App) -> None:
    staff = await member(app, Role.VIEWER)
    await staff.say("/web")
    assert "/dang-nhap/" in staff.text and "10" in staff.text
    producer = await member(app, None)
    await producer.say("/web")
    assert "/dang-nhap/" not in producer.text
    entries, _ = await app.router.services.audit.repo.page(0, 10)
    assert {e.action for e in entries} == {"web.link", "refused"}


async def test_web_login_on_the_server_for_staff_only(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    await member(app, Role.ADMIN, "77")
    args = argparse.Namespace(user="console:77")
    assert await cmd_login(args, app.router) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("http://127.0.0.1:8080/dang-nhap/")
    state = await app.router.services.web_sessions.link_state(link.rsplit("/", 1)[1])
    assert state.value == "valid"
    assert await cmd_login(argparse.Namespace(user="console:admin"), app.router) == 0  # owner
    await member(app, None, "88")
    assert await cmd_login(argparse.Namespace(user="console:88"), app.router) == 1
    assert await cmd_login(argparse.Namespace(user="nobody"), app.router) == 2


def test_signing_in_again_leads_back_to_the_staff_page_that_asked(site: Site) -> None:
    user = site.staff(Role.MODERATOR)
    page = "/quan-tri/dang-ky?status=pending&q=gom"
    asked = site.get(page, headers={"accept": "text/html,*/*"})
    assert asked.status_code == 401 and "Vui lòng đăng nhập" in asked.text
    assert site.post(site.link(user)).headers["location"] == page
    assert site.post(site.link(user)).headers["location"] == "/quan-tri"  # once
    site.post("/dang-xuat", {"csrf": csrf_of(site.get("/quan-tri").text)})
    site.get("/quan-tri/phien")  # the pages' script asking, not a page opened: not kept
    assert site.post(site.link(user)).headers["location"] == "/quan-tri"
    # the script keeps the page of a form refused in the same cookie: a staff page, or nothing
    for forged in ("https://evil.example/", "//evil.example/quan-tri", "/quan-trix", "/dang-xuat"):
        site.client.cookies.set("ketnoi_back", quote(forged, safe=""))
        assert site.post(site.link(user)).headers["location"] == "/quan-tri", forged
    site.client.cookies.set("ketnoi_back", quote("/quan-tri/thong-bao", safe=""))
    assert site.post(site.link(user)).headers["location"] == "/quan-tri/thong-bao"
