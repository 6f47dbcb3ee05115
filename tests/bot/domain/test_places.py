"""Hanoi's wards and communes after the 2025 reorganisation, and matching what producers type."""

from __future__ import annotations

import unicodedata

import pytest

from bot.domain.places import (
    Ward,
    get_ward,
    match_province,
    match_ward,
    provinces,
    sure_ward,
    wards,
)
from bot.domain.textnorm import fold

OLD_DISTRICTS = {
    # 12 quận, 1 thị xã and 17 huyện until 30 June 2025
    *("Ba Đình", "Hoàn Kiếm", "Tây Hồ", "Long Biên", "Cầu Giấy", "Đống Đa", "Hai Bà Trưng"),
    *("Hoàng Mai", "Thanh Xuân", "Nam Từ Liêm", "Bắc Từ Liêm", "Hà Đông", "Sơn Tây", "Ba Vì"),
    *("Chương Mỹ", "Đan Phượng", "Đông Anh", "Gia Lâm", "Hoài Đức", "Mê Linh", "Mỹ Đức"),
    *("Phú Xuyên", "Phúc Thọ", "Quốc Oai", "Sóc Sơn", "Thạch Thất", "Thanh Oai", "Thanh Trì"),
    *("Thường Tín", "Ứng Hòa"),
}


def names(text: str) -> list[str]:
    return [m.ward.name for m in match_ward(text)]


def test_hanoi_has_51_phuong_and_75_xa() -> None:
    kinds = [w.kind for w in wards()]
    assert len(kinds) == 126
    assert kinds.count("phuong") == 51
    assert kinds.count("xa") == 75


def test_names_and_codes_are_unique_even_without_diacritics() -> None:
    assert len({fold(w.name) for w in wards()}) == 126
    assert len({w.code for w in wards()}) == 126
    assert all(len(w.code) == 5 and w.code.isdigit() for w in wards())


def test_every_ward_comes_from_old_districts_and_every_district_is_covered() -> None:
    used = {d for w in wards() for d in w.former_districts}
    assert used == OLD_DISTRICTS
    assert all(w.former_districts for w in wards())


def test_names_are_composed_unicode() -> None:
    for w in wards():
        for name in (w.name, *w.former_districts, *w.aliases, *w.villages, *w.partly):
            assert unicodedata.is_normalized("NFC", name), name


def test_get_ward_by_code() -> None:
    ward = get_ward("00577")
    assert ward is not None and ward.name == "Bát Tràng" and ward.kind == "xa"
    assert ward.former_districts == ("Gia Lâm",)
    assert get_ward("99999") is None


@pytest.mark.parametrize("ward", wards(), ids=lambda w: w.code)
def test_every_ward_is_found_first_by_its_name_typed_any_way(ward: Ward) -> None:
    prefix = "phường" if ward.kind == "phuong" else "xã"
    for text in (ward.name, fold(ward.name), f"{prefix} {ward.name}", ward.name.upper()):
        first = match_ward(text)[0]
        assert (first.ward, first.matched_on, first.score) == (ward, "name", 100.0), text


@pytest.mark.parametrize(
    "text", ["bat trang", "Bat Trang", "xã Bát Tràng", "Bat Tranh", "battrang"]
)
def test_bat_trang_with_and_without_diacritics_and_typos(text: str) -> None:
    assert names(text)[0] == "Bát Tràng"


def test_decomposed_unicode_matches_like_composed() -> None:
    composed = "Làng gốm Bát Tràng"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert match_ward(decomposed) == match_ward(composed)
    assert names(unicodedata.normalize("NFD", "Vạn Phúc")) == names("Vạn Phúc")


@pytest.mark.parametrize("text", ["Vạn Phúc", "van phuc", "làng lụa Vạn Phúc"])
def test_van_phuc_silk_village_is_in_ha_dong(text: str) -> None:
    first = match_ward(text)[0]
    assert first.ward.name == "Hà Đông"
    assert (first.matched_on, first.matched) == ("alias", "Vạn Phúc")


def test_the_exact_spelling_typed_wins_over_a_homonym_without_diacritics() -> None:
    # "Vân Phúc" (Phúc Thọ) folds like "Vạn Phúc" (Hà Đông, Thanh Trì).
    assert names("Vân Phúc")[0] == "Phúc Lộc"
    assert "Phúc Lộc" in names("van phuc")


