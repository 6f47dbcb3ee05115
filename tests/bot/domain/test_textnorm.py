"""Folding Vietnamese text for matching what people type."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.textnorm import fold, tokens

VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Bát Tràng", "bat trang"),
        ("ĐÔNG ANH", "dong anh"),
        ("Xã  Bát Tràng,Hà Nội", "xa bat trang ha noi"),
        ("Q.Hoàn Kiếm", "q hoan kiem"),
        ("Văn Miếu - Quốc Tử Giám", "van mieu quoc tu giam"),
        ("  thuong   tin \n", "thuong tin"),
        ("Ứng Hòa / Ứng Hoà", "ung hoa ung hoa"),
        ("Thuỵ Ứng", "thuy ung"),
        ("số 12_ngõ 5", "so 12 ngo 5"),
        ("", ""),
        ("...", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_decomposed_and_composed_input_fold_alike() -> None:
    composed = "Phường Hà Đông, Làng lụa Vạn Phúc"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert fold(decomposed) == fold(composed) == "phuong ha dong lang lua van phuc"


def test_every_vietnamese_letter_folds_to_ascii() -> None:
    letters = VIETNAMESE + VIETNAMESE.upper()
    for form in ("NFC", "NFD"):
        assert fold(unicodedata.normalize(form, letters)).isascii()


def test_tokens() -> None:
    assert tokens("Thôn Giang Cao, xã Bát Tràng") == ["thon", "giang", "cao", "xa", "bat", "trang"]
    assert tokens(" ,; ") == []


@given(st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + " ,.-/\n0123456789"))
def test_fold_is_idempotent_and_normalisation_blind(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert fold(unicodedata.normalize("NFD", text)) == folded
    assert folded.isascii()
    assert "  " not in folded and folded == folded.strip()
