"""The bot as deployed, `python main.py run`, against a local Zalo Bot API server."""

from __future__ import annotations

from pathlib import Path

from tests.database import db_env
from tests.fakes.botproc import BotProcess
from tests.fakes.zalo_api import FakeZalo

TOKEN = "1459232241454765289:zalo-test-token"
CHAT = "e4ea2cd5189df1c3a88c"


def zalo_only(fake_zalo: FakeZalo, tmp_path: Path, token: str = TOKEN, **extra: str) -> BotProcess:
    """ketnoi run with only the Zalo channel configured, on a database in tmp_path."""
    env = {
        "KETNOI_ZALO_TOKEN": token,
        "KETNOI_ZALO_API_URL": fake_zalo.url,
        **db_env(tmp_path / "ketnoi.db"),
        # a test types faster than a person; one message a second would make it wait
        "KETNOI_ZALO_CHAT_RATE": "50",
        **extra,
    }
    return BotProcess(env, cwd=tmp_path)


class User:
    """A person on Zalo: types a line and reads the bot's answer."""

    def __init__(self, fake_zalo: FakeZalo, chat_id: str = CHAT, name: str = "Bà Lan") -> None:
        self.fake_zalo = fake_zalo
        self.chat_id = chat_id
        self.name = name

    def say(self, text: str, expect: str = "", timeout: float = 15.0) -> str:
        """Type `text`; the next message of the bot (containing `expect`, skipping others)."""
        self.fake_zalo.send_text(self.chat_id, text, display_name=self.name)
        return self.read(expect, timeout)

    def read(self, expect: str = "", timeout: float = 15.0) -> str:
        """The next message of the bot that contains `expect`."""
        found = self.fake_zalo.wait_for_message(
            self.chat_id, lambda m: expect in m["text"], timeout
        )
        return str(found["text"])


def test_start_menu_and_language_on_zalo(tmp_path: Path, fake_zalo: FakeZalo) -> None:
    lan = User(fake_zalo)
    with zalo_only(fake_zalo, tmp_path) as bot:
        fake_zalo.wait_for_call("getUpdates", timeout=30)  # it is up and polling
        welcome = lan.say("/start")
        menu = lan.say("/menu")
        languages = lan.say("6")
        english = lan.say("2")
        again = lan.say("/language")
        vietnamese = lan.say("tieng viet")  # the label, typed without diacritics
        status = bot.stop()

    assert welcome.startswith("Xin chào Bà Lan")
    assert "1. Đăng ký vào mạng lưới" in welcome.splitlines()
    assert menu.splitlines()[1:] == [
        "1. Đăng ký vào mạng lưới",
        "2. Hội chợ sắp tới",
        "3. Gian hàng của tôi",
        "4. Nhắc lịch",
        "5. Hỏi đáp",
        "6. Ngôn ngữ",
    ]
    assert languages.splitlines() == ["Chọn ngôn ngữ của bạn:", "1. Tiếng Việt", "2. English"]
    assert english.splitlines()[0] == "Language set to English."
    assert "6. Language" in english.splitlines()
    assert again.splitlines()[0] == "Choose your language:"
    assert vietnamese.splitlines()[0] == "Đã chuyển sang tiếng Việt."
    assert status == 0 and "Traceback" not in bot.logs()


def test_an_invalid_token_is_one_clear_line_and_status_2(
    tmp_path: Path, fake_zalo: FakeZalo
) -> None:
    with zalo_only(fake_zalo, tmp_path, token="1:WRONG") as bot:
        assert bot.proc is not None
        status = bot.proc.wait(timeout=30)

    logs = bot.logs()
    assert status == 2
    assert logs.strip().splitlines()[-1] == (
        "ketnoi: KETNOI_ZALO_TOKEN was refused by Zalo (invalid token)"
    )
    assert "Traceback" not in logs and "WRONG" not in logs


