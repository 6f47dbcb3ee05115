"""Typed button payloads: packed within Telegram's 64 bytes, read back with every field checked,
and the only way the bot's code makes a button's payload."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import pytest

from bot.app import App
from bot.core.payloads import (
    ID_MAX,
    BoothAction,
    FairAction,
    Feedback,
    Id,
    MenuEntry,
    OneOf,
    Page,
    Pattern,
    Payload,
    PayloadError,
    PayloadTable,
    PayloadTooLong,
    Range,
)

ROOT = Path(__file__).resolve().parents[3]


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True, slots=True)
class Sample(Payload, prefix="sample"):
    item: Id
    colour: Colour
    size: Annotated[int, Range(1, 5)]
    flag: bool
    name: Annotated[str, Pattern(r"[a-z]{1,10}")]
    kind: Annotated[str, OneOf({"x", "y"})]
    page: Page | None


@dataclass(frozen=True, slots=True)
class SampleList(Payload, prefix="sample:list"):
    pass


@dataclass(frozen=True, slots=True)
class SampleTwo(Payload, prefix="sample"):
    item: Id
    action: Literal["show", "hide"]


@dataclass(frozen=True, slots=True)
class Said(Payload, prefix="said"):
    text: Annotated[str, Pattern(r"[^:]{1,40}")]


def table(*classes: type[Payload]) -> PayloadTable:
    found = PayloadTable()
    for cls in classes:
        found.add(cls)
    return found


def test_a_payload_packs_to_its_prefix_and_fields_and_reads_back() -> None:
    value = Sample(12, Colour.BLUE, 3, True, "lan", "y", None)
    assert value.pack() == "sample:12:blue:3:1:lan:y:-"
    assert Sample.parse(value.pack()) == value
    assert Sample.parse("sample:12:blue:3:0:lan:y:7") == Sample(
        12, Colour.BLUE, 3, False, "lan", "y", 7
    )
    assert isinstance(Sample.parse(value.pack()).colour, Colour)
    button = BoothAction(5, "qr").button("Mã QR")
    assert (button.label, button.payload) == ("Mã QR", "booth:5:qr")


def test_the_longest_prefix_wins_and_a_prefix_may_have_two_widths() -> None:
    known = table(Sample, SampleList, SampleTwo)
    assert known.parse("sample:list") == SampleList()
    assert known.parse("sample:9:hide") == SampleTwo(9, "hide")
    assert known.parse("sample:1:red:1:0:a:x:-") == Sample(1, Colour.RED, 1, False, "a", "x", None)
    with pytest.raises(PayloadError):
        known.parse("sample:list:extra")  # not taken for a shorter prefix
    with pytest.raises(ValueError, match="declared twice"):
        known.add(SampleTwo)


@pytest.mark.parametrize(
    "data",
    [
        "booth:99999999999999999999:show",  # past SQLite's 63 bits
        f"booth:{ID_MAX + 1}:show",
        "booth:" + "9" * 5000 + ":show",
        "booth:-1:show",
        "booth:0:show",
        "booth:007:show",  # not as we write numbers
        "booth:1_000:show",  # int() would take it
        "booth:١٢:show",  # so would Arabic-Indic digits
        "booth: 12:show",
        "booth:12",
        "booth:12:show:again",
        "booth:12:eat",
        "booth",
        "fair:Gom Su:card",
        "fair::card",
        "fb:7:v:a_thousand",
        "menu:casino",
        "nonsense::42:",
        "",
        ":",
        "menu:fairs" + " " * 60,  # past 64 bytes
    ],
)
def test_a_malformed_or_out_of_range_payload_is_refused(data: str) -> None:
    known = table(BoothAction, FairAction, Feedback, MenuEntry)
    with pytest.raises(PayloadError):
        known.parse(data)


def test_the_largest_id_is_read() -> None:
    assert BoothAction.parse(f"booth:{ID_MAX}:show") == BoothAction(ID_MAX, "show")


def test_a_payload_past_64_bytes_or_out_of_range_cannot_be_built() -> None:
    with pytest.raises(PayloadTooLong):
        FairAction("a" * 51, "unfollow").pack()  # 65 bytes
    longest_key = "a" * 48  # bot/services/fair_files.py's MAX_KEY
    assert len(FairAction(longest_key, "unfollow").pack()) == 62
    assert len(Said("ố" * 19).pack().encode()) == 5 + 19 * 3
    with pytest.raises(PayloadTooLong):
        Said("ố" * 20).pack()  # 20 characters, 60 bytes in UTF-8
    for wrong in (
        BoothAction(0, "show"),
        BoothAction(ID_MAX + 1, "show"),
        BoothAction(1, "eat"),  # type: ignore[arg-type]
        FairAction("Gốm sứ", "card"),
        FairAction("a:b", "card"),
        Sample(1, "green", 1, True, "a", "x", None),  # type: ignore[arg-type]
        Sample(1, Colour.RED, 6, True, "a", "x", None),
        Sample(1, Colour.RED, 1, True, "a", "z", None),
    ):
        with pytest.raises(ValueError):
            wrong.pack()


def test_a_declaration_payloads_cannot_carry_fails_when_the_router_learns_it() -> None:
    @dataclass(frozen=True, slots=True)
    class Loose(Payload, prefix="loose"):
        text: str  # no Pattern: ':' or anything would do

    @dataclass(frozen=True, slots=True)
    class Floaty(Payload, prefix="floaty"):
        amount: float

    for cls in (Loose, Floaty):
        with pytest.raises(TypeError):
            PayloadTable().add(cls)
    with pytest.raises(ValueError, match="not a payload prefix"):

        class _Bad(Payload, prefix="Bad:Prefix"):
            pass


async def test_every_payload_class_the_bot_knows_is_declared_well(app: App) -> None:
    classes = list(app.router.buttons)
    assert len(classes) >= 50  # every button of the bot
    assert all(cls.prefix.split(":")[0] for cls in classes)
    assert {cls.__name__ for cls in classes} >= {"BoothAction", "Feedback", "SetRole", "Filtered"}


def _literal_payloads(path: Path) -> list[str]:
    """`Button(…, payload="…")` or an f-string payload: made by hand, not by a payload class."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Button"):
            continue
        given = [k.value for k in node.keywords if k.arg == "payload"] + node.args[1:2]
        for value in given:
            if isinstance(value, ast.Constant | ast.JoinedStr | ast.BinOp) or (
                isinstance(value, ast.Call) and getattr(value.func, "attr", None) == "format"
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_button_payload_is_written_by_hand() -> None:
    files = [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]
    assert len(files) > 40
    assert [hit for path in files for hit in _literal_payloads(path)] == []
