"""Handler-level behaviour through the recording fake channel (tests.conftest.Chat)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import HtxApp
from storage.forms import get_form, set_form
from storage.models import AskedQuestion, AuditLog, Question, User
from tests.conftest import ADMIN_ID, Chat


async def user_row(app: HtxApp, external_id: str) -> User | None:
    async with app.sessions() as s:
        return await s.scalar(select(User).where(User.external_id == external_id))


async def test_stop_and_resume_announcements(app: HtxApp, chat: Chat):
    [reply] = await chat.say("/ngung")
    assert "không nhận thông báo" in reply.text
    assert (await user_row(app, "42")).subscribed is False
    await chat.say("/batdau")
    assert (await user_row(app, "42")).subscribed is True


async def test_commands_typed_with_diacritics_or_bot_suffix_work(app: HtxApp, chat: Chat):
    await chat.say("/Ngừng")
    assert (await user_row(app, "42")).subscribed is False
    await chat.say("/batdau@htx_test_bot")
    assert (await user_row(app, "42")).subscribed is True


async def test_switch_language_to_english_and_back(app: HtxApp, chat: Chat):
    [choose] = await chat.say("/ngonngu")
    assert {b.payload for row in choose.buttons for b in row} == {"lang:vi", "lang:en"}
    [done] = await chat.press("lang:en")
    assert "Switched to English" in done.text
    [help_reply] = await chat.say("/trogiup")
    assert "How to use" in help_reply.text
    await chat.say("/ngonngu vi")
    assert (await user_row(app, "42")).language == "vi"


async def test_my_data_shows_only_my_own_row(app: HtxApp):
    other = Chat(app, user_id="43", name="Người Khác")
    await other.say("/start")
    me = Chat(app, user_id="44", name="Tôi Đây")
    [reply] = await me.say("/toi")
    assert "Tôi Đây" in reply.text and "Người Khác" not in reply.text
    assert "chưa có" in reply.text


async def test_declining_deletion_keeps_data(app: HtxApp, chat: Chat):
    await chat.say("/xoadulieu")
    [kept] = await chat.press("del:no")
    assert "giữ nguyên" in kept.text
    assert await user_row(app, "42") is not None


async def test_deletion_removes_questions_and_forms_too(app: HtxApp, chat: Chat):
    [unsure] = await chat.say("giá vàng hôm nay thế nào")
    [send] = [b.payload for row in unsure.buttons for b in row if b.payload.startswith("ask:")]
    await chat.press(send)  # sent to staff: a question row
    await chat.say("thời tiết ngày mai thế nào")  # asked, not sent
    user = await user_row(app, "42")
    async with app.sessions() as s:
        await set_form(s, user.id, "demo", "step1", {"a": 1})
        await s.commit()
        assert await s.scalar(select(func.count()).select_from(Question)) == 1
    await chat.say("/xoadulieu")
    await chat.press("del:yes")
    async with app.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Question)) == 0
        assert await get_form(s, user.id) is None
        assert await s.scalar(select(func.count()).select_from(User)) == 0
        words = await s.scalars(select(AskedQuestion.text))
        assert set(words) == {""}  # counted, without the asker's words


async def test_cancel_with_and_without_a_form(app: HtxApp, chat: Chat):
    [reply] = await chat.say("/huy")
    assert "không có việc gì" in reply.text
    user = await user_row(app, "42")
    async with app.sessions() as s:
        await set_form(s, user.id, "demo", "step1", {})
        await s.commit()
    [reply] = await chat.say("/huy")
    assert "Đã huỷ" in reply.text
    async with app.sessions() as s:
        assert await get_form(s, user.id) is None


async def test_unknown_command_long_text_and_empty_text(app: HtxApp, chat: Chat):
    [reply] = await chat.say("/khongco 1 2")
    assert "/khongco" in reply.text and reply.buttons
    [reply] = await chat.say("a" * 5000)
    assert "dài quá" in reply.text
    [reply] = await chat.say("   ")
    assert reply.buttons
    async with app.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Question)) == 0


async def test_media_and_stale_buttons_get_the_menu(chat: Chat):
    [reply] = await chat.send_other("voice")
    assert "tin nhắn thoại" in reply.text and reply.buttons
    [reply] = await chat.press("khong:ton:tai")
    assert reply.buttons


async def test_greeting_shows_menu_without_offering_staff(app: HtxApp, chat: Chat):
    [reply] = await chat.say("Xin chào!")
    assert reply.buttons and "Gửi câu hỏi" not in str(reply.buttons)


async def test_staff_commands_refused_for_farmers_and_audited(app: HtxApp, chat: Chat):
    for command in ("/cauhoimoi", "/thuhoiquyen 1", "/traloi 1 abc"):
        [reply] = await chat.say(command)
        assert "chỉ dành cho cán bộ" in reply.text
    [reply] = await chat.press("faq:save:1")
    assert "chỉ dành cho cán bộ" in reply.text
    async with app.sessions() as s:
        rows = list(await s.scalars(select(AuditLog).where(AuditLog.allowed.is_(False))))
    assert {r.action for r in rows} == {
        "open_questions",
        "revoke_staff",
        "answer_question",
        "faq_save",
    }


async def test_grant_and_revoke_staff_role(app: HtxApp):
    farmer = Chat(app, user_id="50", channel="telegram")
    await farmer.say("/start")
    admin = Chat(app, user_id=str(ADMIN_ID), channel="telegram")
    replies = await admin.say("/capquyen 50")
    assert "Đã cấp quyền" in replies[0].text
    assert replies[1].chat_id == "50"  # the new staff member is told
    [reply] = await farmer.say("/cauhoimoi")
    assert "Không có câu hỏi" in reply.text
    [reply] = await admin.say("/capquyen 50")
    assert "đã là cán bộ rồi" in reply.text
    [reply] = await admin.say("/thuhoiquyen 50")
    assert "Đã thu hồi" in reply.text
    [reply] = await admin.say("/thuhoiquyen 50")  # seen in testing: "revoked" from a farmer
    assert "không phải cán bộ" in reply.text
    [reply] = await farmer.say("/cauhoimoi")
    assert "chỉ dành cho cán bộ" in reply.text
    [reply] = await admin.say(f"/thuhoiquyen telegram:{ADMIN_ID}")
    assert "HTXBOT_ADMINS" in reply.text
    [reply] = await admin.say("/capquyen 99999")
    assert "Không tìm thấy" in reply.text


async def test_a_number_emoji_or_punctuation_is_not_a_question_for_staff(app: HtxApp, chat: Chat):
    """A menu number not on the list (text-only channels), emoji or punctuation gets the menu
    and a hint; nothing is searched, and no question is drafted for staff."""
    for typed in ("9", "😀😀😀", "?!...,,,", "<1> & " + "9" * 60):
        [reply] = await chat.say(typed)
        assert reply.text.startswith("Mình chưa hiểu «"), reply.text
        assert not any(b.payload.startswith("ask:") for row in reply.buttons for b in row)
        assert any(b.payload for row in reply.buttons for b in row)  # the main menu
    assert "&lt;1&gt; &amp; 999" in reply.text and "9…»" in reply.text  # escaped, cut at 40
    async with app.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Question)) == 0
    [unsure] = await chat.say("giá vàng hôm nay thế nào")
    assert any(b.payload.startswith("ask:staff:") for row in unsure.buttons for b in row)


async def test_a_question_not_about_coops_is_told_so_without_unrelated_suggestions(chat: Chat):
    """'Giá lúa' shares words with entries on farming co-ops, but suggesting them would only
    puzzle: the reply says what the bot answers, and the question can still go to staff."""
    for typed in ("giá lúa hôm nay bao nhiêu", "thoi tiet ngay mai the nao", "<b>xổ số</b>"):
        [reply] = await chat.say(typed)
        payloads = [b.payload for row in reply.buttons for b in row]
        assert "không thuộc chuyện hợp tác xã" in reply.text, reply.text
        assert not any(p.startswith("qa:") for p in payloads), payloads
        assert any(p.startswith("ask:staff:") for p in payloads) and "menu:main" in payloads
    assert "«<i>&lt;b&gt;xổ số&lt;/b&gt;</i>»" in reply.text
    # A co-op question the bot is unsure of still gets the entries it might mean.
    [unsure] = await chat.say("htx trồng lúa có được cấp drone phun thuốc không")
    assert any(b.payload.startswith("qa:") for row in unsure.buttons for b in row)
    assert "không thuộc chuyện hợp tác xã" not in unsure.text


async def test_a_question_about_founding_offers_to_register_for_help(chat: Chat):
    """'tôi muốn lập hợp tác xã' got the law's steps but no way to ask the Alliance for help."""
    for typed in ("toi muon lap hop tac xa", "đăng ký thành lập htx", "lap to hop tac can gi"):
        [answer] = await chat.say(typed)
        assert answer.buttons[0][0].payload == "menu:register", (typed, answer.buttons)
        assert "Căn cứ" in answer.text
    for typed in (
        "giải thể htx thế nào",
        "lập báo cáo tài chính hợp tác xã thế nào",  # drawing up papers, not founding
        "htx đã thành lập 5 năm được hỗ trợ gì",  # one already founded
    ):
        [other] = await chat.say(typed)
        assert all(b.payload != "menu:register" for row in other.buttons for b in row), typed