def register_on_zalo(lan: User) -> str:
    """A whole registration typed the Zalo way, numbers and words; returns its reference."""
    lan.say("/dang_ky", expect="Bạn có đồng ý không?")
    lan.say("1", expect="Tên cơ sở của bạn là gì?")
    lan.say("Gốm Minh Hải", expect="thuộc loại hình nào?")
    lan.say("1", expect="Vai trò của bạn trong chuỗi")
    lan.say("2", expect="Đã chọn: Nhà sản xuất.")  # typed one by one, they add up until Done
    lan.say("5", expect="Bạn làm ngành nghề nào?")
    lan.say("1 16", expect="phường, xã nào")  # ceramics and Done at once
    lan.say("bat trang", expect="Là nơi nào trong số này?")
    lan.say("1", expect="Địa chỉ cụ thể")
    lan.say("Thôn 3, đường Giang Cao", expect="Người liên hệ là ai?")
    lan.say("Nguyễn Thị Lan", expect="số điện thoại nào")
    lan.say("0912.345.678", expect="Mã số thuế")
    lan.say("001085012345", expect="Sản phẩm chính")
    lan.say("Bát đĩa men lam, lọ hoa", expect="OCOP")
    lan.say("4", expect="thực hành bền vững")
    summary = lan.say("2 7", expect="kiểm tra lại thông tin đăng ký")
    assert "• Tên cơ sở: Gốm Minh Hải" in summary
    assert "• Địa bàn: Xã Bát Tràng, Hà Nội" in summary
    assert "• Số điện thoại: 0912 345 678" in summary
    assert "• Hạng OCOP: 4 sao" in summary
    assert "• Thực hành bền vững: Tiết kiệm năng lượng" in summary
    assert "1. ✅ Xác nhận và gửi" in summary.splitlines()
    done = lan.say("1", expect="Mã hồ sơ:")
    reference = done.split("Mã hồ sơ:", 1)[1].split()[0]
    assert reference.startswith("HN-")
    return reference


def test_a_full_registration_on_zalo_approved_by_an_admin_on_zalo(
    tmp_path: Path, fake_zalo: FakeZalo
) -> None:
    lan, admin = User(fake_zalo), User(fake_zalo, "a7b3c9d1e5f2", name="Cán bộ Sở")
    with zalo_only(fake_zalo, tmp_path, KETNOI_ADMINS="zalo:a7b3c9d1e5f2") as bot:
        fake_zalo.wait_for_call("getUpdates", timeout=30)
        admin.say("/start", expect="Xin chào")  # a Zalo bot writes only to people who wrote
        reference = register_on_zalo(lan)
        review = admin.read(expect=reference)
        approved = admin.say("1", expect="Đã duyệt")  # "1. ✅ Duyệt" of the pushed review
        news = lan.read(expect="Tin vui!")
        profile = lan.say("/ho_so", expect=reference)
        status = bot.stop()

    assert review.splitlines()[-2:] == ["1. ✅ Duyệt", "2. ❌ Từ chối"]
    assert approved.startswith(f"Đã duyệt {reference} (Gốm Minh Hải).")
    assert reference in news
    assert "Gốm Minh Hải" in profile
    assert status == 0 and "Traceback" not in bot.logs()


def test_a_producer_registers_on_zalo_typing_words_only(
    tmp_path: Path, fake_zalo: FakeZalo
) -> None:
    lan = User(fake_zalo)
    with zalo_only(fake_zalo, tmp_path) as bot:
        fake_zalo.wait_for_call("getUpdates", timeout=30)
        lan.say("/dang_ky", expect="Bạn có đồng ý không?")
        lan.say("dong y", expect="Tên cơ sở của bạn là gì?")
        aside = lan.say("hoi cho gom khi nao", expect="hội chợ")  # a question, not the name
        again = lan.read(expect="Tên cơ sở của bạn là gì?")
        lan.say("Gốm Minh Hải", expect="thuộc loại hình nào?")
        lan.say("ho kinh doanh", expect="Vai trò của bạn trong chuỗi")
        lan.say("nha san xuat", expect="Đã chọn: Nhà sản xuất.")
        lan.say("xong", expect="Bạn làm ngành nghề nào?")
        lan.say("gom su", expect="Đã chọn: Gốm sứ.")
        lan.say("xong", expect="phường, xã nào")
        lan.say("bat trang", expect="Là nơi nào trong số này?")
        lan.say("xa bat trang", expect="Địa chỉ cụ thể")
        lan.say("Thôn 3, đường Giang Cao", expect="Người liên hệ là ai?")
        lan.say("Nguyễn Thị Lan", expect="số điện thoại nào")
        lan.say("0912.345.678", expect="Mã số thuế")
        lan.say("bo qua", expect="Sản phẩm chính")
        lan.say("Bát đĩa men lam, lọ hoa", expect="OCOP")
        lan.say("chua co ocop", expect="thực hành bền vững")
        lan.say("tiet kiem nang luong", expect="Đã chọn: Tiết kiệm năng lượng.")
        summary = lan.say("xong", expect="kiểm tra lại thông tin đăng ký")
        done = lan.say("xác nhận", expect="Mã hồ sơ:")
        status = bot.stop()

    assert aside != again and "Tên cơ sở" not in aside
    assert "• Tên cơ sở: Gốm Minh Hải" in summary
    assert "Nhà sản xuất" in summary and "Gốm sứ" in summary
    assert "• Thực hành bền vững: Tiết kiệm năng lượng" in summary
    assert done.split("Mã hồ sơ:", 1)[1].split()[0].startswith("HN-")
    assert status == 0 and "Traceback" not in bot.logs()


