"""Zalo's side of the neutral types: replies rendered as numbered plain text, updates parsed,
Zalo errors turned into the outbox's. Pure functions: no server, no database."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from bot.outbox import RetryAfter, Transient, Unreachable
from bot.render import pick_choice, pick_choices, same_label, utf16_len
from bot.zalo_api import ZaloApiError, outbox_error
from bot.zalo_render import ZALO_TEXT_LIMIT, choices_to_rows, render, rows_to_choices
from bot.zalo_updates import MalformedUpdate, RecentKeys, event_from_update, parse_update
from handlers.forms import BACK, CANCEL
from handlers.types import Attachment, Button, Reply

ROWS = (
    (Button("🌾 Trồng trọt", "f:v:trong_trot"), Button("🐄 Chăn nuôi", "f:v:chan_nuoi")),
    (Button("Đăng ký", url="https://lienminh.example/dk?a=1&b=2"),),
    (Button("⬅️ Quay lại", BACK), Button("✖️ Huỷ", CANCEL)),
)


def test_buttons_become_a_numbered_list_with_a_hint_and_navigation_in_words():
    out = render(Reply("Chọn <b>ngành</b> &amp; sản phẩm:", buttons=ROWS), "vi")
    [text] = out.parts
    # The list follows its heading line directly, so splitting never parts them.
    assert text.startswith("Chọn ngành & sản phẩm:\n1. 🌾 Trồng trọt\n2. 🐄 Chăn nuôi\n")
    assert "3. Đăng ký (https://lienminh.example/dk?a=1&b=2)" in text
    assert "👉 Trả lời 1, 2 hoặc 3." in text
    assert "«quay lại»" in text and "/huy" in text
    assert "Quay lại" not in text and "Huỷ" not in text  # typed words, never numbers
    assert [b.label for b in out.choices or []] == ["🌾 Trồng trọt", "🐄 Chăn nuôi", "Đăng ký"]


def test_the_hint_names_only_the_navigation_the_reply_offers():
    """The note on a dialog left open offers «Làm tiếp» and «Huỷ»: there is no question to go
    back to, so the hint must not tell people to type «quay lại»."""
    note = Reply("Bạn đang làm dở…", buttons=((Button("▶️ Làm tiếp", "f:resume"),),))
    [with_cancel] = render(
        replace(note, buttons=((*note.buttons[0], Button("Huỷ", CANCEL)),)), "vi"
    ).parts
    assert with_cancel.endswith("(gõ /huy để huỷ)") and "quay lại" not in with_cancel
    [neither] = render(note, "vi").parts
    assert "/huy" not in neither
    [english] = render(Reply("Back?", buttons=((Button("Back", BACK),),)), "en").parts
    assert english.endswith("(type “back” for the previous question, /huy to cancel)")


def test_a_digit_or_the_label_without_diacritics_picks_the_stored_choice():
    out = render(Reply("Ngành?", buttons=ROWS), "vi")
    stored = rows_to_choices(choices_to_rows(out.choices or []))  # through the database form
    assert pick_choice("2", stored) == Button("🐄 Chăn nuôi", "f:v:chan_nuoi")
    assert pick_choice("  trong trot ", stored) == Button("🌾 Trồng trọt", "f:v:trong_trot")
    assert pick_choice("3", stored) == Button("Đăng ký", "", "https://lienminh.example/dk?a=1&b=2")
    assert pick_choice("4", stored) is None and pick_choice("0912345678", stored) is None


def test_several_numbers_typed_at_once_pick_the_choices_on_the_screen():
    a, b, c = Button("A", "f:v:a"), Button("B", "f:v:b"), Button("C", "f:v:c")
    shown = [a, b, c, Button("L", url="https://lienminh.example")]
    for typed in ("1,3", "1 3", "1 và 3", "1; 3", " 1, 3, "):
        assert pick_choices(typed, shown) == [a, c], typed
    assert pick_choices("3 1 3", shown) == [c, a]  # each once, in the order typed
    assert pick_choices("2", shown) is None  # one number is pick_choice's
    assert pick_choices("1 5", shown) is None and pick_choices("1 0", shown) is None  # off it
    assert pick_choices("1 4", shown) is None  # a link is opened, not picked with others
    assert pick_choices("1 000 người", shown) is None and pick_choices("1 b", shown) is None


def test_hint_wording_by_count_and_language():
    one = render(Reply("?", buttons=((Button("Có", "x:1"),),)), "vi").parts[0]
    assert one.endswith("👉 Trả lời 1 để chọn.")
    many = tuple((Button(f"Mục {i}", f"x:{i}"),) for i in range(8))
    assert render(Reply("?", buttons=many), "vi").parts[0].endswith("Trả lời một số từ 1 đến 8.")
    two = ((Button("Yes", "x:1"), Button("No", "x:0")),)
    assert render(Reply("?", buttons=two), "en").parts[0].endswith("👉 Reply 1 or 2.")
    # A second message answering the same update goes on from the first one's numbers.
    later = render(Reply("?", buttons=two), "vi", first=7).parts[0]
    assert "7. Yes\n8. No\n👉 Trả lời 7 hoặc 8." in later


def test_only_navigation_clears_the_choices_and_no_buttons_keeps_them():
    nav_only = render(Reply("Họ tên của bạn?", buttons=(ROWS[2],)), "vi")
    assert nav_only.choices == [] and "1." not in nav_only.parts[0]
    assert render(Reply("Đã lưu."), "vi").choices is None


def test_share_contact_asks_to_type_the_number_and_files_become_a_note():
    share = Reply(
        "Số điện thoại?", request_contact=True, buttons=((Button("📱 Gửi số của tôi"),),)
    )
    out = render(share, "vi")
    assert "gõ số điện thoại" in out.parts[0] and "Gửi số của tôi" not in out.parts[0]
    assert out.choices == []
    doc = Reply("Danh sách lớp", document=Attachment("lop-3.xlsx", b"x"))
    [text] = render(doc, "vi").parts
    assert "«lop-3.xlsx»" in text and "Telegram" in text


def test_long_reply_is_split_under_the_limit_with_the_choices_last():
    sentence = "Hợp tác xã phải có ít nhất 05 thành viên chính thức 😀. "
    body = sentence * 80  # ~4,500 UTF-16 units
    out = render(Reply(body, buttons=((Button("Câu hỏi liên quan", "qa:x"),),)), "vi")
    assert len(out.parts) == 3
    assert all(0 < utf16_len(p) <= ZALO_TEXT_LIMIT for p in out.parts)
    assert all(p.endswith(".") for p in out.parts[:-1])  # cut after a sentence
    assert out.parts[-1].endswith("👉 Trả lời 1 để chọn.")


def test_updates_are_parsed_or_refused():
    update = {
        "event_name": "message.text.received",
        "message": {
            "message_id": "m1",
            "from": {"id": "u1", "display_name": "Ba Tư"},
            "chat": {"id": "u1", "chat_type": "PRIVATE"},
            "text": "Xin chào",
        },
    }
    assert parse_update({"ok": True, "result": update}) == update
    event = event_from_update(update)
    assert event is not None and (event.channel, event.user_id, event.chat_id) == (
        "zalo",
        "u1",
        "u1",
    )
    assert event.text == "Xin chào" and event.display_name == "Ba Tư"
    sticker = {**update, "event_name": "message.sticker.received"}
    assert (e := event_from_update(sticker)) is not None and e.unsupported == "sticker"
    bot = {**update, "message": {**update["message"], "from": {"id": "b", "is_bot": True}}}
    assert event_from_update(bot) is None
    for bad in ([], {"message": {}}, {"event_name": "message.text.received"}, {"event_name": 3}):
        with pytest.raises(MalformedUpdate):
            parse_update(bad)
    no_chat = {"event_name": "message.text.received", "message": {"from": {"id": "u"}}}
    with pytest.raises(MalformedUpdate):
        parse_update(no_chat)
    recent = RecentKeys(size=2)
    assert [recent.seen(k) for k in ("a", "b", "a", "c", "a", None, None)] == [
        False,
        False,
        True,
        False,
        True,  # "a" was seen most recently before "c" pushed "b" out
        False,
        False,
    ]


def test_zalo_errors_become_outbox_errors():
    blocked = outbox_error(ZaloApiError(403, "Forbidden: user blocked"))
    assert isinstance(blocked, Unreachable)
    assert isinstance(outbox_error(ZaloApiError(404, "Not Found: user not found")), Unreachable)
    slow = outbox_error(ZaloApiError(429, "Too Many Requests", retry_after=3))
    assert isinstance(slow, RetryAfter) and slow.seconds == 3
    assert isinstance(outbox_error(ZaloApiError(502, "Bad Gateway")), Transient)
    assert isinstance(outbox_error(httpx.ConnectError("refused")), Transient)
    wrong = ZaloApiError(400, "Bad Request: text must be from 1 to 2000 characters")
    assert outbox_error(wrong) is wrong  # our mistake: reported, never retried


def test_a_label_typed_picks_its_button_shown_twice_but_not_one_of_different_buttons():
    """Two menus in one turn (Zalo's first message) offer every item twice."""
    menu = [Button("🎓 Lớp tập huấn", "menu:classes"), Button("❓ Trợ giúp", "menu:help")]
    assert pick_choice("lop tap huan", menu + menu) == menu[0]
    assert same_label("lop tap huan", menu + menu) == []
    deletes = [Button("🗑 Xoá", "rem:del:1"), Button("🗑 Xoá", "rem:del:2")]
    assert pick_choice("xoa", deletes) is None and same_label("xoa", deletes) == [1, 2]
