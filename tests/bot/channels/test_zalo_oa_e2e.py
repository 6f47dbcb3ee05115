"""The bot as deployed, `python main.py run`, as the Department's Zalo Official Account, against
the fake OA server: a producer registers, and ten days after her last message a reminder
reaches her as a template message."""

from __future__ import annotations

import math
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.database import connect_sync, db_env
from tests.fakes.botproc import BotProcess
from tests.fakes.zalo_oa_api import APP_ID, FakeOa

LAN = "8512340012345678901"
PHONE = "84912345678"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TEMPLATES = """\
fair_reminder:
  template_id: "412001"
  fields: {ten_khach_hang: name, ten_hoi_cho: fair, ngay: date, gio: time, dia_diem: venue}
"""


@pytest.fixture
def fake() -> Iterator[FakeOa]:
    with FakeOa() as server:
        server.add_template(
            "412001", ["ten_khach_hang", "ten_hoi_cho", "ngay", "gio", "dia_diem"], max_length=80
        )
        server.add_phone(PHONE)
        yield server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def oa_bot(fake: FakeOa, tmp_path: Path, port: int, *args: str) -> BotProcess:
    """ketnoi with only the Zalo OA configured, its webhook on `port`."""
    env = {
        **db_env(tmp_path / "ketnoi.db"),
        "KETNOI_ZALO_OA_APP_ID": APP_ID,
        "KETNOI_ZALO_OA_SECRET_KEY": "app-secret",
        "KETNOI_ZALO_OA_WEBHOOK_KEY": fake.webhook_key,
        "KETNOI_ZALO_OA_REFRESH_TOKEN": "ref-first",
        "KETNOI_ZALO_OA_API_URL": fake.url,
        "KETNOI_ZALO_OA_OAUTH_URL": fake.url,
        "KETNOI_ZALO_OA_BUSINESS_URL": fake.url,
        "KETNOI_ZALO_OA_CHAT_RATE": "50",  # a test types faster than a person
        "KETNOI_LISTEN": f"127.0.0.1:{port}",
        "KETNOI_QUIET_HOURS": "off",
    }
    return BotProcess(env, cwd=tmp_path, args=args or ("run",))


def wait_until_up(fake: FakeOa, timeout: float = 30.0) -> int:
    """Knock with a badly signed event until the webhook answers; its status."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fake.send_text(LAN, "/start", signature="mac=" + "0" * 64)
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


class Follower:
    """Lan on Zalo, writing to the Department's OA and reading its answers."""

    def __init__(self, fake: FakeOa) -> None:
        self.fake = fake

    def say(self, text: str, expect: str = "", timeout: float = 15.0) -> str:
        assert self.fake.send_text(LAN, text, name="Lan") == 200
        return self.read(expect, timeout)

    def read(self, expect: str = "", timeout: float = 15.0) -> str:
        found = self.fake.wait_for_message(LAN, lambda m: expect in m["text"], timeout)
        return str(found["text"])


def register_on_the_oa(lan: Follower, fake: FakeOa) -> str:
    """A registration typed the Zalo way; the phone shared through the OA's card."""
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
    card = fake.wait_for_message(LAN, lambda m: m["kind"] == "request_user_info")
    assert card["text"].startswith("Sở Công Thương Hà Nội")
    assert fake.submit_info(LAN, name="Nguyễn Thị Lan", phone=PHONE) == 200
    lan.read(expect="Mã số thuế")
    lan.say("001085012345", expect="Sản phẩm chính")
    lan.say("Bát đĩa men lam, lọ hoa", expect="OCOP")
    lan.say("4", expect="thực hành bền vững")
    summary = lan.say("2 7", expect="kiểm tra lại thông tin đăng ký")
    assert "• Số điện thoại: 0912 345 678" in summary
    done = lan.say("1", expect="Mã hồ sơ:")
    return done.split("Mã hồ sơ:", 1)[1].split()[0]


def fair_file(path: Path, starts: datetime) -> Path:
    """A fair opening at `starts` (local time)."""
    ends, apply_by = starts + timedelta(days=4), (starts - timedelta(days=1)).date()
    path.write_text(
        f"""\
fairs:
  - key: gom-su-kim-lan
    title: {{vi: "Hội chợ gốm sứ Kim Lan", en: "Kim Lan ceramics fair"}}
    sectors: [ceramics]
    starts_at: {starts:%Y-%m-%d %H:%M}
    ends_at: {ends:%Y-%m-%d %H:%M}
    venue: {{name: "Bảo tàng Gốm sứ Kim Lan", address: "xã Bát Tràng, Hà Nội",
            latitude: 20.977, longitude: 105.915}}
    booths: 80
    apply_by: {apply_by:%Y-%m-%d}
""",
        encoding="utf-8",
    )
    return path


