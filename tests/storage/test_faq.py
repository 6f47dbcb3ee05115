"""FAQ entries: the file is checked, the table is seeded once, imports update by key."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.faq import DATA_PATH, FaqError, FaqRepo, load_faq_file
from tests.database import open_test_db

ENTRY = """
  - key: {key}
    questions:
      vi: ["{vi}"]
      en: ["{en}"]
    answer:
      vi: "{answer}"
      en: "English answer"
"""


def faq_file(tmp_path: Path, *entries: dict[str, str], name: str = "faq.yaml") -> Path:
    path = tmp_path / name
    path.write_text("faq:" + "".join(ENTRY.format(**e) for e in entries), encoding="utf-8")
    return path


def entry(key: str, answer: str = "Trả lời") -> dict[str, str]:
    return {"key": key, "vi": f"Câu hỏi {key}?", "en": f"Question {key}?", "answer": answer}


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[FaqRepo]:
    db = await open_test_db(tmp_path / "k.db")
    yield FaqRepo(db)
    await db.close()


def test_the_shipped_faq_has_at_least_25_entries_in_both_languages() -> None:
    entries = load_faq_file(DATA_PATH)
    assert len(entries) >= 25
    assert all(e.questions.vi and e.questions.en and e.answer.vi and e.answer.en for e in entries)


def test_the_shipped_answers_name_commands_that_exist() -> None:
    commands = {"/dang_ky", "/hoi_cho", "/gian_hang", "/nhac_lich", "/ho_so", "/ngon_ngu",
                "/huy", "/menu", "/register", "/fairs", "/booths", "/reminders", "/profile",
                "/language", "/cancel", "/dung", "/stop"}  # fmt: skip
    for e in load_faq_file(DATA_PATH):
        for answer in (e.answer.vi, e.answer.en):
            named = {f"/{name}" for name in re.findall(r"(?<!\w)/([a-z_]+)", answer)}
            assert named <= commands, (e.key, named - commands)


async def test_seeded_once_from_the_file_then_left_alone(repo: FaqRepo) -> None:
    assert await repo.seed() == len(load_faq_file(DATA_PATH))
    assert await repo.seed() == 0
    first = (await repo.all())[0]
    assert first.key == load_faq_file(DATA_PATH)[0].key


async def test_import_updates_by_key_and_adds_new_ones(repo: FaqRepo, tmp_path: Path) -> None:
    await repo.upsert(load_faq_file(faq_file(tmp_path, entry("a", "Cũ"), entry("b"))))
    again = load_faq_file(faq_file(tmp_path, entry("a", "Mới"), entry("c"), name="new.yaml"))

    assert await repo.upsert(again) == (1, 1, 0)

    a = await repo.get("a")
    assert a is not None and a.answer_in("vi") == "Mới"
    assert [e.key for e in await repo.all()] == ["a", "b", "c"]


async def test_import_with_replace_drops_the_others(repo: FaqRepo, tmp_path: Path) -> None:
    await repo.upsert(load_faq_file(faq_file(tmp_path, entry("a"), entry("b"))))
    only_b = load_faq_file(faq_file(tmp_path, entry("b"), name="b.yaml"))
    assert await repo.upsert(only_b, replace=True) == (0, 1, 1)
    assert [e.key for e in await repo.all()] == ["b"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("faq: []", "expected a top-level 'faq:' list"),
        ("faq:\n  - key: Bad Key\n", "entry 1 (Bad Key): key"),
        (
            "faq:\n  - key: x\n    questions: {vi: [a], en: [b]}\n    answer: {vi: c}\n",
            "entry 1 (x): answer.en: Field required",
        ),
        ("faq: [", "cannot read"),
    ],
)
def test_a_bad_file_names_the_entry_and_the_field(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FaqError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_faq_file(path)


def test_the_same_key_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FaqError, match="key 'a' appears twice"):
        load_faq_file(faq_file(tmp_path, entry("a"), entry("a")))