@pytest.mark.parametrize(
    ("text", "ward"),
    [
        ("Kim Lan", "Bát Tràng"),  # merged into Kim Đức in 2025, then into Bát Tràng
        ("thôn Giang Cao", "Bát Tràng"),
        ("Quảng Phú Cầu", "Ứng Thiên"),  # incense
        ("lang Chuong", "Thanh Oai"),  # conical hats, Phương Trung
        ("Phương Trung", "Thanh Oai"),
        ("Phú Vinh", "Phú Nghĩa"),  # rattan
        ("Chàng Sơn", "Tây Phương"),
        ("son dong", "Sơn Đồng"),
        ("Quất Động", "Thượng Phúc"),  # embroidery
        ("thuy ung", "Thường Tín"),  # horn
        ("Hạ Thái", "Hồng Vân"),  # lacquer
        ("Chuôn Ngọ", "Chuyên Mỹ"),  # mother-of-pearl inlay
        ("Đa Sỹ", "Kiến Hưng"),
        ("Kiêu Kỵ", "Gia Lâm"),
        ("Ninh Hiệp", "Phù Đổng"),
        ("Quan Hoa", "Nghĩa Đô"),  # begins like "quận"
        ("phường Láng", "Láng"),
        ("Trâu Quỳ", "Gia Lâm"),
        ("Yên Viên", "Phù Đổng"),
    ],
)
def test_old_communes_and_craft_villages_lead_to_the_ward_that_took_them(
    text: str, ward: str
) -> None:
    first = match_ward(text)[0]
    assert first.ward.name == ward
    assert first.matched_on in ("alias", "name")


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("thuong tin", "Thường Tín"),
        ("Thường Tín", "Thường Tín"),
        ("Q. Hoàn Kiếm", "Hoàn Kiếm"),
        ("huyen gia lam", "Gia Lâm"),
        ("quận Bắc Từ Liêm", "Bắc Từ Liêm"),
        ("thi xa son tay", "Sơn Tây"),
    ],
)
def test_an_old_district_gives_a_few_of_its_wards(text: str, district: str) -> None:
    matches = match_ward(text)
    assert len(matches) == 3
    assert all(district in m.ward.former_districts for m in matches)
    assert any(m.matched_on == "district" and m.matched == district for m in matches)


def test_an_old_district_without_a_ward_of_its_name_gives_only_its_wards() -> None:
    matches = match_ward("bac tu liem")
    assert [m.matched_on for m in matches] == ["district"] * 3
    assert "Từ Liêm" not in [m.ward.name for m in matches]  # a ward of Nam Từ Liêm


def test_a_ward_named_after_its_old_district_comes_first() -> None:
    matches = match_ward("thuong tin")
    assert (matches[0].ward.name, matches[0].matched_on) == ("Thường Tín", "name")


def test_a_full_address_picks_the_commune() -> None:
    assert names("thôn Giang Cao, xã Bát Tràng, huyện Gia Lâm, Hà Nội")[0] == "Bát Tràng"
    assert names("Bát Tràng, Gia Lâm")[0] == "Bát Tràng"
    assert names("số 5 ngõ 12 Trần Hưng Đạo, Hà Nội")[0] == "Cửa Nam"


@pytest.mark.parametrize("text", ["xyz abc", "", "   ", "Hà Nội", "hn", "phu", "tp hcm", "12345"])
def test_unrelated_text_matches_nothing(text: str) -> None:
    assert match_ward(text) == []


def test_matches_are_few_sorted_and_bounded() -> None:
    matches = match_ward("tam hiep", limit=2)
    assert len(matches) == 2
    assert {m.ward.name for m in match_ward("tam hiep")} >= {"Đại Thanh", "Hát Môn"}
    scores = [m.score for m in match_ward("Bat Tranh gia lam")]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 100 for s in scores)
    assert match_ward("bat trang", limit=0) == []


def test_34_provinces_after_june_2025() -> None:
    all_provinces = provinces()
    assert len(all_provinces) == 34
    assert len({fold(p.name) for p in all_provinces}) == 34
    assert [p.name for p in all_provinces if p.kind == "thanh_pho"] == [
        *("Hà Nội", "Huế", "Hải Phòng", "Đà Nẵng", "Hồ Chí Minh", "Cần Thơ"),
    ]
    merged = [old for p in all_provinces for old in p.merged_from]
    assert len(merged) == len(set(merged)) == 63 - 34


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("bac ninh", "Bắc Ninh"),
        ("Tỉnh Bắc Ninh", "Bắc Ninh"),
        ("Bắc Giang", "Bắc Ninh"),  # merged in 2025
        ("tp hcm", "Hồ Chí Minh"),
        ("TP.HCM", "Hồ Chí Minh"),
        ("Hồ Chí Minh", "Hồ Chí Minh"),
        ("Sài Gòn", "Hồ Chí Minh"),
        ("Bình Dương", "Hồ Chí Minh"),
        ("Thừa Thiên Huế", "Huế"),
        ("daklak", "Đắk Lắk"),
        ("nam dinh", "Ninh Bình"),
        ("Hải Dương", "Hải Phòng"),
        ("ha noi", "Hà Nội"),
    ],
)
def test_provinces_outside_hanoi(text: str, province: str) -> None:
    assert match_province(text)[0].name == province


def test_unrelated_text_is_no_province() -> None:
    assert match_province("xyz abc") == []
    assert match_province("") == []


@pytest.mark.parametrize(
    ("typed", "ward"),
    [
        ("bat trang", "Bát Tràng"),  # the only current ward of that name
        ("Xã Bát Tràng, Hà Nội", "Bát Tràng"),
        ("Sơn Đồng", "Sơn Đồng"),  # with its marks: not the old commune Sơn Đông
        ("van phuc ha dong", "Hà Đông"),  # the Vạn Phúc that is in Hà Đông
        ("Vạn Phúc, Hà Đông", "Hà Đông"),
        ("van phuc thanh tri", "Nam Phù"),  # the other Vạn Phúc
    ],
)
def test_a_ward_that_needs_no_pick(typed: str, ward: str) -> None:
    sure = sure_ward(typed, match_ward(typed, limit=4))
    assert sure is not None and sure.ward.name == ward


@pytest.mark.parametrize("typed", ["van phuc", "son dong", "phu vinh", "bat trng", "gia lam xyz"])
def test_a_ward_name_several_places_share_is_offered_to_pick(typed: str) -> None:
    assert sure_ward(typed, match_ward(typed, limit=4)) is None
