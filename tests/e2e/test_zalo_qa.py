"""End to end on Zalo: a law question answered with its citation as plain text, a long answer
split at sentence or paragraph breaks under Zalo's 2,000 characters, related questions by digit."""

from __future__ import annotations

from bot.zalo_channel import ZaloChannel
from tests.e2e.test_zalo_foundation import HTML_TAG, number_of, numbered
from tests.fake_zalo import TEXT_LIMIT, FakeZalo, Person, user_id, utf16_len


async def test_law_question_is_answered_with_a_citation_in_plain_text(
    zl: FakeZalo, zalo_bot: ZaloChannel
):
    f = Person(zl, user_id(200))
    await f.say("/start")
    [answer] = await f.say("htx can toi thieu bao nhieu thanh vien")
    assert "Căn cứ: Điều" in answer and "Luật HTX 2023" in answer
    assert not HTML_TAG.search(answer) and "&lt;" not in answer and "&amp;" not in answer
    [article] = await f.say("/dieu 4")
    assert "Giải thích từ ngữ" in article and "Căn cứ: Điều 4" in article


async def test_long_answer_is_split_under_the_limit_and_related_questions_stay_numbered(
    zl: FakeZalo, zalo_bot: ZaloChannel
):
    f = Person(zl, user_id(201))
    await f.say("/start")
    # The longest entry of the knowledge base (~1,800 characters) plus its related questions.
    parts = await f.say("htx nong nghiep duoc ho tro xay nhung cong trinh ha tang nao", count=2)
    assert all(0 < utf16_len(p) <= TEXT_LIMIT for p in parts)
    assert utf16_len("\n\n".join(parts)) > TEXT_LIMIT  # it had to be split
    assert parts[0].startswith("HTX nông nghiệp được hỗ trợ xây những công trình hạ tầng")
    # Split between paragraphs, never inside one; the heading stays with its list.
    paragraphs = "\n\n".join(parts).split("\n\n")
    assert parts[0].split("\n\n")[-1] in paragraphs and parts[1].split("\n\n")[0] in paragraphs
    assert "Căn cứ:" in "\n\n".join(parts) and "\nCâu hỏi liên quan:\n1. " in f"\n{parts[1]}"
    # Three related questions, then the answer's rating.
    assert list(numbered(parts[1]).values())[3:] == ["👍 Hữu ích", "👎 Chưa đúng"]
    assert parts[1].endswith("👉 Trả lời 1, 2, 3, 4 hoặc 5.")
    [related] = await f.say(number_of(parts[1], "được hỗ trợ thêm"))
    assert "Căn cứ:" in related and "Hợp tác xã nông nghiệp" in related
    assert zl.sent(f.id) and all(m["text"] for m in zl.sent(f.id))
