"""Reading free text: folding, shorthand, typos, entities and the intent."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.domain.periods import Period
from bot.domain.places import get_ward
from bot.domain.understand import Matcher, might_ask, normalize
from storage.faq import load_faq_file

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    entries = load_faq_file()
    return Matcher({e.key: {"vi": e.questions.vi, "en": e.questions.en} for e in entries})


def test_diacritics_case_and_composed_or_decomposed_unicode_read_alike() -> None:
    composed = "Hội chợ GỐM khi nào"
    decomposed = "Ho\u0302\u0323i cho\u031b\u0323 GO\u0302\u0301M khi na\u0300o"
    assert normalize(composed) == normalize(decomposed) == normalize("hoi cho gom khi nao")
    assert normalize("Đăng ký") == normalize("dang ky") == normalize("dang ki")


@pytest.mark.parametrize(
    ("typed", "spelled"),
    [
        ("dk the nao", "đăng ký thế nào"),
        ("con gh ko", "còn gian hàng không"),
        ("con gian hang hok", "còn gian hàng không"),
        ("hc o hn", "hội chợ ở Hà Nội"),
        ("sdt so cong thuong", "số điện thoại Sở Công Thương"),
        ("ko co mst", "không có mã số thuế"),
        ("dki ntn", "đăng ký như thế nào"),
    ],
)
def test_shorthand_means_what_it_stands_for(typed: str, spelled: str) -> None:
    assert normalize(typed) == normalize(spelled)


def test_typos_and_glued_words_are_corrected(matcher: Matcher) -> None:
    assert matcher.understand("hoj cho gom khi nao", TODAY).tokens[:1] == ("_fair",)
    assert "_register" in matcher.understand("dangky thamgia", TODAY).tokens
    assert matcher.understand("dia diemm hoi cho gom", TODAY).intent == "fair_where"


@pytest.mark.parametrize(
    ("text", "sectors"),
    [
        ("hội chợ gốm sứ", ("ceramics",)),
        ("hoi cho lua", ("textile_silk",)),
        ("có hội chợ mây tre đan không", ("bamboo_rattan",)),
        ("sơn mài và thêu", ("lacquer", "embroidery")),
        ("is there a silk fair", ("textile_silk",)),
        ("đồ gỗ mỹ nghệ", ("wood",)),
        ("chờ duyệt mất mấy ngày", ()),  # mấy is not mây (rattan)
        ("how do i go back", ()),  # go is not gỗ
    ],
)
def test_sectors(matcher: Matcher, text: str, sectors: tuple[str, ...]) -> None:
    assert matcher.understand(text, TODAY).entities.sectors == sectors


def test_places_by_ward_village_or_old_district(matcher: Matcher) -> None:
    bat_trang = matcher.understand("hội chợ ở Bát Tràng", TODAY).entities.place
    assert bat_trang is not None and bat_trang.name == "Bát Tràng"
    assert [get_ward(c).name for c in bat_trang.wards][:1] == ["Bát Tràng"]  # type: ignore[union-attr]
    village = matcher.understand("lụa vạn phúc", TODAY).entities.place
    assert village is not None and village.name == "Vạn Phúc"
    district = matcher.understand("co hoi cho nao o gia lam khong", TODAY).entities.place
    assert district is not None and district.words == "gia lam"


@pytest.mark.parametrize(
    "text",
    ["thông tin đăng ký của tôi", "có phải đóng tiền không", "còn gian hàng trống không"],
)
def test_words_that_fold_to_a_place_name_are_not_a_place(matcher: Matcher, text: str) -> None:
    # "thông tin" folds near Thường Tín, "đóng tiền" to Đồng Tiến, "hàng trống" to Hàng Trống
    assert matcher.understand(text, TODAY).entities.place is None


def test_a_province_outside_hanoi(matcher: Matcher) -> None:
    reading = matcher.understand("cơ sở ở Bắc Ninh có tham gia được không", TODAY)
    assert reading.entities.province == "Bắc Ninh"
    assert reading.intent == "outside-hanoi"


def test_time_entities(matcher: Matcher) -> None:
    december = Period(start=date(2026, 12, 1), end=date(2026, 12, 31))
    assert matcher.understand("t12 co hc ko", TODAY).entities.period == december
    assert matcher.understand("fairs in December", TODAY).entities.period == december


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hội chợ gốm diễn ra hôm nào", "fair_when"),
        ("hoi cho lua to chuc tai dau", "fair_where"),
        ("con gian trong ko", "fair_booths"),
        ("co hoi cho nao thang 1 ko", "fairs"),
        ("mình muốn đăng kí tham gia", "register"),
        ("gian hàng của tôi", "my_booths"),
        ("tắt thông báo giúp tôi", "reminders_off"),
        ("where is the silk fair", "fair_where"),
        ("how much is a booth", "fee"),
        ("chào bạn", "greeting"),
        ("cam on ad", "thanks"),
        ("ocop là gì vậy", "ocop"),
    ],
)
def test_intents(matcher: Matcher, text: str, intent: str) -> None:
    reading = matcher.understand(text, TODAY)
    assert reading.status == "sure", reading.candidates
    assert reading.intent == intent


def test_unsure_offers_the_three_most_likely(matcher: Matcher) -> None:
    reading = matcher.understand("gian hang", TODAY)
    assert reading.status == "unsure"
    assert reading.intent is None
    assert len(reading.candidates) == 3
    assert len({c.intent for c in reading.candidates}) == 3


@pytest.mark.parametrize("text", ["asdfgh qwerty", "xyz 123", "bitcoin", "🙂"])
def test_nonsense_matches_nothing(matcher: Matcher, text: str) -> None:
    assert matcher.understand(text, TODAY).status == "none"


def test_language_of_the_message(matcher: Matcher) -> None:
    assert matcher.understand("when is the next fair", TODAY).language == "en"
    assert matcher.understand("con gian hang ko", TODAY).language == "vi"
    assert matcher.understand("còn gian không", TODAY).language == "vi"


def _question_set() -> list[str]:
    here = Path(__file__).resolve().parents[2] / "data"
    lines = [*(here / "questions.tsv").read_text().splitlines()]
    lines += (here / "questions_fresh.tsv").read_text().splitlines()
    return [line.split("\t")[0] for line in lines if line and not line.startswith("#")]


def test_the_quick_look_never_misses_what_the_full_reading_calls_a_question(
    matcher: Matcher,
) -> None:
    """Typed at a step, a text goes to the full reading only when `might_ask` says it may be a
    question: it must say so for every question of the evaluation sets, every FAQ phrasing, and
    the greetings and misspellings people type."""
    texts = _question_set() + [q for e in load_faq_file() for q in e.all_questions()]
    texts += ["chao em, hom qua chi dang ky do dang", "hoi cho gom khj nao", "khinao mo cua"]
    texts += ["gian hang con k", "bao gjo het han", "odau vay"]
    missed = [
        t
        for t in texts
        if (matcher.understand(t, TODAY).asks or matcher.understand(t, TODAY).greets)
        and not might_ask(t)
    ]
    assert missed == []
    assert sum(might_ask(t) for t in texts) > len(texts) // 2


@pytest.mark.parametrize(
    "answer",
    [
        "Cơ sở gốm Minh Hải 12",
        "Nguyễn Thị Lan",
        "bat trang",
        "Số 12, thôn 3",
        "Khăn lụa, vải tơ tằm",
    ],
)
def test_answers_typed_at_a_step_skip_the_full_reading(answer: str) -> None:
    assert not might_ask(answer)
