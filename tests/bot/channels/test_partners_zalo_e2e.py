"""Members find each other on Zalo (issue 20), `python main.py run` against the fake Zalo Bot
API, typing only: producers say at registration whether they may be found, staff approve some,
a shop searches in plain words, picks a result by number, asks to connect; the producer accepts
by typing "dong y"; both receive the other's contact; /thong_ke counts the link."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.channels.test_zalo_e2e import TOKEN, User, zalo_only
from tests.fakes.zalo_api import FakeZalo

ADMIN = "a7b3c9d1e5f2"


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    with FakeZalo(token=TOKEN) as server:
        yield server


def join(who: User, name: str, *, roles: str, phone: str, idno: str, findable: bool) -> str:
    """A whole registration typed on Zalo; the reference number."""
    who.say("/dang_ky", expect="Bạn có đồng ý không?")
    who.say("dong y", expect="Tên cơ sở của bạn là gì?")
    who.say(name, expect="thuộc loại hình nào?")
    who.say("1", expect="Vai trò của bạn trong chuỗi")
    who.say(f"{roles} 5", expect="Bạn làm ngành nghề nào?")  # the role(s), Done
    who.say("1 16", expect="phường, xã nào")  # ceramics, Done
    who.say("bat trang", expect="Là nơi nào trong số này?")
    who.say("1", expect="Địa chỉ cụ thể")
    who.say("bo qua", expect="Người liên hệ là ai?")
    who.say("Nguyễn Thị Hải", expect="số điện thoại nào")
    who.say(phone, expect="Mã số thuế")
    who.say(idno, expect="Sản phẩm chính")
    who.say("Bát đĩa men lam, lọ hoa", expect="OCOP")
    who.say("4", expect="thực hành bền vững")
    who.say("2 7", expect="được tìm thấy cơ sở của bạn")
    who.say("co" if findable else "khong", expect="kiểm tra lại thông tin đăng ký")
    done = who.say("xac nhan", expect="Mã hồ sơ:")
    return done.split("Mã hồ sơ:", 1)[1].split()[0]


def approve(admin: User, reference: str, who: User) -> None:
    """The review pushed to staff, approved by typing its number; the member is told (and that
    message's menu is shown before they type a number for anything else)."""
    admin.read(expect=reference)
    admin.say("1", expect=f"Đã duyệt {reference}")
    who.read(expect="Tin vui!")


def test_a_shop_finds_a_producer_and_they_connect_on_zalo(tmp_path: Path, fake: FakeZalo) -> None:
    admin = User(fake, ADMIN, name="Cán bộ Sở")
    minh = User(fake, "c0ffee000001", name="Chị Hải")
    hidden = User(fake, "c0ffee000002", name="Anh Kín")
    waiting = User(fake, "c0ffee000003", name="Chị Chờ")
    shop = User(fake, "c0ffee000004", name="Quà Việt")
    with zalo_only(fake, tmp_path, KETNOI_ADMINS=f"zalo:{ADMIN}") as bot:
        fake.wait_for_call("getUpdates", timeout=30)
        admin.say("/start", expect="Xin chào")
        ref = join(
            minh, "Gốm Minh Hải", roles="2", phone="0912345678", idno="001085012345", findable=True
        )
        approve(admin, ref, minh)
        ref = join(
            hidden,
            "Gốm Kín Đáo",
            roles="2",
            phone="0912000001",
            idno="001085012346",
            findable=False,
        )
        approve(admin, ref, hidden)
        join(
            waiting,
            "Gốm Chờ Duyệt",
            roles="2",
            phone="0912000002",
            idno="001085012347",
            findable=True,
        )  # never approved
        ref = join(
            shop,
            "Cửa hàng Quà Việt",
            roles="3",
            phone="0987654321",
            idno="001085012348",
            findable=False,
        )
        approve(admin, ref, shop)

        found = shop.say("ai ban gom su o bat trang", expect="thành viên cho")
        asked = shop.say("1", expect="vì sao bạn muốn kết nối")
        sent = shop.say("Cần bát men lam cho cửa hàng", expect="đã được gửi")
        notice = minh.read(expect="muốn kết nối với bạn")
        accepted = minh.say("dong y", expect="Bạn đã kết nối")
        told = shop.read(expect="Bạn đã kết nối với Gốm Minh Hải")
        stats = admin.say("/thong_ke", expect="Kết nối giữa các thành viên")
        status = bot.stop()

    assert "1. Gốm Minh Hải" in found and "Sản phẩm: Bát đĩa men lam, lọ hoa" in found
    assert "Kín Đáo" not in found and "Chờ Duyệt" not in found and "0912" not in found
    assert "1. 🤝 Kết nối với số 1" in found  # numbered on Zalo
    assert "Gốm Minh Hải" in asked
    assert "còn gửi được 4 yêu cầu" in sent
    assert "Cửa hàng Quà Việt" in notice and "Cần bát men lam" in notice
    assert "0987 654 321" in accepted and "Zalo" in accepted
    assert "0912 345 678" in told
    assert "1 đã gửi, 1 đồng ý, 0 từ chối" in stats
    assert status == 0 and "Traceback" not in bot.logs()
