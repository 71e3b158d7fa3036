"""Typed button payloads: packed as the strings buttons always carried, parsed back to typed
values, malformed ones refused, and none over Telegram's 64 bytes."""

from __future__ import annotations

import pytest

from handlers.payloads import LIMIT, Payload, Tail


class Snooze(Payload, prefix="tsnz", verb="later"):
    reminder_id: int
    minutes: int


class Page(Payload, prefix="tpg", verb="page"):
    class_id: int
    page: int | None = None


class Filters(Payload, prefix="tpg", verb="list"):
    offset: int
    province: str
    status: str


class Entry(Payload, prefix="tqa"):
    entry_id: Tail


def test_a_payload_packs_to_the_string_buttons_carry_and_parses_back():
    assert Snooze(7, 60).pack() == "tsnz:later:7:60"
    assert Snooze.parse("tsnz:later:7:60") == Snooze(7, 60)
    assert Filters(0, "", "moi").pack() == "tpg:list:0::moi"
    assert Filters.parse("tpg:list:10::") == Filters(10, "", "")


def test_a_missing_last_field_is_none_and_left_out_when_packing():
    assert Page(5).pack() == "tpg:page:5"
    assert Page(5, 0).pack() == "tpg:page:5:0"
    assert Page.parse("tpg:page:5") == Page(5, None)
    assert Page.parse("tpg:page:5:2") == Page(5, 2)


def test_a_tail_keeps_its_colons():
    assert Entry("faq:abc").pack() == "tqa:faq:abc"
    assert Entry.parse("tqa:faq:abc") == Entry("faq:abc")


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "",
        "tsnz",
        "tsnz:later",
        "tsnz:later:7",
        "tsnz:later:7:60:1",
        "tsnz:later:x:60",
        "tsnz:later:-7:60",
        "tsnz:later:²:60",
        "tsnz:later: 7:60",
        "tsnz:later:" + "9" * 25 + ":60",
        "tsnz:later:2147483648:60",
        "tsnz:laterx:7:60",
        "tsnzz:later:7:60",
        "tqa:" + "x" * 70,
    ],
)
def test_malformed_payloads_are_refused(payload: str | None):
    assert Snooze.parse(payload) is None or payload is None
    assert Entry.parse(payload) is None or (payload or "").startswith("tqa:")


def test_malformed_payloads_of_each_kind_are_refused():
    assert Snooze.parse("tsnz:later:x:60") is None
    assert Entry.parse("tqa:" + "x" * 70) is None  # over 64 bytes: no platform sent it
    assert Filters.parse("tpg:list:0:" + "x" * 17 + ":moi") is None  # a word is short


def test_packing_refuses_what_would_not_parse_back_or_not_fit():
    with pytest.raises(ValueError):
        Entry("é" * 40).pack()  # 80 bytes
    with pytest.raises(ValueError):
        Snooze(-1, 60).pack()
    with pytest.raises(ValueError):
        Snooze(2**31, 60).pack()
    with pytest.raises(ValueError):
        Filters(0, "a:b", "").pack()
    assert len(Entry("x" * (LIMIT - 4)).pack().encode()) == LIMIT


def test_a_kind_that_could_not_fit_is_refused_when_defined():
    with pytest.raises(TypeError):

        class TooWide(Payload, prefix="twide", verb="many"):
            a: int
            b: int
            c: int
            d: int
            e: int

    with pytest.raises(TypeError):

        class TailFirst(Payload, prefix="ttail"):
            rest: Tail
            n: int

    with pytest.raises(TypeError):

        class Floaty(Payload, prefix="tfloat"):
            x: float
