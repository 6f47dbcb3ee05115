"""Members find each other by typing, ask to connect, and answer by typing (issue 20)."""

from __future__ import annotations

from bot.app import App
from bot.core.types import Incoming, Kind
from storage.enterprises import EnterpriseStatus
from tests.chat import Chat
from tests.handlers.partners.members import VAN_PHUC, member, person


async def test_a_shop_finds_only_approved_findable_producers(app: App) -> None:
    minh = await person(app, "minh")
    await member(app, minh, "Gốm Minh Hải", products="Bát đĩa men lam")
    hidden = await person(app, "hidden")
    await member(app, hidden, "Gốm Kín Đáo", findable=False)
    waiting = await person(app, "waiting")
    await member(app, waiting, "Gốm Chờ Duyệt", status=EnterpriseStatus.PENDING)
    silk = await person(app, "silk")
    await member(app, silk, "Lụa Vạn Phúc Hà", sectors=("textile_silk",), ward=VAN_PHUC)
    shop = await person(app, "shop")
    await member(app, shop, "Cửa hàng Quà Việt", roles=("distributor",), findable=False)

    await shop.say("ai ban gom su bat trang")
    assert "Gốm Minh Hải" in shop.text
    assert "Sản phẩm: Bát đĩa men lam" in shop.text
    assert "Kín Đáo" not in shop.text and "Chờ Duyệt" not in shop.text
    assert "0912" not in shop.text  # never the phone before a link
    assert "gõ số" in shop.text and "bấm" not in shop.text  # the console numbers its options
    await shop.say("co so lua van phuc")
    assert "Lụa Vạn Phúc Hà" in shop.text and "Gốm" not in shop.text.split("\n", 1)[1]


async def test_the_empty_result_says_what_was_understood_and_widens(app: App) -> None:
    minh = await person(app, "minh")
    await member(app, minh, "Gốm Minh Hải")
    shop = await person(app, "shop", "en")
    await member(app, shop, "Quà Việt", roles=("distributor",))
    await shop.say("/find ceramics producer in Van Phuc")
    assert "I found no member for: Producer · Ceramics · in Vạn Phúc" in shop.text
    await shop.press("Search the whole city")
    assert "1 member found for: Producer · Ceramics" in shop.text
    assert "Gốm Minh Hải" in shop.text


async def test_a_request_accepted_by_typing_gives_both_the_contacts(app: App) -> None:
    minh = await person(app, "minh")
    await member(app, minh, "Gốm Minh Hải", phone="+84912345678")
    shop = await person(app, "shop")
    await member(app, shop, "Cửa hàng Quà Việt", roles=("distributor",), phone="+84987654321")
    await shop.say("tim nha san xuat gom")
    await shop.press("Kết nối với số 1")
    assert "vì sao bạn muốn kết nối" in shop.text
    await shop.say("Chúng tôi cần bát men lam cho cửa hàng ở Hà Đông")
    assert "Yêu cầu của bạn đã được gửi" in shop.text
    assert "còn gửi được 4 yêu cầu" in shop.text

    svc = app.router.services
    notice = await _last_message(app, "minh")
    assert "Cửa hàng Quà Việt" in notice and "bát men lam" in notice
    assert "0987" not in notice
    await minh.say("dong y")
    assert "0987 654 321" in minh.text
    to_shop = await _last_message(app, "shop")
    assert "Gốm Minh Hải" in to_shop and "0912 345 678" in to_shop
    rows = await svc.chain.link_rows()
    assert [(r.chain_pair, r.sector, r.status) for r in rows] == [
        ("producer>distributor", "ceramics", "accepted")
    ]


async def _last_message(app: App, external_id: str) -> str:
    """The text of the newest outbox message to a console user."""
    svc = app.router.services
    row = await svc.db.fetchone(
        "SELECT o.dedupe_key FROM outbox o JOIN users u ON u.id = o.user_id"
        " WHERE u.external_id = ? ORDER BY o.id DESC LIMIT 1",
        (external_id,),
    )
    assert row is not None
    sent = await svc.outbox.get(row["dedupe_key"])
    assert sent is not None
    return "\n".join(r.text for r in sent.replies)


async def test_the_daily_limit_is_said_and_kept(app: App) -> None:
    shop = await person(app, "shop", "en")
    await member(app, shop, "Quà Việt", roles=("distributor",), phone="+84987654321")
    for i in range(6):
        maker = await person(app, f"maker{i}")
        await member(app, maker, f"Gốm Số {i}", phone=f"+8491200000{i}")
    for i in range(5):
        await shop.say("/find ceramics producer")
        await shop.press(f"Connect with no. {i + 1}")
        await shop.say("We buy bowls for our shop")
    assert "You can send 0 more requests today (at most 5 a day)" in shop.text
    await shop.say("/find ceramics producer")
    await shop.press("More ▶")
    await shop.press("Connect with no. 6")
    assert "You have sent 5 requests to connect today" in shop.text


async def test_a_blocked_member_is_no_longer_found_and_cannot_ask(app: App) -> None:
    minh = await person(app, "minh", "en")
    await member(app, minh, "Gốm Minh Hải")
    shop = await person(app, "shop", "en")
    await member(app, shop, "Quà Việt", roles=("distributor",), phone="+84987654321")
    await shop.say("/find ceramics")
    await shop.press("Connect with no. 1")
    await shop.say("Please call me back")
    request = await app.router.services.chain.latest_open_to(1)
    assert request is not None
    await _press(minh, f"conn:{request.id}:block")
    assert "Blocked" in minh.text
    await shop.say("/find ceramics")
    assert "I found no member" in shop.text


