"""Vietnamese date-time parsing: absolute, relative, weekdays, durations, look-alike words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from messages.textnorm import fold
from messages.vi_datetime import ParsedTime, format_vi, is_past, parse_vi_datetime

TZ = "Asia/Ho_Chi_Minh"
VN = ZoneInfo(TZ)
WED = datetime(2026, 11, 25, 10, 0, tzinfo=VN)  # Wednesday
SUN = datetime(2026, 11, 29, 10, 0, tzinfo=VN)  # Sunday

Local = tuple[int, int, int, int, int]


def local(parsed: ParsedTime) -> Local:
    here = parsed.when.astimezone(VN)
    return (here.year, here.month, here.day, here.hour, here.minute)


def parse(text: str, now: datetime = WED) -> ParsedTime:
    parsed = parse_vi_datetime(text, now, TZ)
    assert parsed is not None, text
    return parsed


# (text, expected local time, explicit_time) with now = Wednesday 25/11/2026 10:00.
WEDNESDAY_CASES: list[tuple[str, Local, bool]] = [
    # day and month, with and without year, in any order with the time
    ("8h 5/12", (2026, 12, 5, 8, 0), True),
    ("08:00 05/12/2026", (2026, 12, 5, 8, 0), True),
    ("5/12 8h", (2026, 12, 5, 8, 0), True),
    ("8h30 5/12", (2026, 12, 5, 8, 30), True),
    ("ngày 5 tháng 12", (2026, 12, 5, 8, 0), False),
    ("ngay 5 thang 12 nam 2027", (2027, 12, 5, 8, 0), False),
    ("ngày 5/12 lúc 14h", (2026, 12, 5, 14, 0), True),
    ("05-12-2026", (2026, 12, 5, 8, 0), False),
    ("5.12.2026", (2026, 12, 5, 8, 0), False),
    ("5/12/26 7:15", (2026, 12, 5, 7, 15), True),
    ("1/1", (2027, 1, 1, 8, 0), False),  # the nearest 1/1 is the coming one
    ("20/5", (2027, 5, 20, 8, 0), False),  # 176 days ahead rather than 189 behind
    ("ngày 29/2", (2028, 2, 29, 8, 0), False),  # next year that has it
    ("ngày 5", (2026, 12, 5, 8, 0), False),  # 5th of this month passed → next month
    ("mùng 28", (2026, 11, 28, 8, 0), False),
    # clock time only: today if still ahead, else tomorrow
    ("8g30", (2026, 11, 26, 8, 30), True),
    ("8 giờ 30", (2026, 11, 26, 8, 30), True),
    ("8 gio 30 phut", (2026, 11, 26, 8, 30), True),
    ("8:30", (2026, 11, 26, 8, 30), True),
    ("14h", (2026, 11, 25, 14, 0), True),
    ("10h", (2026, 11, 26, 10, 0), True),  # exactly now is not ahead
    ("2 giờ chiều", (2026, 11, 25, 14, 0), True),
    ("2h chiều", (2026, 11, 25, 14, 0), True),
    ("2H CHIEU", (2026, 11, 25, 14, 0), True),
    ("7h sáng", (2026, 11, 26, 7, 0), True),
    ("8 giờ tối", (2026, 11, 25, 20, 0), True),
    ("8h toi", (2026, 11, 25, 20, 0), True),
    ("12h trưa", (2026, 11, 25, 12, 0), True),
    ("1h trưa", (2026, 11, 25, 13, 0), True),
    ("12h đêm", (2026, 11, 26, 0, 0), True),
    ("9 giờ rưỡi", (2026, 11, 26, 9, 30), True),
    ("8 rưỡi sáng mai", (2026, 11, 26, 8, 30), True),  # the hour's word left out, as said
    ("12 rưỡi trưa mai", (2026, 11, 26, 12, 30), True),
    ("nửa đêm nay", (2026, 11, 26, 0, 0), True),  # midnight, not the evening's 21h
    ("nửa đêm thứ 6", (2026, 11, 28, 0, 0), True),  # as '12h đêm thứ 6'
    ("thứ 7 tuần sau nữa đêm 9h", (2026, 12, 12, 21, 0), True),  # 'nữa đêm' is not midnight
    ("ngày kia 9h tối", (2026, 11, 27, 21, 0), True),
    ("chín giờ tối mai", (2026, 11, 26, 21, 0), True),  # the hour in words
    ("mười giờ rưỡi sáng mai", (2026, 11, 26, 10, 30), True),
    ("mười một giờ trưa mai", (2026, 11, 26, 11, 0), True),
    ("bảy giờ sáng thứ 6", (2026, 11, 27, 7, 0), True),
    ("8 giờ kém 15", (2026, 11, 26, 7, 45), True),
    ("lúc 16", (2026, 11, 25, 16, 0), True),
    # relative days
    ("hôm nay 17h", (2026, 11, 25, 17, 0), True),
    ("mai 7h", (2026, 11, 26, 7, 0), True),
    ("ngày mai 7h sáng", (2026, 11, 26, 7, 0), True),
    ("ngay mai 7h sang", (2026, 11, 26, 7, 0), True),
    ("sáng mai 7h", (2026, 11, 26, 7, 0), True),
    ("sang mai 7h", (2026, 11, 26, 7, 0), True),
    ("chiều mai 3h", (2026, 11, 26, 15, 0), True),
    ("chieu mai 3h", (2026, 11, 26, 15, 0), True),
    ("tối nay 8h", (2026, 11, 25, 20, 0), True),
    ("toi nay 8h", (2026, 11, 25, 20, 0), True),
    ("đêm nay 2h", (2026, 11, 26, 2, 0), True),  # after midnight
    ("tối mai", (2026, 11, 26, 19, 0), False),
    ("ngày kia", (2026, 11, 27, 8, 0), False),
    ("mốt", (2026, 11, 27, 8, 0), False),
    ("mot 7h", (2026, 11, 27, 7, 0), True),
    ("mai", (2026, 11, 26, 8, 0), False),
    # weekdays: the next one; today's only if the time is still ahead
    ("thứ 2", (2026, 11, 30, 8, 0), False),
    ("thứ hai", (2026, 11, 30, 8, 0), False),
    ("THU HAI", (2026, 11, 30, 8, 0), False),
    ("t2", (2026, 11, 30, 8, 0), False),
    ("thứ 3", (2026, 12, 1, 8, 0), False),
    ("thứ ba", (2026, 12, 1, 8, 0), False),
    ("thứ 4", (2026, 12, 2, 8, 0), False),  # today, but 8:00 has passed
    ("thứ tư 14h", (2026, 11, 25, 14, 0), True),  # today, still ahead
    ("thứ năm", (2026, 11, 26, 8, 0), False),
    ("thứ sáu", (2026, 11, 27, 8, 0), False),
    ("thu 6", (2026, 11, 27, 8, 0), False),
    ("thứ 7", (2026, 11, 28, 8, 0), False),
    ("thứ bảy", (2026, 11, 28, 8, 0), False),
    ("t7 9h", (2026, 11, 28, 9, 0), True),
    ("chủ nhật", (2026, 11, 29, 8, 0), False),
    ("cn", (2026, 11, 29, 8, 0), False),
    ("Chu Nhat 17h", (2026, 11, 29, 17, 0), True),
    ("7h sáng thứ Hai", (2026, 11, 30, 7, 0), True),
    # next week, weekend
    ("thứ 6 tuần sau 14h", (2026, 12, 4, 14, 0), True),
    ("thu 6 tuan sau 2h chieu", (2026, 12, 4, 14, 0), True),
    ("tuần sau thứ 6", (2026, 12, 4, 8, 0), False),
    ("thứ 4 tuần tới", (2026, 12, 2, 8, 0), False),
    ("tuần sau", (2026, 11, 30, 8, 0), False),
    # the week after next: 'nữa' was left in the reminder's text and the date was next week's
    ("thứ 6 tuần sau nữa 14h", (2026, 12, 11, 14, 0), True),
    ("thu 2 tuan sau nua 8h", (2026, 12, 7, 8, 0), True),
    ("tuần sau nữa", (2026, 12, 7, 8, 0), False),
    ("cuối tuần", (2026, 11, 28, 8, 0), False),
    ("cuối tuần sau", (2026, 12, 5, 8, 0), False),
    # durations
    ("3 ngày nữa", (2026, 11, 28, 8, 0), False),
    ("3 ngay nua 7h", (2026, 11, 28, 7, 0), True),
    ("sau 3 ngày", (2026, 11, 28, 8, 0), False),
    ("1 tuần nữa", (2026, 12, 2, 8, 0), False),
    ("2 tiếng nữa", (2026, 11, 25, 12, 0), True),
    ("2 giờ nữa", (2026, 11, 25, 12, 0), True),
    ("2h nữa", (2026, 11, 25, 12, 0), True),
    ("30 phút nữa", (2026, 11, 25, 10, 30), True),
    ("30 phut nua", (2026, 11, 25, 10, 30), True),
    ("nửa tiếng nữa", (2026, 11, 25, 10, 30), True),
    ("1 tiếng rưỡi nữa", (2026, 11, 25, 11, 30), True),
    # noise around
    ("  NGÀY MAI    7H  SÁNG  ", (2026, 11, 26, 7, 0), True),
    ("nhắc tôi 8h", (2026, 11, 26, 8, 0), True),  # 'tôi' (I) is not 'tối' (evening)
    ("nhac toi 8h", (2026, 11, 26, 8, 0), True),
    ("nhac toi mai 7h", (2026, 11, 26, 7, 0), True),
    ("nhac toi toi nay 8h", (2026, 11, 25, 20, 0), True),
    ("chuyển sang thứ 2", (2026, 11, 30, 8, 0), False),  # 'sang' (to) is not 'sáng'
    ("2.5 tấn phân 5/12", (2026, 12, 5, 8, 0), False),  # '2.5' is an amount
    ("bón 8ha lúa mai 7h", (2026, 11, 26, 7, 0), True),
    ("8h 2027-01-01", (2027, 1, 1, 8, 0), True),  # year first, as computers write it
    # 24-hour clock in words: 'mười chín giờ' was read as 'chín giờ', 09:00
    ("mười chín giờ ngày mai", (2026, 11, 26, 19, 0), True),
    ("muoi chin gio toi mai", (2026, 11, 26, 19, 0), True),
    ("mười ba giờ", (2026, 11, 25, 13, 0), True),
    ("mười bảy giờ rưỡi", (2026, 11, 25, 17, 30), True),
    ("hai mươi giờ tối nay", (2026, 11, 25, 20, 0), True),
    ("hai mốt giờ tối nay", (2026, 11, 25, 21, 0), True),  # said short
    ("hai mươi ba giờ", (2026, 11, 25, 23, 0), True),
]


@pytest.mark.parametrize(("text", "expected", "explicit"), WEDNESDAY_CASES)
def test_parse_on_wednesday(text: str, expected: Local, explicit: bool) -> None:
    parsed = parse(text)
    assert (local(parsed), parsed.explicit_time) == (expected, explicit)
    assert parsed.when.utcoffset() == timedelta(0)


@pytest.mark.parametrize(("text", "expected", "explicit"), WEDNESDAY_CASES[::3])
def test_same_without_diacritics(text: str, expected: Local, explicit: bool) -> None:
    parsed = parse(fold(text))
    assert (local(parsed), parsed.explicit_time) == (expected, explicit)


# now = Sunday 29/11/2026 10:00
SUNDAY_CASES: list[tuple[str, Local, bool]] = [
    ("chủ nhật", (2026, 12, 6, 8, 0), False),  # today's 8:00 has passed
    ("chủ nhật 14h", (2026, 11, 29, 14, 0), True),
    ("cn 9h", (2026, 12, 6, 9, 0), True),
    ("thứ 2", (2026, 11, 30, 8, 0), False),
    ("tuần sau", (2026, 11, 30, 8, 0), False),
    ("thứ 2 tuần sau", (2026, 11, 30, 8, 0), False),
    ("thứ 7 tuần sau", (2026, 12, 5, 8, 0), False),
    ("cuối tuần", (2026, 12, 5, 8, 0), False),
    ("cuối tuần sau nữa", (2026, 12, 12, 8, 0), False),
    ("tuần tới nữa", (2026, 12, 7, 8, 0), False),  # as 'tuần sau nữa'
    ("thứ 3 tuần tới nữa", (2026, 12, 8, 8, 0), False),
    ("mai 7h", (2026, 11, 30, 7, 0), True),
    ("8h", (2026, 11, 30, 8, 0), True),
    ("23:59", (2026, 11, 29, 23, 59), True),
]


@pytest.mark.parametrize(("text", "expected", "explicit"), SUNDAY_CASES)
def test_parse_on_sunday(text: str, expected: Local, explicit: bool) -> None:
    parsed = parse(text, SUN)
    assert (local(parsed), parsed.explicit_time) == (expected, explicit)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "hop tac xa can may nguoi",
        "31/2",
        "31/4/2027",
        "29/2/2027",
        "5/13",
        "25h",
        "14h75",
        "8:60",
        "ngày 40",
        "ngày 0",
        "0 phút nữa",
        "hôm nay 8h",  # already past: never a past moment without a year
        "8h hôm qua",  # yesterday, not tomorrow
        "8h 5/12 (âm)",
        "hai lăm giờ",  # 25
        "-5 phút nữa",  # was in 5 minutes
        "nhắc tôi -30 phút nữa",
        "5-10 phút nữa",  # a range is not one time (was 10 minutes, '5' left in the text)
        "2 - 3 tiếng nữa",
        "15/8 al",
        "hom qua 8h",
        "thứ 2 tuần này",  # Monday of this week is past
        "thu 2 trieu",  # 'thu' (collect) two million
        "mua một bao phân",  # 'một' (one) is not 'mốt'
        # Lunar dates are not converted: never read as the solar date of the same numbers.
        "15/8 âm lịch",
        "8h ngày 15/8 (ÂL)",
        "mùng 1 tết",
        "mung 5 tet 8h",
        "rằm tháng giêng",
        "ram thang 7 8h",
        "ngày 10 tháng 3 âm lịch",
    ],
)
def test_none(text: str) -> None:
    assert parse_vi_datetime(text, WED, TZ) is None


@pytest.mark.parametrize("text", ["20/11", "8h 20/11", "ngày 24 tháng 11 lúc 9h", "8h 25/11"])
def test_a_day_and_month_just_gone_is_past_not_next_year(text: str) -> None:
    """'20/11' typed on 25/11 is a slip or a late entry; scheduled for 20/11/2027 without a
    word, a broadcast or a reminder would wait a year."""
    assert parse_vi_datetime(text, WED, TZ) is None
    assert is_past(text, WED, TZ) == ("h" in text)  # said to be past once it has an hour


def test_full_date_in_the_past_is_returned_as_is() -> None:
    parsed = parse("1/1/2025 9h30")
    assert local(parsed) == (2025, 1, 1, 9, 30)
    assert parsed.when < WED


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("nhắc tôi 7h sáng thứ Hai nộp báo cáo", "nhắc tôi nộp báo cáo"),
        ("nhac toi 7h sang thu hai nop bao cao", "nhac toi nop bao cao"),
        ("Họp HĐQT ngày 5/12 lúc 14h tại trụ sở", "Họp HĐQT tại trụ sở"),
        ("họp - 5 phút nữa", "họp"),  # a dash between words, not a minus
        ("nhắc tôi   tối nay 8h  gọi điện cho chị Mai", "nhắc tôi gọi điện cho chị Mai"),
        ("mai đem phân qua", "đem phân qua"),
        ("sau 3 ngày tưới nước", "tưới nước"),
        ("vào lúc 9h30 ngày 1/1/2027 họp", "họp"),
        ("nhắc tôi, mai 7h, họp", "nhắc tôi, họp"),
        ("bón 2.5 tấn phân 5/12", "bón 2.5 tấn phân"),
        ("2 tiếng nữa", ""),
        ("mai 7h gọi chị Mai", "gọi chị Mai"),  # the second 'mai' is not taken
        ("gọi chị Mai lúc 8h", "gọi chị Mai"),  # capitalised mid-sentence: a name
        ("8h 9h họp", "9h họp"),  # only one time is taken
        ("7h sáng mai mua 2 rưỡi tạ phân", "mua 2 rưỡi tạ phân"),  # an amount, not 2:30
        ("8h 25/12 trả 1 rưỡi triệu", "trả 1 rưỡi triệu"),
        ("7h sáng mai mua 50 rưỡi ký lúa", "mua 50 rưỡi ký lúa"),
        ("19h 24/12 âm nhạc giáng sinh", "âm nhạc giáng sinh"),  # 'âm' is not 'âm lịch'
        ("8h 20/12 ẩm thực", "ẩm thực"),
        ("8h ngày 1 tết dương lịch", "tết dương lịch"),
        ("8h 2027-01-01 họp", "họp"),
        ("bây giờ mai 8h gọi", "bây giờ gọi"),  # 'bây giờ' (now) is not 'bảy giờ'
        ("bay gio mai 8h goi", "bay gio goi"),
        ("sau giờ làm mai 17h", "sau giờ làm"),  # 'sau' (after), not 'sáu' (six)
        ("8h 20/1 mua bánh chưng tết", "mua bánh chưng tết"),  # Tết as a subject is fine
        ("8 rưỡi mai họp", "họp"),
    ],
)
def test_rest(text: str, rest: str) -> None:
    assert parse(text).rest == rest


def test_rest_keeps_mai_as_a_name_only_when_it_is_not_a_day() -> None:
    parsed = parse("tối nay 8h gọi chị Mãi")
    assert parsed.rest == "gọi chị Mãi"
    assert local(parsed) == (2026, 11, 25, 20, 0)


def test_capitalised_mai_is_a_name_but_not_at_the_start() -> None:
    assert local(parse("gọi chị Mai lúc 8h")) == (2026, 11, 26, 8, 0)
    assert local(parse("Mai 7h họp")) == (2026, 11, 26, 7, 0)
    assert parse_vi_datetime("gọi chị Mai", WED, TZ) is None


def test_now_in_another_zone() -> None:
    # 20:30 UTC on the 25th is 03:30 on the 26th in Vietnam: 'mai' is the 27th.
    now = datetime(2026, 11, 25, 20, 30, tzinfo=UTC)
    parsed = parse("mai 7h", now)
    assert local(parsed) == (2026, 11, 27, 7, 0)
    assert parsed.when == datetime(2026, 11, 27, 0, 0, tzinfo=UTC)


def test_other_timezone_and_default_hour() -> None:
    parsed = parse_vi_datetime("thứ 2", WED, "Asia/Tokyo", default_hour=6)
    assert parsed is not None
    assert parsed.when == datetime(2026, 11, 30, 6, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert parsed.explicit_time is False


def test_duration_is_counted_from_now() -> None:
    now = datetime(2026, 11, 25, 10, 17, 42, tzinfo=VN)
    parsed = parse("45 phút nữa", now)
    assert local(parsed) == (2026, 11, 25, 11, 2)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_vi_datetime("mai 7h", datetime(2026, 11, 25, 10, 0))


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 11, 30, 1, 0, tzinfo=UTC), "Thứ Hai, 30/11/2026 lúc 08:00"),
        (datetime(2026, 11, 25, 10, 5, tzinfo=VN), "Thứ Tư, 25/11/2026 lúc 10:05"),
        (datetime(2026, 11, 28, 20, 0, tzinfo=VN), "Thứ Bảy, 28/11/2026 lúc 20:00"),
        (datetime(2026, 11, 29, 16, 59, tzinfo=UTC), "Chủ Nhật, 29/11/2026 lúc 23:59"),
        (datetime(2026, 11, 29, 17, 0, tzinfo=UTC), "Thứ Hai, 30/11/2026 lúc 00:00"),
    ],
)
def test_format_vi(moment: datetime, text: str) -> None:
    assert format_vi(moment) == text


def test_format_vi_other_zone() -> None:
    moment = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    assert format_vi(moment, "Europe/Paris") == "Thứ Hai, 30/11/2026 lúc 02:00"


def test_round_trip_through_format() -> None:
    parsed = parse("thứ 6 tuần sau 14h")
    assert format_vi(parsed.when) == "Thứ Sáu, 04/12/2026 lúc 14:00"
