"""What a farmer sees for questions typed as farmers type them: the rule in force, cited; a
question asked back when it could mean two organisations; the registration offer for a story of
households that want a co-op; English questions answered in English."""

from __future__ import annotations

from bot.app import HtxApp
from handlers.types import Reply
from tests.conftest import Chat


def payloads(reply: Reply) -> list[str]:
    return [b.payload for row in reply.buttons for b in row]


async def test_minimum_members_typed_short_gets_the_co_op_minimum(chat: Chat) -> None:
    [reply] = await chat.say("htx toi thieu may tv")
    assert "05" in reply.text
    assert "Điều 4 khoản 7 Luật HTX 2023" in reply.text
    assert "Hội đồng quản trị" not in reply.text.split("\n")[0]


async def test_an_unnamed_organisation_is_asked_back_with_one_button_each(chat: Chat) -> None:
    [reply] = await chat.say("rut khoi dc ko")
    assert "Bạn muốn hỏi điều nào?" in reply.text
    entries = [p for p in payloads(reply) if p.startswith("qa:")]
    assert len(entries) >= 2
    [answer] = await chat.press(entries[0])  # the co-op's answer, first
    assert "tổ hợp tác" not in answer.text.split("\n")[0].lower()


async def test_a_story_of_households_gets_the_steps_and_the_registration_offer(
    chat: Chat,
) -> None:
    story = (
        "Thôn em có 9 hộ nuôi bò sữa, lâu nay bán lẻ cho thương lái bị ép giá. Bà con bàn nhau "
        "muốn cùng nhau lập hợp tác xã để mua thức ăn chung và bán sữa cho nhà máy, nhờ bot chỉ "
        "giúp phải làm những gì"
    )
    [reply] = await chat.say(story)
    assert payloads(reply)[0] == "menu:register"
    assert "Các bước thành lập hợp tác xã" in reply.text


async def test_a_question_not_naming_2012_is_answered_with_the_rule_in_force(chat: Chat) -> None:
    [reply] = await chat.say("lai cua hop tac xa chia the nao, phai trich quy bao nhieu phan tram")
    body = reply.text.split("\n\n")[1]  # the first sentences, after the title
    assert "2012" not in body
    assert "Luật HTX 2023" in reply.text


async def test_is_the_2012_law_in_force_is_answered_no(chat: Chat) -> None:
    [reply] = await chat.say("luat 2012 con hieu luc ko")
    assert reply.text.split("\n\n")[1].startswith("Không")
    assert "Điều 114 khoản 3 Luật HTX 2023" in reply.text


async def test_an_ended_transition_deadline_is_said_to_have_ended(chat: Chat) -> None:
    [reply] = await chat.say("/dieu 115")
    assert "hạn này đã kết thúc ngày 01/1/2026" in reply.text
    assert "{{" not in reply.text


async def test_an_english_question_is_answered_in_english(chat: Chat) -> None:
    [reply] = await chat.say("how many members do I need to start a cooperative")
    assert reply.text.startswith("<b>How many members")
    assert "Source: Article 4(7), Law on Cooperatives 2023" in reply.text


async def test_the_english_ui_gets_english_answers_to_vietnamese_questions(app: HtxApp) -> None:
    partner = Chat(app, user_id="501", language_code="en")
    [reply] = await partner.say("htx toi thieu may tv")
    assert reply.text.startswith("<b>How many members")
    assert [b.label for row in reply.buttons for b in row][-2:] == ["👍 Helpful", "👎 Not right"]