async def test_article_lookup_takes_only_the_two_laws_years(chat: Chat):
    [old] = await chat.say("/dieu 17 2012")
    assert "Căn cứ: Điều 17 Luật HTX 2012" in old.text
    [usage] = await chat.say("/dieu 17 2099")  # not silently the 2023 law
    assert "Chỉ có hai luật này" in usage.text and "Căn cứ" not in usage.text
    [new] = await chat.say("/dieu 17")
    assert "Căn cứ: Điều 17 Luật HTX 2023" in new.text
    [glued] = await chat.say("/dieu17 2012")  # the space forgotten
    assert "Căn cứ: Điều 17 Luật HTX 2012" in glued.text


async def test_help_names_every_farmer_command_of_the_menu(chat: Chat):
    """Help left out classes and reminders; every command in the farmer's command menu is in
    it now (staff commands have their own list)."""
    from handlers.router import menu_commands

    [help_reply] = await chat.say("/trogiup")
    missing = [c for c, _ in menu_commands("vi") if f"/{c}" not in help_reply.text]
    assert missing == ["start", "trogiup"]  # the greeting, and help itself


async def test_only_commands_taking_a_number_are_read_with_it_glued_on(app: HtxApp, chat: Chat):
    """'/ngung2' must not quietly unsubscribe; '/dangky5' is staff's '/dangky_5'."""
    await chat.say("/start")
    [unknown] = await chat.say("/ngung2")
    assert "/ngung2" in unknown.text
    assert (await user_row(app, "42")).subscribed is True
    [refused] = await chat.say("/dangky5")
    assert "chỉ dành cho cán bộ" in refused.text


async def test_my_data_survives_a_stored_place_that_is_not_one(app: HtxApp, chat: Chat):
    await chat.say("/start")
    async with app.sessions() as s:
        user = await s.scalar(select(User).where(User.external_id == "42"))
        user.province_code, user.commune_code = "abc", "999"
        await s.commit()
    [mine] = await chat.say("/toi")
    assert "abc" in mine.text and "999" in mine.text