def ten_days_pass(db: Path, starts: datetime) -> None:
    """Ten days without a word from Lan (ketnoi's record of her last event moves back, as
    the fake's did), and the fair's seven-day reminder falls due now."""
    ago = (datetime.now(UTC) - timedelta(days=10)).isoformat()
    hours = math.ceil((starts.astimezone(UTC) - datetime.now(UTC)).total_seconds() / 3600)
    with connect_sync(db) as conn:
        conn.execute("UPDATE zalo_oa_contacts SET last_interaction_at = ?", (ago,))
        conn.execute("UPDATE users SET last_seen_at = ?", (ago,))
        conn.execute("UPDATE reminder_rules SET active = 0")
        conn.execute(
            "INSERT INTO reminder_rules (kind, days, at_time, hours) VALUES"
            " ('before_start', 7, NULL, ?)",
            (hours,),
        )


def test_a_producer_registers_on_the_oa_and_ten_days_later_a_reminder_goes_by_template(
    tmp_path: Path, fake: FakeOa
) -> None:
    (tmp_path / "zalo_oa_templates.yaml").write_text(TEMPLATES, encoding="utf-8")
    starts = (datetime.now(HANOI) + timedelta(days=7, hours=3)).replace(second=0, microsecond=0)
    port = free_port()
    with oa_bot(
        fake, tmp_path, port, "fairs", "import", str(fair_file(tmp_path / "f.yaml", starts))
    ) as imported:
        assert imported.proc is not None and imported.proc.wait(timeout=30) == 0, imported.logs()
    fake.deliver_to(f"http://127.0.0.1:{port}/zalo-oa")
    lan = Follower(fake)

    with oa_bot(fake, tmp_path, port) as bot:
        refused = wait_until_up(fake)  # a webhook with a wrong signature
        assert fake.follow(LAN, name="Lan") == 200
        welcome = lan.read(expect="Xin chào")
        reference = register_on_the_oa(lan, fake)
        lan.say("/hoi_cho", expect="Hội chợ sắp tới")
        lan.say("1", expect="Hội chợ gốm sứ Kim Lan")
        followed = lan.say("3", expect="nhắc")  # "Nhắc tôi"
        lan.say("1", expect="Bạn cần bao nhiêu gian hàng")  # "Đăng ký gian hàng"
        lan.say("2", expect="Bạn sẽ trưng bày sản phẩm gì?")
        lan.say("1", expect="điện hoặc nước")  # "Như trong hồ sơ đăng ký"
        summary = lan.say("dien", expect="Vui lòng kiểm tra lại đơn đăng ký")
        held = lan.say("xac nhan", expect="gian hàng đã được giữ cho bạn")
        first = bot.stop()
        first_logs = bot.logs()

    assert refused == 403
    assert "1. Đăng ký vào mạng lưới" in welcome.splitlines()
    assert reference.startswith("HN-")
    assert "Hội chợ gốm sứ Kim Lan" in followed
    assert "2 gian" in summary and "Sản phẩm: Bát đĩa men lam, lọ hoa" in summary
    assert "Nhu cầu đặc biệt: Điện" in summary
    assert "2 gian · đã giữ gian" in held
    assert first == 0 and "Traceback" not in first_logs
    assert fake.sent(f"phone:{PHONE}") == []  # nothing by template while she was writing

    fake.age(LAN, 10)
    ten_days_pass(tmp_path / "ketnoi.db", starts)
    tried = len(fake.calls("message/cs"))
    with oa_bot(fake, tmp_path, port) as bot:
        sent = fake.wait_for_message(f"phone:{PHONE}", timeout=60)
        time.sleep(0.5)
        second = bot.stop()
        second_logs = bot.logs()

    assert sent["template_id"] == "412001"
    assert sent["template_data"] == {
        "ten_khach_hang": "Nguyễn Thị Lan",
        "ten_hoi_cho": "Hội chợ gốm sứ Kim Lan",
        "ngay": f"{starts:%d/%m/%Y}",
        "gio": f"{starts:%H:%M}",
        "dia_diem": "Bảo tàng Gốm sứ Kim Lan, xã Bát Tràng, Hà Nội",
    }
    assert len(fake.calls("message/cs")) == tried  # no customer-service message tried
    assert second == 0 and "Traceback" not in second_logs
    with connect_sync(tmp_path / "ketnoi.db") as conn:
        statuses = conn.execute("SELECT status FROM outbox WHERE topic LIKE 'fair:%'").fetchall()
        spent = conn.execute("SELECT kind, status, cost FROM zalo_oa_template_messages").fetchall()
    assert statuses == [("sent",)]
    assert spent == [("fair_reminder", "sent", 200)]


