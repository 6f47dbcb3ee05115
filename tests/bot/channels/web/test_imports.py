"""/quan-tri/nhap: producers imported from an Excel list, checked row by row, nothing kept
while a row is wrong; each gets an invitation the producer claims in the chat."""

from __future__ import annotations

import io
import json
import re

from openpyxl import Workbook

from storage.enterprises import EnterpriseStatus
from storage.roles import Role
from tests.bot.channels.web.site import Site, csrf_of
from tests.chat import Chat
from tests.handlers.staff.staff_data import add_enterprise, audit_entries

HEADER = ["STT", "Tên cơ sở", "Loại hình", "Ngành nghề", "Xã/phường", "Người liên hệ",
          "Số điện thoại", "Mã số thuế", "Sản phẩm"]  # fmt: skip
GOOD = [
    [1, "Gốm Minh Hải", "Hộ kinh doanh", "Gốm sứ", "Bát Tràng", "Nguyễn Văn Hải",
     "0912 345 601", "", "Bát đĩa"],
    [2, "HTX mây tre Phú Vinh", "HTX", "may tre dan", "xa phu nghia", "Trần Thị Vinh",
     "0987654602", "0100109106", "Giỏ, làn"],
    [3, "Sơn mài Hạ Thái", "", "Sơn mài; Đồ gỗ", "Duyên Thái", "Lê Văn Thái",
     "+84 912 345 603", "", "Tranh sơn mài"],
]  # fmt: skip


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Danh sách cơ sở làng nghề 2026"])  # a title row above the header
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(site: Site, content: bytes, name: str = "danh-sach.xlsx") -> object:
    token = csrf_of(site.get("/quan-tri/nhap").text)
    return site.client.post(
        "/quan-tri/nhap/kiem-tra",
        data={"csrf": token},
        files={"file": (name, content, "application/octet-stream")},
    )


def test_a_list_with_errors_shows_them_per_row_and_imports_nothing(site: Site) -> None:
    site.run(add_enterprise, site.app, "known", "Đã có", phone="+84912345699")
    site.login(site.staff(Role.ADMIN))
    bad = [
        *GOOD,
        [4, "Cơ sở A", "Hộ kinh doanh", "Gốm sứ", "Phường Mặt Trăng", "An", "12345", "", ""],
        [5, "Cơ sở B", "Hộ kinh doanh", "Gốm sứ", "Bát Tràng", "Bình", "0912 345 601", "", ""],
        [6, "Cơ sở C", "Hộ kinh doanh", "Kim cương", "Bát Tràng", "Chi", "0912345699", "", ""],
    ]
    page = _upload(site, _xlsx(bad))
    assert page.status_code == 422  # type: ignore[attr-defined]
    text = page.text  # type: ignore[attr-defined]
    assert "3 dòng có lỗi" in text and 'id="import"' not in text
    assert "Không tìm thấy xã/phường: “Phường Mặt Trăng”." in text
    assert "Không phải số điện thoại: “12345”." in text
    assert "Trùng số điện thoại với dòng 3." in text  # row numbers as in Excel
    assert "Không rõ ngành nghề “Kim cương”." in text
    assert "Số điện thoại này đã có trong mạng lưới." in text
    rows = site.run(site.app.router.services.db.fetchall, "SELECT * FROM invitations")
    assert rows == []


def test_a_right_list_is_imported_whole_with_an_invitation_each(site: Site) -> None:
    site.login(site.staff(Role.ADMIN))
    preview = _upload(site, _xlsx(GOOD))
    text = preview.text  # type: ignore[attr-defined]
    assert preview.status_code == 200 and "3 cơ sở sẵn sàng để nhập." in text  # type: ignore[attr-defined]
    assert "Xã Bát Tràng" in text and "Hợp tác xã" in text and "Mây tre đan" in text
    payload = re.search(r'name="rows" value="([^"]+)"', text)
    assert payload is not None
    rows = json.loads(payload.group(1).replace("&#34;", '"').replace("&quot;", '"'))
    done = site.post("/quan-tri/nhap/nhap", {"csrf": csrf_of(text), "rows": json.dumps(rows)})
    assert done.status_code == 200
    codes = re.findall(r"/moi ([A-Z2-9]{8})", done.text)
    assert len(codes) == 3 and "https://t.me/ketnoi_hanoi_bot?start=moi_" in done.text
    assert "0912 345 601" in done.text  # the number as people write it
    assert [e.action for e in site.run(audit_entries, site.app)][-1] == "producers.import"
    again = site.post("/quan-tri/nhap/nhap", {"csrf": csrf_of(text), "rows": json.dumps(rows)})
    assert again.status_code == 422  # the same list twice: its phones wait for their owners

    # the producer claims it in the chat
    producer = Chat(site.app.router, "tg-hai", channel="telegram", name="Hải")
    site.run(producer.say, f"/start moi_{codes[0]}")
    assert "Gốm Minh Hải" in producer.text and "0912 345 601" in producer.text
    site.run(producer.press, "Tôi đồng ý")
    assert "Chào mừng" in producer.text
    svc = site.app.router.services
    user = site.run(svc.users.find, producer.user)
    assert user is not None
    mine = site.run(svc.enterprises.for_account, user.account_id)
    assert mine is not None and mine.status is EnterpriseStatus.APPROVED
    assert mine.phone == "+84912345601" and mine.sectors == ["ceramics"]
    other = Chat(site.app.router, "zalo-2", channel="zalo")
    site.run(other.say, f"/moi {codes[0].lower()}")
    assert "đã được dùng" in other.text
    site.run(other.say, f"/moi {codes[1]}")
    assert "HTX mây tre Phú Vinh" in other.text


def test_a_file_that_is_not_a_list_says_so(site: Site) -> None:
    site.login(site.staff(Role.ADMIN))
    page = _upload(site, b"not a workbook")
    assert page.status_code == 400 and "Không đọc được tệp .xlsx này." in page.text  # type: ignore[attr-defined]
    csv = "Tên cơ sở,Số điện thoại\nA,0912345678\n".encode()
    page = _upload(site, csv, "list.csv")
    assert "Thiếu các cột: contact_name, ward." in page.text  # type: ignore[attr-defined]


def test_only_admins_import(site: Site) -> None:
    site.login(site.staff(Role.MODERATOR))
    assert site.get("/quan-tri/nhap").status_code == 403


def test_an_invitation_is_emptied_when_claimed_and_deleted_with_the_person(site: Site) -> None:
    site.login(site.staff(Role.ADMIN))
    text = _upload(site, _xlsx(GOOD[:1])).text  # type: ignore[attr-defined]
    payload = re.search(r'name="rows" value="([^"]+)"', text)
    assert payload is not None
    rows = payload.group(1).replace("&#34;", '"').replace("&quot;", '"')
    done = site.post("/quan-tri/nhap/nhap", {"csrf": csrf_of(text), "rows": rows})
    (code,) = re.findall(r"/moi ([A-Z2-9]{8})", done.text)
    producer = Chat(site.app.router, "tg-1", channel="telegram")
    site.run(producer.say, f"/moi {code}")
    site.run(producer.press, "Tôi đồng ý")
    svc = site.app.router.services
    kept = site.run(svc.invitations.get, code)
    assert kept is not None and kept.fields.name is None  # the registration holds them now
    user = site.run(svc.users.find, producer.user)
    assert user is not None
    site.run(svc.personal_data.erase, user.account_id, "subject-x", [], [])
    assert site.run(svc.invitations.get, code) is None
    assert site.run(svc.enterprises.for_account, user.account_id) is None
