"""Fair files: YAML and CSV in DESIGN.md's format, and precise errors for bad rows."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.services.fair_files import FIELDS, FairFileError, read_fair_file
from bot.services.fair_import import SAMPLE_FAIRS
from storage.fairs import FairStatus
from tests.fair_data import HANOI

YAML_FAIR = """\
fairs:
  - key: gom-su-kim-lan-2026
    title: {vi: "Kết nối … ngành gốm sứ 2026", en: "Network connection … ceramics 2026"}
    sectors: [ceramics]
    starts_at: 2026-12-10 08:00        # local time, unquoted as in DESIGN.md
    ends_at: 2026-12-14 21:00
    venue: {name: "Bảo tàng Gốm sứ Kim Lan", address: "xã Bát Tràng, Hà Nội",
            latitude: 20.977, longitude: 105.915}
    booths: 80
    apply_by: 2026-12-01
    description: {vi: "…", en: "…"}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _csv(tmp_path: Path, rows: list[dict[str, str]], name: str = "fairs.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _row(**values: str) -> dict[str, str]:
    row = {
        "key": "lua-van-phuc-2027",
        "title_vi": "Ngày hội lụa Vạn Phúc 2027",
        "title_en": "Vạn Phúc silk fair 2027",
        "sectors": "textile_silk;embroidery",
        "starts_at": "2027-03-05 08:00",
        "ends_at": "2027-03-08 21:00",
        "venue_name": "Làng lụa Vạn Phúc",
        "venue_address": "phố Vạn Phúc, phường Hà Đông, Hà Nội",
        "venue_latitude": "20.9805",
        "venue_longitude": "105.7760",
        "booths": "40",
        "apply_by": "2027-02-22",
        "max_booths_per_applicant": "",
        "description_vi": "Lụa, áo dài",
        "description_en": "Silk, áo dài",
        "status": "",
    }
    row.update(values)
    return row


def test_the_sample_calendar_reads_with_local_times() -> None:
    fairs = read_fair_file(SAMPLE_FAIRS, HANOI)
    assert len(fairs) == 10
    kim_lan = next(f for f in fairs if f.key == "gom-su-kim-lan-2024")
    assert kim_lan.booths == 80
    assert kim_lan.starts_at == datetime(2024, 9, 5, 19, 0, tzinfo=HANOI)
    tet = next(f for f in fairs if f.key == "tet-ocop-2027")
    assert tet.max_booths == 1 and tet.sectors == ["food", "herbal"]
    assert next(f for f in fairs if f.key == "gom-su-kim-lan-2026").max_booths == 2


def test_unquoted_yaml_dates_as_in_design_md(tmp_path: Path) -> None:
    [fair] = read_fair_file(_write(tmp_path, "f.yaml", YAML_FAIR), HANOI)
    assert fair.starts_at == datetime(2026, 12, 10, 8, 0, tzinfo=HANOI)
    assert fair.apply_by == date(2026, 12, 1)
    assert fair.title_en == "Network connection … ceramics 2026"
    assert (fair.venue_latitude, fair.venue_longitude) == (20.977, 105.915)
    assert fair.status is FairStatus.SCHEDULED


def test_csv_with_the_flattened_fields(tmp_path: Path) -> None:
    path = _csv(tmp_path, [_row(), _row(key="other-2027", max_booths_per_applicant="3")])
    first, second = read_fair_file(path, HANOI)
    assert first.sectors == ["textile_silk", "embroidery"]
    assert first.ends_at == datetime(2027, 3, 8, 21, 0, tzinfo=HANOI)
    assert (first.max_booths, second.max_booths) == (2, 3)


def test_a_csv_saved_with_semicolons_reads_the_same(tmp_path: Path) -> None:
    comma = read_fair_file(_csv(tmp_path, [_row()]), HANOI)
    lines = [";".join(f'"{v}"' for v in _row().values())]
    header = ";".join(_row())
    path = _write(tmp_path, "semi.csv", header + "\n" + "\n".join(lines) + "\n")
    assert read_fair_file(path, HANOI) == comma


def test_every_bad_field_is_reported_with_file_row_and_field(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        [
            _row(),
            _row(key="Bad Key", booths="nhiều", sectors="ceramics;pottery"),
            _row(key="late", starts_at="2027-03-05", apply_by="2027-03-09"),
            _row(key="lua-van-phuc-2027", ends_at="2027-03-01 08:00"),
        ],
    )
    with pytest.raises(FairFileError) as error:
        read_fair_file(path, HANOI)
    problems = error.value.problems
    assert f"{path}: row 3: field key: 'Bad Key' is not a key" in "\n".join(problems)
    assert any(
        p.startswith(f"{path}: row 3: field booths: nhiều is not a whole number") for p in problems
    )
    assert any(
        p.startswith(f"{path}: row 3: field sectors: unknown sector pottery") for p in problems
    )
    assert any(p.startswith(f"{path}: row 4: field starts_at: 2027-03-05 is not") for p in problems)
    assert f"{path}: row 5: field ends_at: must be after starts_at" in problems


def test_yaml_rows_are_counted_from_the_first_fair(tmp_path: Path) -> None:
    text = YAML_FAIR + YAML_FAIR.split("\n", 1)[1].replace("gom-su-kim-lan-2026", "x").replace(
        "latitude: 20.977", "latitude: 200"
    )
    with pytest.raises(FairFileError) as error:
        read_fair_file(_write(tmp_path, "f.yaml", text), HANOI)
    [problem] = error.value.problems
    assert problem.startswith(f"{tmp_path / 'f.yaml'}: row 2: field venue_latitude: 200")


def test_missing_and_unknown_fields_and_duplicate_keys(tmp_path: Path) -> None:
    row = _row(title_vi="")
    row["boths"] = "40"
    path = _csv(tmp_path, [row, _row(), _row()])
    with pytest.raises(FairFileError) as error:
        read_fair_file(path, HANOI)
    text = "\n".join(error.value.problems)
    assert f"{path}: row 2: field title_vi: missing" in text
    assert f"{path}: row 2: field boths: unknown field" in text
    assert f"{path}: row 4: field key: 'lua-van-phuc-2027' is also used in row 3" in text


def test_files_that_are_not_fair_files(tmp_path: Path) -> None:
    for name, text, expected in [
        ("a.yaml", "fairs: [\n", "not valid YAML"),
        ("b.yaml", "events: []\n", "expected a list under 'fairs:'"),
        ("c.txt", "key\n", "expected a .yaml, .yml or .csv file"),
        ("d.csv", ",".join(FIELDS) + "\n", "no fairs in the file"),
    ]:
        with pytest.raises(FairFileError, match=expected):
            read_fair_file(_write(tmp_path, name, text), HANOI)
    with pytest.raises(FairFileError, match="cannot read"):
        read_fair_file(tmp_path / "missing.yaml", HANOI)