def test_two_bots_on_one_database_asking_for_a_token_at_once_refresh_once(
    tmp_path: Path, fake: FakeOa
) -> None:
    ports = free_port(), free_port()
    with oa_bot(fake, tmp_path, ports[0], "db", "migrate") as migrated:
        assert migrated.proc is not None and migrated.proc.wait(timeout=30) == 0
    fake.refresh_delay = 4.0  # longer than a start: the second asks while the first refreshes
    lan = Follower(fake)

    with oa_bot(fake, tmp_path, ports[0]) as one, oa_bot(fake, tmp_path, ports[1]) as two:
        up = []
        for port in ports:  # both serve their webhook, each with the token they share
            fake.deliver_to(f"http://127.0.0.1:{port}/zalo-oa")
            up.append(wait_until_up(fake))
        fake.deliver_to(f"http://127.0.0.1:{ports[0]}/zalo-oa")
        welcome = lan.say("/start", expect="Xin chào")
        fake.deliver_to(f"http://127.0.0.1:{ports[1]}/zalo-oa")
        menu = lan.say("/menu", expect="Đăng ký")
        stopped = one.stop(), two.stop()
        logs = one.logs(), two.logs()

    assert up == [403, 403] and stopped == (0, 0), logs
    assert welcome and menu
    assert fake.refreshes == 1 and len(fake.calls("access_token")) == 1  # nobody else tried
    assert sorted("access token refreshed" in log for log in logs) == [False, True], logs
    assert all("ref-" not in log and "acc-" not in log for log in logs)  # no token in the log
    with connect_sync(tmp_path / "ketnoi.db") as conn:
        (stored,) = conn.execute("SELECT refresh_token FROM zalo_oa_tokens").fetchone()
    assert stored == fake.refresh_token  # the pair Zalo gave is the one kept


def test_events_left_in_the_inbox_by_a_process_that_died_are_answered_after_restart_once(
    tmp_path: Path, fake: FakeOa
) -> None:
    port = free_port()
    with oa_bot(fake, tmp_path, port, "db", "migrate") as migrated:
        assert migrated.proc is not None and migrated.proc.wait(timeout=30) == 0
    # What `ketnoi run` leaves when it dies between the webhook's 200 and the turns: one event
    # it had in hand (its lease has run out since), one it never took.
    start = fake.body("user_send_text", LAN, message={"msg_id": "m1", "text": "/start"})
    menu = fake.body("user_send_text", LAN, message={"msg_id": "m2", "text": "/dang_ky"})
    gone = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    with connect_sync(tmp_path / "ketnoi.db") as conn:
        conn.execute(
            "INSERT INTO zalo_oa_inbox (event_key, body, follower, received_at, taken_at,"
            " taken_by, taken_until, tries) VALUES ('msg:m1', ?, ?, ?, ?, 'died', ?, 1)",
            (start.decode(), LAN, gone, gone, gone),
        )
        conn.execute(
            "INSERT INTO zalo_oa_inbox (event_key, body, follower, received_at)"
            " VALUES ('msg:m2', ?, ?, ?)",
            (menu.decode(), LAN, gone),
        )
    fake.deliver_to(f"http://127.0.0.1:{port}/zalo-oa")
    lan = Follower(fake)

    with oa_bot(fake, tmp_path, port) as bot:
        welcome = lan.read(expect="Xin chào", timeout=30)
        asked = lan.read(expect="Bạn có đồng ý không?")
        assert bot.stop() == 0, bot.logs()
    with oa_bot(fake, tmp_path, port) as bot:
        assert wait_until_up(fake) == 403  # serving again
        time.sleep(1.5)  # a worker round or more: nothing left to answer
        assert bot.stop() == 0, bot.logs()

    assert welcome and asked
    first, second = fake.sent(LAN)  # each answered once, in the order they came
    assert first["text"].startswith("Xin chào") and "Bạn có đồng ý không?" in second["text"]
    with connect_sync(tmp_path / "ketnoi.db") as conn:
        (left,) = conn.execute(
            "SELECT count(*) FROM zalo_oa_inbox WHERE done_at IS NULL"
        ).fetchone()
    assert left == 0
