"""Importing fair files: update by key, all or nothing, and applicants told of changes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

import main
from bot.app import App
from bot.services.fair_files import read_fair_file
from bot.services.fair_import import SAMPLE_FAIRS, import_fairs, load_samples_if_empty
from storage.booths import BoothApplication, BoothStatus
from storage.fairs import FairStatus
from tests.chat import Chat
from tests.fair_data import (
    HANOI,
    TODAY,
    fair_fields,
    load_samples,
    make_fair,
    outbox_rows,
    register_enterprise,
)


@pytest.fixture(autouse=True)
def _today(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(TODAY, tick=True)


async def _applicant(
    app: App, name: str, fair_id: int, booths: int = 1, **chat: str
) -> tuple[Chat, BoothApplication]:
    person = Chat(app.router, external_id=name, **chat)
    enterprise = await register_enterprise(app, person, name=f"Cơ sở {name}")
    if person.language:
        async with app.db.transaction():
            await app.router.services.users.set_locale(enterprise.account_id, person.language)
    async with app.db.transaction():
        found = await app.router.services.booths.apply(
            fair_id, enterprise.id, enterprise.account_id, booths, "gốm"
        )
    assert found is not None
    return person, found


async def test_samples_import_once_then_stay_unchanged(app: App) -> None:
    fairs = read_fair_file(SAMPLE_FAIRS, HANOI)
    first = await import_fairs(app.router.services, fairs)
    again = await import_fairs(app.router.services, fairs)
    assert len(first.created) == 10
    assert (again.created, again.updated, len(again.unchanged)) == ([], [], 10)
    assert await app.router.services.fairs.count() == 10


async def test_a_known_key_updates_the_fair(app: App) -> None:
    before = await make_fair(app, booths=3)
    report = await import_fairs(app.router.services, [fair_fields(booths=5, title_vi="Tên mới")])
    after = await app.router.services.fairs.by_key("test-fair")
    assert report.updated == ["test-fair"]
    assert after is not None
    assert (after.id, after.booths, after.title_vi) == (before.id, 5, "Tên mới")


def test_a_bad_row_imports_nothing_of_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = tmp_path / "one.yaml"
    one.write_text(
        SAMPLE_FAIRS.read_text(encoding="utf-8").split("\n  # 2022")[0], encoding="utf-8"
    )
    assert main.main(["fairs", "import", str(one)]) == 0
    bad = SAMPLE_FAIRS.read_text(encoding="utf-8").replace("booths: 120", "booths: -5")
    path = tmp_path / "fairs.yaml"
    path.write_text(bad + "\n  - key: no-title\n    booths: 9\n", encoding="utf-8")
    capsys.readouterr()

    code = main.main(["fairs", "import", str(path)])

    err = capsys.readouterr().err
    assert code == 1
    assert f"{path}: row 7: field booths: -5 is not a whole number" in err
    assert f"{path}: row 11: field title_vi: missing" in err
    assert f"{path}: nothing was imported" in err
    main.main(["fairs", "list"])
    listed = capsys.readouterr().out
    assert "ket-noi-lang-nghe-thuong-tin-2021" in listed  # from the earlier file
    assert "tet-ocop-2027" not in listed and "no-title" not in listed


def test_the_command_line_imports_and_lists(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["fairs", "import", str(SAMPLE_FAIRS)]) == 0
    assert "10 fairs: 10 new, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert main.main(["fairs", "import", str(SAMPLE_FAIRS)]) == 0
    assert "10 fairs: 0 new, 0 updated, 10 unchanged" in capsys.readouterr().out
    assert main.main(["fairs", "list"]) == 0
    out = capsys.readouterr().out
    assert "gom-su-kim-lan-2026" in out and "2026-12-10 08:00" in out
    assert out.index("ket-noi-lang-nghe-thuong-tin-2021") < out.index("tet-ocop-2027")


async def test_cancelling_a_fair_tells_every_live_applicant_once(app: App) -> None:
    fair = await make_fair(app, booths=1)
    lan, held = await _applicant(app, "lan", fair.id)
    mai, waiting = await _applicant(app, "mai", fair.id, language="en")
    gone, withdrawn = await _applicant(app, "gone", fair.id)
    async with app.db.transaction():
        await app.router.services.booths.withdraw(withdrawn.id, withdrawn.account_id)
    assert (held.status, waiting.status) == (BoothStatus.ALLOCATED, BoothStatus.WAITLISTED)

    report = await import_fairs(app.router.services, [fair_fields(status=FairStatus.CANCELLED)])
    await import_fairs(app.router.services, [fair_fields(status=FairStatus.CANCELLED)])

    assert report.cancelled == ["test-fair"]
    [to_lan] = await outbox_rows(app, lan, f"fair:{fair.id}:cancelled")
    [to_mai] = await outbox_rows(app, mai, f"fair:{fair.id}:cancelled")
    assert await outbox_rows(app, gone, f"fair:{fair.id}") == []
    assert "Sở Công Thương đã hủy hội chợ “Hội chợ thử nghiệm”" in to_lan.replies[0].text
    assert "The Department has cancelled the fair “Test fair”" in to_mai.replies[0].text


async def test_a_file_that_schedules_a_cancelled_fair_again_reinstates_it(app: App) -> None:
    fair = await make_fair(app)
    lan, _ = await _applicant(app, "lan", fair.id, language="en")
    await import_fairs(app.router.services, [fair_fields(status=FairStatus.CANCELLED)])

    report = await import_fairs(app.router.services, [fair_fields(status=FairStatus.SCHEDULED)])
    again = await import_fairs(app.router.services, [fair_fields(status=FairStatus.SCHEDULED)])

    assert (report.reinstated, report.moved, again.reinstated) == (["test-fair"], [], [])
    [told] = await outbox_rows(app, lan, f"fair:{fair.id}:reinstated")
    assert "Good news: the fair “Test fair” takes place after all." in told.replies[0].text
    assert len(await outbox_rows(app, lan, f"fair:{fair.id}:")) == 2  # cancelled, reinstated


async def test_changed_dates_are_told_with_old_and_new_times(app: App) -> None:
    fair = await make_fair(app)
    lan, _ = await _applicant(app, "lan", fair.id)
    later = fair.starts_at + timedelta(days=7)

    report = await import_fairs(
        app.router.services, [fair_fields(starts_at=later, ends_at=later + timedelta(days=2))]
    )

    assert report.moved == ["test-fair"]
    [row] = await outbox_rows(app, lan, f"fair:{fair.id}:dates")
    text = row.replies[0].text
    assert "Thứ Hai, 7 tháng 12, 2026" in text and "Thứ Hai, 14 tháng 12, 2026" in text


async def test_more_booths_are_offered_to_the_waiting_list(app: App) -> None:
    fair = await make_fair(app, booths=1)
    await _applicant(app, "lan", fair.id)
    mai, waiting = await _applicant(app, "mai", fair.id)

    await import_fairs(app.router.services, [fair_fields(booths=2)])

    offered = await app.router.services.booths.get(waiting.id)
    assert offered is not None and offered.status is BoothStatus.OFFERED
    [row] = await outbox_rows(app, mai, f"booth:{waiting.id}:offer")
    assert [b.payload for b in row.replies[0].options] == [
        f"booth:{waiting.id}:accept",
        f"booth:{waiting.id}:decline",
    ]


async def test_the_console_demo_loads_samples_into_an_empty_calendar(app: App) -> None:
    notice = await load_samples_if_empty(app.router.services)
    assert notice is not None and "10 sample fairs" in notice
    assert await load_samples_if_empty(app.router.services) is None
    await load_samples(app)  # the same file again changes nothing
    assert await app.router.services.fairs.count() == 10
