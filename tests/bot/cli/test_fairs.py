"""`ketnoi fairs qr`: a poster of a fair's Telegram link; check-in tokens and their key."""

from __future__ import annotations

from pathlib import Path

import pytest
import segno
from matplotlib import image

import main
from bot.services.checkin import checkin_key, sign, verify
from bot.services.fair_import import SAMPLE_FAIRS
from storage.signing_keys import SigningKeyRepo
from tests.conftest import make_settings
from tests.database import open_test_db


def test_the_qr_poster_of_a_fair(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["fairs", "import", str(SAMPLE_FAIRS)]) == 0
    target = tmp_path / "poster.png"

    code = main.main(["fairs", "qr", "gom-su-kim-lan-2026", "-o", str(target), "--bot", "@hn_bot"])

    assert code == 0
    assert "https://t.me/hn_bot?start=fair_gom-su-kim-lan-2026" in capsys.readouterr().out
    pixels = image.imread(target)
    height, width = pixels.shape[:2]
    assert height > width > 1000  # an A5 portrait page, printable


def test_the_link_fits_a_small_qr_code() -> None:
    link = "https://t.me/ketnoi_hanoi_bot?start=fair_ket-noi-lang-nghe-thuong-tin-2021"
    assert segno.make(link, error="q").version <= 6


def test_qr_of_an_unknown_fair(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["fairs", "qr", "nope", "-o", str(tmp_path / "x.png")]) == 1
    assert "no fair with key 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_tokens_are_signed_and_checked() -> None:
    key = b"k" * 32
    token = sign(key, 42)
    assert token.startswith("KN1.42.")
    assert verify(key, token) == 42
    assert verify(key, f" {token}\n") == 42
    assert verify(b"other" * 8, token) is None
    assert verify(key, token.replace("KN1.42.", "KN1.43.")) is None
    for broken in ("", "KN1.42", "KN2" + token[3:], token + "x", "KN1.x." + token.split(".")[2]):
        assert verify(key, broken) is None


async def test_the_key_is_generated_once_unless_configured(tmp_path: Path) -> None:
    db = await open_test_db(tmp_path / "k.db")
    try:
        keys = SigningKeyRepo(db)
        settings = make_settings(tmp_path)
        first = await checkin_key(settings, keys)
        assert len(first) == 32 and await checkin_key(settings, keys) == first
        configured = make_settings(tmp_path, checkin_secret="a long shared secret")
        assert await checkin_key(configured, keys) == b"a long shared secret"
    finally:
        await db.close()
