"""`ketnoi zalo-oa token` and `ketnoi zalo-oa templates check`, run as the officer runs them,
against the fake OA server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.database import db_env
from tests.fakes.botproc import ROOT, BotProcess
from tests.fakes.zalo_oa_api import APP_ID, FakeOa


@pytest.fixture
def fake() -> Iterator[FakeOa]:
    with FakeOa() as server:
        yield server


def oa_env(fake: FakeOa, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The KETNOI_* variables of an OA connected to the fake."""
    return {
        **db_env(tmp_path / "ketnoi.db"),
        "KETNOI_ZALO_OA_APP_ID": APP_ID,
        "KETNOI_ZALO_OA_SECRET_KEY": "app-secret",
        "KETNOI_ZALO_OA_WEBHOOK_KEY": fake.webhook_key,
        "KETNOI_ZALO_OA_REFRESH_TOKEN": "ref-first",
        "KETNOI_ZALO_OA_API_URL": fake.url,
        "KETNOI_ZALO_OA_OAUTH_URL": fake.url,
        "KETNOI_ZALO_OA_BUSINESS_URL": fake.url,
        **extra,
    }


def run(env: dict[str, str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in BotProcess(env, cwd=tmp_path).env.items()}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        env=clean,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_two_processes_asking_for_a_token_at_once_refresh_once(
    fake: FakeOa, tmp_path: Path
) -> None:
    env = oa_env(fake, tmp_path)
    assert run(env, tmp_path, "db", "migrate").returncode == 0
    fake.refresh_delay = 1.5  # the second asks while the first is refreshing
    both = [BotProcess(env, cwd=tmp_path, args=("zalo-oa", "token")).start() for _ in range(2)]
    statuses = [p.proc.wait(timeout=60) for p in both if p.proc is not None]
    logs = [p.logs() for p in both]

    assert statuses == [0, 0], logs
    assert fake.refreshes == 1 and len(fake.calls("access_token")) == 1  # nobody else tried
    assert sorted("refreshed now" in log for log in logs) == [False, True], logs
    assert all("access token valid until" in log for log in logs)
    assert all("ref-" not in log and "acc-" not in log for log in logs)  # no token in the log


def test_a_refused_refresh_token_is_one_clear_line(fake: FakeOa, tmp_path: Path) -> None:
    done = run(
        oa_env(fake, tmp_path, KETNOI_ZALO_OA_REFRESH_TOKEN="ref-stale"),
        tmp_path,
        "zalo-oa",
        "token",
    )

    assert done.returncode == 1
    assert "authorise the app for the OA again" in done.stderr
    assert "Traceback" not in done.stderr and "ref-stale" not in done.stderr


def test_templates_check_reports_each_kind(fake: FakeOa, tmp_path: Path) -> None:
    fake.add_template("412001", ["ten", "hoi_cho", "ngay", "dia_diem"], max_length=60)
    fake.add_template("412002", ["ten", "ma_ho_so"], status="PENDING_REVIEW")
    fake.add_template("412003", ["ten", "ma_ho_so", "ly_do"])
    (tmp_path / "zalo_oa_templates.yaml").write_text(
        """\
fair_reminder:
  template_id: 412001
  fields: {ten: name, hoi_cho: fair, ngay: date, dia_diem: venue}
registration_approved:
  template_id: "412002"
  fields: {ten: name, ma_ho_so: reference}
registration_rejected:
  template_id: "412003"
  fields: {ten: name, ma_ho_so: reference, co_so: enterprise}
booth_rejected:
  template_id: "499999"
  fields: {ten: name}
""",
        encoding="utf-8",
    )
    done = run(oa_env(fake, tmp_path), tmp_path, "zalo-oa", "templates", "check")
    lines = done.stdout.splitlines()

    assert done.returncode == 1, done.stderr
    assert "ok    fair_reminder: template 412001, approved, 200 VND a message" in lines
    assert (
        "FAIL  registration_approved: template 412002 not approved by Zalo (status PENDING_REVIEW)"
    ) in lines
    assert (
        "FAIL  registration_rejected: template 412003 the template's parameter ly_do is not filled"
    ) in lines
    assert (
        "FAIL  registration_rejected: template 412003 co_so: the template has no such parameter"
    ) in lines
    assert any(
        line.startswith("FAIL  booth_rejected: template 499999 Zalo has no such") for line in lines
    )
    assert (
        "none  booth_approved: no template: outside the 7 days these notices cannot be sent"
    ) in lines
    assert lines[-1] == "1 of 7 kinds of notice can go by template; 3 configured wrongly"


def test_a_template_file_with_a_mistake_names_it(fake: FakeOa, tmp_path: Path) -> None:
    (tmp_path / "zalo_oa_templates.yaml").write_text(
        "fair_reminder:\n  template_id: '1'\n  fields: {ten: ho_ten}\n", encoding="utf-8"
    )
    done = run(oa_env(fake, tmp_path), tmp_path, "zalo-oa", "templates", "check")

    assert done.returncode == 1
    assert done.stderr.strip() == (
        "zalo_oa_templates.yaml: fair_reminder.fields.ten: ho_ten is not a field of"
        " fair_reminder (its fields: name, fair, date, time, venue)"
    )