async def test_a_report_reaches_staff_with_the_reported_member(app: App) -> None:
    minh = await person(app, "minh", "en")
    await member(app, minh, "Gốm Minh Hải")
    shop = await person(app, "shop", "en")
    await member(app, shop, "Quà Việt", roles=("distributor",), phone="+84987654321")
    await shop.say("/find ceramics")
    await shop.press("Connect with no. 1")
    await shop.say("Buy cheap fake ceramics here www.spam.example")
    request = await app.router.services.chain.latest_open_to(1)
    assert request is not None
    await _press(minh, f"conn:{request.id}:report")
    assert "What happened?" in minh.text
    await minh.say("Advertising, not a real request")
    assert "staff will look into it" in minh.text
    boss = Chat(app.router, external_id="admin")  # the owner of the test settings
    await boss.say("/language")
    await boss.press("lang:en")
    await boss.say("/member_reports")
    assert "Quà Việt (HN-" in boss.text and "0987 654 321" in boss.text
    assert "reported 1 times in all; this time by Gốm Minh Hải" in boss.text
    assert "Advertising, not a real request" in boss.text
    await boss.press("No. 1 dealt with")
    assert "Marked as dealt with." in boss.text
    stranger = await person(app, "stranger", "en")
    await stranger.say("/member_reports")
    assert "Quà Việt" not in stranger.text


async def test_withdrawing_the_choice_or_consent_removes_a_member_at_once(app: App) -> None:
    minh = await person(app, "minh", "en")
    await member(app, minh, "Gốm Minh Hải")
    lan = await person(app, "lan", "en")
    await member(app, lan, "Gốm Lan Anh", phone="+84912000009")
    shop = await person(app, "shop", "en")
    await member(app, shop, "Quà Việt", roles=("distributor",), phone="+84987654321")
    await shop.say("/find ceramics")
    assert "Gốm Minh Hải" in shop.text and "Gốm Lan Anh" in shop.text
    await minh.say("/profile")
    await minh.press("What other members see")
    await minh.press("Stop: members may not find me")
    assert "nobody finds you" in minh.text
    await shop.say("/find ceramics")
    assert "Gốm Minh Hải" not in shop.text and "Gốm Lan Anh" in shop.text
    await lan.say("/my_data")
    await lan.press("mydata:erase")
    await lan.press("mydata:erase_yes")
    await shop.say("/find ceramics")
    assert "I found no member" in shop.text


async def _press(chat: Chat, payload: str) -> None:
    """A button of a message the bot sent outside the chat's own turns (a notice)."""
    await chat.send(Incoming(user=chat.user, kind=Kind.BUTTON, payload=payload))


async def test_the_copy_of_one_s_data_holds_one_s_links(app: App) -> None:
    minh = await person(app, "minh", "en")
    await member(app, minh, "Gốm Minh Hải")
    shop = await person(app, "shop", "en")
    await member(app, shop, "Quà Việt", roles=("distributor",), phone="+84987654321")
    await shop.say("/find ceramics")
    await shop.press("Connect with no. 1")
    await shop.say("We buy glazed bowls")
    await shop.say("/my_data")
    assert "1 requests to connect, 0 members blocked, 0 reports made, 0 meeting slots" in shop.text
    await shop.press("mydata:copy")
    documents = [r.document for r in shop.replies if r.document is not None]
    text = next(d for d in documents if d.filename.endswith(".txt")).content.decode("utf-8")
    raw = next(d for d in documents if d.filename.endswith(".json")).content.decode("utf-8")
    assert '"reason"' not in raw and '"text": "We buy glazed bowls"' in raw
    assert (
        "request to connect (sent, waiting for an answer) · Gốm Minh Hải · We buy glazed bowls"
        in text
    )


async def test_a_decline_is_told_politely_without_reasons(app: App) -> None:
    minh = await person(app, "minh")
    await member(app, minh, "Gốm Minh Hải")
    shop = await person(app, "shop")
    await member(app, shop, "Cửa hàng Quà Việt", roles=("distributor",), phone="+84987654321")
    await shop.say("tim nha san xuat gom")
    await shop.press("Kết nối với số 1")
    await shop.say("Chúng tôi cần bát men lam")
    await minh.say("khong")
    assert "Đã từ chối" in minh.text
    told = await _last_message(app, "shop")
    assert "Gốm Minh Hải chưa thể nhận lời kết nối của bạn lần này" in told
    assert "0912" not in told
    await minh.say("khong")  # nothing waits any more: an ordinary answer, not a decision
    assert "Đã từ chối" not in minh.text
    rows = await app.router.services.chain.link_rows()
    assert [(r.status, r.n) for r in rows] == [("declined", 1)]


async def test_only_approved_members_search(app: App) -> None:
    minh = await person(app, "minh")
    await member(app, minh, "Gốm Minh Hải")
    stranger = await person(app, "stranger")
    await stranger.say("tim nha cung cap men gom")
    assert "Bạn hãy đăng ký cơ sở trước (/dang_ky)" in stranger.text
    waiting = await person(app, "waiting")
    await member(
        app, waiting, "Gốm Chờ Duyệt", phone="+84912000007", status=EnterpriseStatus.PENDING
    )
    await waiting.say("/tim gom")
    assert "đang chờ Sở duyệt" in waiting.text and "Gốm Minh Hải" not in waiting.text