FAIRS = """\
fairs:
  - key: gom-su-kim-lan-2027
    title: {vi: "Hội chợ gốm sứ Kim Lan 2027", en: "Kim Lan ceramics fair 2027"}
    sectors: [ceramics]
    starts_at: 2027-03-10 08:00
    ends_at: 2027-03-14 21:00
    venue: {name: "Bảo tàng Gốm sứ Kim Lan", address: "xã Bát Tràng, Hà Nội",
            latitude: 20.977, longitude: 105.915}
    booths: 80
    apply_by: 2027-03-01
    description: {vi: "Kết nối các cơ sở gốm sứ Bát Tràng.", en: "Bat Trang ceramics."}
"""


def test_a_booth_application_on_zalo(tmp_path: Path, fake_zalo: FakeZalo) -> None:
    calendar = tmp_path / "fairs.yaml"
    calendar.write_text(FAIRS, encoding="utf-8")
    with BotProcess(
        db_env(tmp_path / "ketnoi.db"),
        cwd=tmp_path,
        args=("fairs", "import", str(calendar)),
    ) as imported:
        assert imported.proc is not None
        assert imported.proc.wait(timeout=30) == 0, imported.logs()
    lan = User(fake_zalo)
    with zalo_only(fake_zalo, tmp_path) as bot:
        fake_zalo.wait_for_call("getUpdates", timeout=30)
        register_on_zalo(lan)
        fairs = lan.say("/hoi_cho", expect="Hội chợ sắp tới")
        card = lan.say("1", expect="Kết nối các cơ sở gốm sứ Bát Tràng.")
        ics = lan.say("2", expect="Zalo không nhận được tệp lịch")  # "Thêm vào lịch"
        lan.say("/hoi_cho", expect="Hội chợ sắp tới")
        lan.say("1", expect="Đăng ký gian hàng")
        lan.say("1", expect="Bạn cần bao nhiêu gian hàng")
        lan.say("2", expect="Bạn sẽ trưng bày sản phẩm gì?")
        lan.say("Bát đĩa men lam", expect="cần điện hoặc nước")
        check = lan.say("2", expect="kiểm tra lại đơn đăng ký")
        held = lan.say("1", expect="gian hàng đã được giữ cho bạn")
        mine = lan.say("/gian_hang", expect="Hội chợ gốm sứ Kim Lan 2027")
        status = bot.stop()

    assert "Gian hàng: còn trống 80/80" in fairs
    assert "https://www.google.com/maps/search/?api=1&query=20.977,105.915" in card.splitlines()
    assert "🗓 Hội chợ gốm sứ Kim Lan 2027" in ics
    assert "08:00, Thứ Tư, 10 tháng 3, 2027 → 21:00, Chủ Nhật, 14 tháng 3, 2027" in ics
    assert "2 gian" in check.splitlines() and "Sản phẩm: Bát đĩa men lam" in check
    assert "1. Rút đơn" in held.splitlines()
    assert "2 gian" in mine
    assert status == 0 and "Traceback" not in bot.logs()
