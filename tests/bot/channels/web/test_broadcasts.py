"""/quan-tri/thong-bao: an announcement written on the web, its exact audience, sent now or at
a set time through the same outbox as /thong_bao, its progress watched, and its history."""

from __future__ import annotations

import time_machine

from bot.app import App
from bot.core.clock import utcnow
from bot.core.types import Reply, UserRef
from bot.services.broadcasts import Broadcaster
from storage.enterprises import EnterpriseFields
from storage.roles import Role
from tests.bot.channels.web.site import Site
from tests.fair_data import TODAY
from tests.handlers.staff.staff_data import audit_entries


async def _producers(app: App, n: int, sector: str = "ceramics") -> None:
    """`n` producers on Telegram registered in `sector`."""
    svc = app.router.services
    for i in range(n):
        async with svc.db.transaction():
            user, _ = await svc.users.touch(UserRef(channel="telegram", external_id=f"{sector}{i}"))
        fields = EnterpriseFields(
            name=f"Cơ sở {sector} {i}",
            kind="household",
            roles=["producer"],
            sectors=[sector],
            contact_name="Lan",
            phone=f"+849{len(sector)}{i:07d}",
        )
        await svc.enterprises.create(user.account_id, fields, consent_at=utcnow())


async def _deliver(app: App) -> list[str]:
    """Send what is due through a recording Telegram sender; what each got."""
    got: list[str] = []

    async def sender(ref: UserRef, replies: list[Reply]) -> None:
        got.extend(r.text for r in replies)

    app.outlets.senders["telegram"] = sender
    await app.outbox.drain_once()
    await Broadcaster(app.router.services, app.router.services.broadcasts).tick()
    return got


@time_machine.travel(TODAY, tick=False)
def test_an_announcement_is_counted_sent_and_watched_to_the_end(site: Site) -> None:
    site.run(_producers, site.app, 3)
    site.run(_producers, site.app, 2, "lacquer")
    site.login(site.staff(Role.ADMIN))
    text = "Hội chợ gốm sứ mở đăng ký gian hàng từ hôm nay."
    preview = site.form(
        "/quan-tri/thong-bao",
        "/quan-tri/thong-bao/xem-truoc",
        {
            "text": text,
            "audience": "sector:ceramics",
        },
    )
    assert preview.status_code == 200
    assert "Sẽ gửi tới 3 người." in preview.text
    assert "Thông báo của Sở Công Thương Hà Nội" in preview.text  # as people will read it
    sent = site.form(
        "/quan-tri/thong-bao",
        "/quan-tri/thong-bao/gui",
        {
            "text": text,
            "audience": "sector:ceramics",
            "when": "now",
        },
    )
    assert sent.status_code == 303
    page = sent.headers["location"]
    live = site.get(page + "/tien-do").json()
    assert live["status"] == "sending" and live["total"] == 3 and live["sent"] == 0
    got = site.run(_deliver, site.app)
    assert len([t for t in got if text in t]) == 3
    done = site.get(page + "/tien-do").json()
    assert done["status"] == "done" and done["percent"] == 100 and done["reload"]
    assert 'id="finished"' in site.get(page).text
    history = site.get("/quan-tri/thong-bao").text
    assert text[:40] in history and "3 / 3" in history
    assert [e.action for e in site.run(audit_entries, site.app)][-1] == "broadcast.send"


@time_machine.travel(TODAY, tick=False)
def test_an_announcement_can_wait_for_a_set_time(site: Site) -> None:
    site.run(_producers, site.app, 2)
    site.login(site.staff(Role.ADMIN))
    sent = site.form(
        "/quan-tri/thong-bao",
        "/quan-tri/thong-bao/gui",
        {
            "text": "Nhắc lịch họp",
            "audience": "all",
            "when": "later",
            "send_at": "2026-11-25T09:00",
        },
    )
    page = sent.headers["location"]
    assert "Chờ đến 09:00" in site.get(page).text
    assert site.run(_deliver, site.app) == []  # not yet
    b = site.run(site.app.router.services.broadcasts.get, int(page.rsplit("/", 1)[1]))
    assert b is not None and b.send_at is not None
    assert b.send_at.astimezone(TODAY.tzinfo).isoformat() == "2026-11-25T02:00:00+00:00"


@time_machine.travel(TODAY, tick=False)
def test_an_announcement_needs_text_and_a_known_audience(site: Site) -> None:
    site.login(site.staff(Role.ADMIN))
    empty = site.form(
        "/quan-tri/thong-bao",
        "/quan-tri/thong-bao/xem-truoc",
        {
            "text": "",
            "audience": "all",
        },
    )
    assert empty.status_code == 400
    odd = site.form(
        "/quan-tri/thong-bao",
        "/quan-tri/thong-bao/xem-truoc",
        {
            "text": "Xin chào",
            "audience": "sector:spaceships",
        },
    )
    assert odd.status_code == 400
    forged = site.form(
        "/quan-tri/thong-bao",
        "/quan-tri/thong-bao/gui",
        {
            "text": "Xin chào",
            "audience": "fair:no-such-fair",
            "when": "now",
        },
    )
    assert forged.status_code == 303 and forged.headers["location"] == "/quan-tri/thong-bao"
    assert site.run(site.app.router.services.broadcasts.page) == ([], 0)


@time_machine.travel(TODAY, tick=False)
def test_stopping_withdraws_what_has_not_gone(site: Site) -> None:
    site.run(_producers, site.app, 2)
    site.login(site.staff(Role.ADMIN))
    sent = site.form(
        "/quan-tri/thong-bao",
        "/quan-tri/thong-bao/gui",
        {
            "text": "Thông báo thử",
            "audience": "all",
            "when": "now",
        },
    )
    page = sent.headers["location"]
    site.form(page, page + "/dung")
    assert site.run(_deliver, site.app) == []
    assert site.get(page + "/tien-do").json()["status"] == "done"
    assert "Không gửi (đã dừng)" in site.get(page).text


def test_moderators_cannot_send_announcements(site: Site) -> None:
    site.login(site.staff(Role.MODERATOR))
    assert site.get("/quan-tri/thong-bao").status_code == 403
    assert site.post("/quan-tri/thong-bao/gui", {"csrf": "x", "text": "a"}).status_code == 403
