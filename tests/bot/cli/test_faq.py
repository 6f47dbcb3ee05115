"""`ketnoi questions unanswered` and `ketnoi faq import FILE`, run as the staff run them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import main
from bot.app import App
from bot.core.config import Settings
from storage.faq import FaqRepo
from tests.chat import Chat
from tests.conftest import make_settings
from tests.database import open_test_db


async def ask(settings: Settings, *questions: str) -> None:
    app = App(settings)
    await app.open()
    try:
        chat = Chat(app.router)
        for text in questions:
            await chat.say(text)
    finally:
        await app.close()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("KETNOI_DB_PATH", str(tmp_path / "k.db"))
    return make_settings(tmp_path, db_path=tmp_path / "k.db")


def test_unanswered_questions_most_frequent_first(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(
        ask(settings, "xổ số", "bóng đá", "bong da", "BÓNG ĐÁ!", "ocop la gi", "xo so", "qwe")
    )

    assert main.main(["questions", "unanswered"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["times", "last", "asked", "question", "(the", "latest", "wording)"]
    assert [(line.split()[0], line.split(maxsplit=3)[3]) for line in lines[1:]] == [
        ("3", "BÓNG ĐÁ!"),
        ("2", "xo so"),
        ("1", "qwe"),
    ]


def test_nothing_unanswered(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["questions", "unanswered"]) == 0
    assert capsys.readouterr().out == "No unanswered questions.\n"


def test_faq_import_updates_by_key(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(ask(settings, "/start"))  # the bot's first start loads data/faq.yaml
    path = tmp_path / "faq.yaml"
    path.write_text(
        "faq:\n"
        "  - key: fee\n"
        "    questions: {vi: ['Có mất phí không?'], en: ['Is there a fee?']}\n"
        "    answer: {vi: 'Hoàn toàn miễn phí.', en: 'Free.'}\n"
        "  - key: parking\n"
        "    questions: {vi: ['Gửi xe ở đâu?'], en: ['Where can I park?']}\n"
        "    answer: {vi: 'Có bãi gửi xe cạnh hội chợ.', en: 'Next to the fair.'}\n",
        encoding="utf-8",
    )

    assert main.main(["faq", "import", str(path)]) == 0

    assert capsys.readouterr().out == f"{path}: 2 entries: 1 new, 1 updated\n"

    async def stored() -> tuple[int, str]:
        db = await open_test_db(settings.db_path)
        try:
            repo = FaqRepo(db)
            fee = await repo.get("fee")
            assert fee is not None
            return await repo.count(), fee.answer.vi
        finally:
            await db.close()

    assert asyncio.run(stored()) == (41, "Hoàn toàn miễn phí.")


def test_a_bad_faq_file_imports_nothing(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("faq:\n  - key: fee\n    answer: {vi: 'x', en: 'y'}\n", encoding="utf-8")

    assert main.main(["faq", "import", str(path)]) == 1

    err = capsys.readouterr().err
    assert "entry 1 (fee): questions: Field required" in err
    assert "nothing was imported" in err
