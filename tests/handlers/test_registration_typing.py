"""The registration form reads answers as farmers type them: Ê Đê names, "khoảng 10 hộ",
several numbered picks at once, and a commune by a part of its name."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from bot.app import HtxApp
from bot.console import ConsoleChannel
from handlers.forms import typed_yes
from handlers.registration.fields import clean_name
from handlers.types import Reply
from messages.i18n import label, t
from messages.locations import find_communes
from storage.models import FormState, Registration
from storage.users import find_user
from tests.conftest import Chat
from tests.handlers.test_registration_fields import fill

LAM_DONG = "68"
DA_LAT = ("Lâm Viên", "Xuân Hương", "Cam Ly", "Xuân Trường", "Lang Biang")


async def answer(chat: Chat, *steps: str) -> list[Reply]:
    """Press (f:…) or type each step in turn; the replies to the last one."""
    replies: list[Reply] = []
    for step in steps:
        replies = await (chat.press(step) if step.startswith("f:") else chat.say(step))
    return replies


async def to_members(chat: Chat) -> None:
    """/dangky answered up to the members question (an HTX in Xuân Hương, Lâm Đồng; the
    commune typed in full, so these tests do not depend on finding it by a part)."""
    await answer(chat, "/dangky", "f:v:htx", "Nguyễn Văn An", "0912345678", "lam dong")
    await answer(chat, "xuan huong da lat", "f:v:trong_trot", "cà phê")


async def finish(chat: Chat) -> Registration:
    """From the call time question on; the registration saved."""
    await answer(chat, "f:v:sang", "f:v:yes", "f:v:confirm")
    async with chat.app.sessions() as s:
        user = await find_user(s, "test", chat.base["user_id"])
        assert user is not None
        row = await s.scalar(select(Registration).where(Registration.user_id == user.id))
    assert row is not None, chat.replies[-1].text
    return row


def people(app: HtxApp, cases: list[tuple[str, object]]) -> list[tuple[Chat, str, object]]:
    """One person per case, so the cases share one app (each app takes a second to start)."""
    return [(Chat(app, user_id=f"p{i}"), typed, want) for i, (typed, want) in enumerate(cases)]


# --- names of the Central Highlands ---------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("H'Hen Niê", "H'Hen Niê"),
        ("H’Hen Niê", "H'Hen Niê"),  # a phone's curly apostrophe: stored as the plain one
        ("Ksor H‘Mai", "Ksor H'Mai"),
        ("Y-Moan Ê Nuôl", "Y-Moan Ê Nuôl"),
        ("  Y - Moan  Ê Nuôl ", "Y-Moan Ê Nuôl"),
        ("H' Hen Niê", "H'Hen Niê"),
        ("H'Hen Niê 2", None),
        ("'Hen Niê", None),
        ("Y- ", None),
        ("H''Hen", None),
        ("Y--Moan", None),
        ("Y_Moan", None),
        ("H'Hen.", None),
        ("<b>H'Hen</b>", None),
    ],
)
def test_names_with_apostrophes_and_hyphens(typed: str, name: str | None) -> None:
    assert clean_name(typed) == name


async def test_an_ede_name_is_accepted_and_shown_escaped(chat: Chat) -> None:
    await answer(chat, "/dangky", "f:v:htx")
    [question] = await chat.say("H’Hen Niê")
    assert "(bước 3/11)" in question.text  # on to the phone question
    await answer(chat, "0912345678", "lam dong", "xuan huong da lat", "f:v:trong_trot", "<cà phê>")
    await answer(chat, "10", "f:v:tu_van", "f:v:__done", "f:v:sang")
    [summary] = await chat.press("f:v:yes")
    assert "H'Hen Niê" in summary.text and "&lt;cà phê&gt;" in summary.text  # still escaped
    [asked] = await answer(chat, "f:v:edit", "f:v:edit:full_name")
    assert "(bước 2/11)" in asked.text
    error, _ = await chat.say("H'Hen <b>Niê</b>")
    assert error.text == t("reg_bad_name")  # markup is no name
    assert "H'Hen Niê" in t("reg_bad_name")  # the message says such names are fine


# --- the number of members said naturally ----------------------------------------------------
async def test_a_head_count_with_words_around_it(app: HtxApp) -> None:
    cases: list[tuple[str, object]] = [
        ("10 người", 10),
        ("3 nguoi", 3),
        ("khoang 10", 10),
        ("khoảng 10 hộ", 10),
        ("tầm 7 ạ", 7),
        ("mười lăm người", 15),  # in words
        ("khoang hai muoi ho", 20),
        ("tam nguoi", 8),  # 'tám người'; 'tam 7' is 'tầm 7'
        ("tầm bảy người", 7),
        ("từ 5", 5),  # 'từ' is not 'tư' (four)
        ("tầm mười người", 10),  # not 'tám mươi' (80)
        ("từ mười lăm người trở lên", 15),
        ("tám mươi người", 80),
        ("ba mốt người", 31),  # said short, 'mươi' left out
        ("khoảng hai lăm hộ", 25),
        ("hai chục người", 20),
    ]
    for chat, typed, members in people(app, cases):
        await to_members(chat)
        *_, asked = await chat.say(typed)
        assert "(bước 9/11)" in asked.text, typed  # the support question
        await answer(chat, "f:v:tu_van", "f:v:__done")
        assert (await finish(chat)).members_expected == members, typed


async def test_a_head_count_that_is_not_one_number_is_asked_again(app: HtxApp) -> None:
    cases: list[tuple[str, object]] = [
        ("5 den 10", "reg_members_one_number"),
        ("5-10 người", "reg_members_one_number"),
        ("10 ha", "reg_bad_members"),  # hectares are not people
        ("100001 người", "reg_bad_members"),  # over the limit, as before
        ("0", "reg_bad_members"),
        ("tam muoi nguoi", "reg_bad_members"),  # 'tám mươi' (80) or 'tầm mười' (10)?
        ("khoảng -5", "reg_bad_members"),
        ("-5", "reg_bad_members"),  # not five
        ("− 5 người", "reg_bad_members"),
    ]
    for chat, typed, key in people(app, cases):
        await to_members(chat)
        error, asked = await chat.say(typed)
        assert error.text == t(str(key)) and "(bước 8/11)" in asked.text, typed


# --- several support needs typed at once -----------------------------------------------------
def ticked(reply: Reply) -> list[str]:
    return [b.payload[4:] for row in reply.buttons for b in row if b.label.startswith("☑️")]


async def pick_several(chat: Chat, typed: str, *values: str) -> list[Reply]:
    """Several numbered choices typed at once, as a text-only channel resolves them."""
    return await chat._send(text=typed, picks=tuple(f"f:v:{v}" for v in values))


async def test_several_picks_tick_several_needs(chat: Chat) -> None:
    await to_members(chat)
    await chat.say("10")
    [asked] = await pick_several(chat, "1,3", "tu_van", "dao_tao")
    assert ticked(asked) == ["tu_van", "dao_tao"]
    # Each toggles, as its button does; «Xong» among them finishes after the toggles.
    [asked] = await pick_several(chat, "2 3", "vay_von", "dao_tao")
    assert ticked(asked) == ["tu_van", "vay_von"]
    await pick_several(chat, "1 7", "tu_van", "__done")
    assert (await finish(chat)).support == ["vay_von"]


async def test_picks_that_are_not_this_questions_change_nothing(chat: Chat) -> None:
    """Numbers not on the screen, or on it but not supports (the menu after /start mid-dialog),
    and numbers typed where no channel numbered anything (Telegram) are all refused."""
    await to_members(chat)
    await chat.say("10")
    await chat.press("f:v:tu_van")
    for typed, picks in (("3, 9", ()), ("2 3", ("menu:qa", "menu:classes"))):
        error, asked = await chat._send(text=typed, picks=picks)
        assert error.text == t("reg_bad_choice") and ticked(asked) == ["tu_van"], typed


async def test_numbers_and_done_in_one_line_on_the_console(app: HtxApp) -> None:
    """The console numbers the buttons; '1,3' was refused, only one digit at a time worked."""
    out = io.StringIO()
    console = ConsoleChannel(app, user_id="c7", out=out)
    for line in ("/dangky", "1", "Nguyen Van An", "0912345678", "lam dong", "xuan huong da lat"):
        await console.say(line)
    for line in ("1", "ca phe", "10", "1,3", "2 7", "1", "1", "1"):
        await console.say(line)
    async with app.sessions() as s:
        row = await s.scalar(select(Registration))
    assert row is not None, out.getvalue()[-800:]
    assert row.support == ["tu_van", "vay_von", "dao_tao"]


async def test_numbers_typed_after_start_mid_dialog_are_the_menus_not_supports(app: HtxApp):
    """A reviewer's case: after /start the screen numbers the menu 1–6 and «Làm tiếp» 7; '2 3'
    silently ticked the 2nd and 3rd supports, which were not on the screen."""
    out = io.StringIO()
    console = ConsoleChannel(app, user_id="c8", out=out)
    for line in ("/dangky", "1", "Nguyen Van An", "0912345678", "lam dong", "xuan huong da lat"):
        await console.say(line)
    for line in ("1", "ca phe", "10", "1", "/start", "2 3", "Làm tiếp"):
        await console.say(line)
    screen = out.getvalue().rsplit("(bước 9/11)", 1)[1]  # the support question, asked again
    assert screen.count("☑️") == 1 and "☑️ " + label("support_tu_van") in screen


# --- a commune by a part of its name ---------------------------------------------------------
@pytest.mark.parametrize(
    "typed", ["xuan huong", "Xuân Hương", "phuong xuan huong", "xuan huong da lat", "P Xuân Hương"]
)
def test_a_commune_by_its_name_without_the_old_place(typed: str) -> None:
    assert [p.name for p in find_communes(LAM_DONG, typed)] == ["Phường Xuân Hương - Đà Lạt"]


def test_a_typo_in_the_part_still_finds_it_first() -> None:
    assert find_communes(LAM_DONG, "xuan huog")[0].name == "Phường Xuân Hương - Đà Lạt"


def test_the_old_place_alone_offers_all_its_communes() -> None:
    found = find_communes(LAM_DONG, "da lat")
    assert sorted(p.name for p in found) == sorted(f"Phường {w} - Đà Lạt" for w in DA_LAT)


async def test_the_prompts_own_example_typed_naturally(chat: Chat) -> None:
    await answer(chat, "/dangky", "f:v:htx", "Nguyễn Văn An", "0912345678")
    *_, asked = await chat.say("lam dong")
    assert "Phường Xuân Hương - Đà Lạt" in asked.text  # the example the bug report typed
    [sector] = await chat.say("xuan huong")
    assert "(bước 6/11)" in sector.text


async def test_a_part_several_communes_share_asks_which(chat: Chat) -> None:
    await answer(chat, "/dangky", "f:v:htx", "Nguyễn Văn An", "0912345678", "lam dong")
    [pick] = await chat.say("da lat")
    assert pick.text == t("reg_pick_commune")
    offered = {b.label: b.payload for row in pick.buttons[:-1] for b in row}  # not back/cancel
    assert sorted(offered) == sorted(f"Phường {w} - Đà Lạt" for w in DA_LAT)
    [sector] = await chat.press(offered["Phường Cam Ly - Đà Lạt"])
    assert "(bước 6/11)" in sector.text
    await answer(chat, "f:v:trong_trot", "cà phê", "10", "f:v:tu_van", "f:v:__done")
    row = await finish(chat)
    cam_ly = offered["Phường Cam Ly - Đà Lạt"].removeprefix("f:v:")
    assert row.province_code == LAM_DONG and row.commune_code == cam_ly


@pytest.mark.parametrize(
    ("typed", "yes"),
    [
        ("Xác nhận", True),
        ("xac nhan", True),
        ("đúng", True),
        ("dung", True),  # without diacritics, "đúng"
        ("OK.", True),
        ("co", True),
        ("dừng", False),  # "stop": folds to "dung" too
        ("cỏ", False),
        ("không", False),
        ("", False),
    ],
)
def test_a_confirmation_typed_with_or_without_diacritics_is_yes_and_look_alikes_are_not(
    typed: str, yes: bool
):
    assert typed_yes(typed) is yes


async def test_cancel_typed_with_its_tone_mark_cancels_at_the_name_question(app: HtxApp):
    """'huy' alone is the name Huy; 'huỷ' with its mark is the word, and was saved as a name."""
    for i, typed in enumerate(["huỷ", "Hủy", "hủy bỏ", "thoát"]):
        chat = Chat(app, user_id=f"31-{i}")
        await chat.say("/dangky")
        await chat.press("f:v:tht")
        [reply] = await chat.say(typed)
        assert "Đã huỷ" in reply.text, (typed, reply.text)
    async with app.sessions() as s:
        assert await s.scalar(select(FormState)) is None


async def test_a_note_that_says_huy_is_a_note_and_cancel_words_are_not_consent(app: HtxApp):
    """In free text 'Hủy' may be the answer itself ('cancel my registration'): it is saved as
    the note, not taken for leaving the dialog; and 'cỏ' typed at the consent is no consent."""
    chat = Chat(app, user_id="41")
    await fill(chat, finish=False)
    [refused, _] = await chat.say("cỏ")
    assert "chọn một mục" in refused.text
    await chat.press("f:v:yes")
    await chat.press("f:v:confirm")
    async with app.sessions() as s:
        row = await s.scalar(select(Registration))
    await chat.press(f"reg:note:{row.id}")
    await chat.say("Hủy")
    async with app.sessions() as s:
        assert (await s.get(Registration, row.id)).notes == ["Hủy"]
