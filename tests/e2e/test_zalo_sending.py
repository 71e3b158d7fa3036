"""A Zalo reply that takes several messages, with a later one refused by a 429: the retry sends
only the parts that had not gone, so nobody gets the first part twice, and the numbered choices
at the end still mean what they say."""

from __future__ import annotations

import html

from bot.zalo_channel import ZaloChannel
from handlers.types import Reply
from tests.e2e.test_zalo_foundation import number_of, numbered
from tests.fake_zalo import TEXT_LIMIT, FakeZalo, Person, user_id, utf16_len


async def test_a_refused_second_part_does_not_send_the_first_again(
    zl: FakeZalo, zalo_bot: ZaloChannel
):
    chat = user_id(300)
    # Neutral markup, escaped: the parts not yet sent must not lose or double an escape.
    clause = "nội dung điều lệ &amp; quy chế &lt;HTX&gt; &amp;#39; &amp;amp; &quot;A&quot;. "
    paragraphs = [f"Đoạn {i}: " + (clause * 8).strip() for i in range(8)]
    markup = "\n\n".join(paragraphs)  # about 3,000 characters: two or more messages
    text = html.unescape(markup)
    zl.refuse_once("sendMessage", on_call=2)
    await zalo_bot.send(chat, Reply(markup))
    sent = zl.texts(chat)
    assert len(sent) >= 2 and all(utf16_len(s) <= TEXT_LIMIT for s in sent)
    assert sum(s.count("Đoạn 0:") for s in sent) == 1  # the first part went once
    assert "\n\n".join(sent) == text


async def test_a_refused_last_part_keeps_the_related_questions_numbered_and_answerable(
    zl: FakeZalo, zalo_bot: ZaloChannel
):
    f = Person(zl, user_id(301))
    await f.say("/start")
    zl.refuse_once("sendMessage", on_call=2)
    # The longest entry of the knowledge base, then its related questions: two messages.
    first, last = await f.say("htx nong nghiep duoc ho tro xay nhung cong trinh ha tang nao", 2)
    assert first.startswith("HTX nông nghiệp được hỗ trợ xây những công trình hạ tầng")
    # Split between paragraphs; the related questions and their numbers stay together, last.
    assert "\n\nCâu hỏi liên quan:\n1. " in f"\n\n{last}" and len(numbered(last)) == 5  # 3 + 👍👎
    assert "&lt;" not in last and "&amp;" not in last
    [related] = await f.say(number_of(last, "được hỗ trợ thêm"))
    assert "Căn cứ:" in related and "Hợp tác xã nông nghiệp" in related
    texts = zl.texts(f.id)
    assert sum(t.startswith("HTX nông nghiệp được hỗ trợ xây") for t in texts) == 1
