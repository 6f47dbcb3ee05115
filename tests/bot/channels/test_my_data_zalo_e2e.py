"""Personal data rights end to end on Zalo, `python main.py run` against the fake Zalo Bot API:
the copy comes as text (Zalo takes no files), consent is withdrawn with typed numbers, and
nothing of her is left in the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.channels.test_zalo_e2e import TOKEN, User, register_on_zalo, zalo_only
from tests.database import connect_sync
from tests.fakes.zalo_api import FakeZalo


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    with FakeZalo(token=TOKEN) as server:
        yield server


def test_a_copy_as_text_then_consent_withdrawn_on_zalo(tmp_path: Path, fake: FakeZalo) -> None:
    lan = User(fake)
    with zalo_only(fake, tmp_path) as bot:
        fake.wait_for_call("getUpdates", timeout=30)
        reference = register_on_zalo(lan)
        overview = lan.say("/du_lieu_cua_toi", expect="Dữ liệu ketnoi đang lưu về bạn")
        copy_intro = lan.say("1", expect="Đây là bản sao")  # "1. 📄 Nhận bản sao"
        copy = lan.read(expect="Mã số thuế: 001085012345")
        machine = lan.read(expect=".json")
        lan.say("/du_lieu_cua_toi", expect="Dữ liệu ketnoi đang lưu về bạn")
        confirm = lan.say("4", expect="Rút lại sự đồng ý")  # "4. 🗑 Rút lại đồng ý và xóa"
        done = lan.say("1", expect="Xong")  # "1. Đồng ý, rút lại và xóa"
        status = bot.stop()

    assert overview.splitlines()[-4:] == [
        "1. 📄 Nhận bản sao",
        "2. ✏️ Sửa hồ sơ đăng ký",
        "3. 🔕 Dừng thông báo, giữ hồ sơ",
        "4. 🗑 Rút lại đồng ý và xóa dữ liệu",
    ]
    assert "0010******45" in overview and "001085012345" not in overview
    assert "tệp JSON" in copy_intro
    assert "Số điện thoại: 0912 345 678" in copy
    assert machine.startswith("Không gửi được tệp du-lieu-cua-toi-") and "qua Zalo" in machine
    assert "1. Đồng ý, rút lại và xóa" in confirm.splitlines()
    assert "dữ liệu của bạn đã được xóa" in done and "P-" in done
    assert status == 0 and "Traceback" not in bot.logs()
    assert "001085012345" not in bot.logs()

    with connect_sync(tmp_path / "ketnoi.db") as db:
        values: list[str] = []
        for table in db.tables():
            for row in db.execute(f"SELECT * FROM {table}"):
                values += [str(v) for v in row if v is not None]
        requests = db.execute("SELECT kind, channel, subject FROM data_requests").fetchall()
        actors = db.execute("SELECT actor, action FROM audit_log").fetchall()
    stored = "\n".join(values)
    for needle in ("+84912345678", "0912 345 678", "001085012345", reference, "Gốm Minh Hải"):
        assert needle not in stored, needle
    assert [(k, c) for k, c, _ in requests] == [("copy", "zalo"), ("erase", "zalo")]
    subject = requests[0][2]
    assert actors == [(subject, "data.copy"), (subject, "data.erase")]
