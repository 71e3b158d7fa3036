"""Whatever a user sends, the router replies and nothing raises: any text or button payload
(a property), superscript digits, and ids too big for the database, which are a thing not
found."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import HtxApp
from handlers.ids import as_id
from handlers.types import InboundEvent
from tests.conftest import ADMIN_ID, Chat, make_settings


@pytest.fixture(scope="module")
def running_app(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[asyncio.Runner, HtxApp]]:
    path: Path = tmp_path_factory.mktemp("fuzz")
    runner = asyncio.Runner()
    app = HtxApp(make_settings(path))
    runner.run(app.start())
    yield runner, app
    runner.run(app.close())
    runner.close()


texts = st.one_of(
    st.text(max_size=1200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50).map(lambda s: "/" + s),
    st.sampled_from(
        [
            "/dieu",
            "/dieu abc",
            "/dieu 0",
            "/dieu 999 2012",
            "/hoi",
            "/capquyen",
            "/traloi",
            "/ngonngu xx",
            "😀" * 300,
            "\x00\x01\x02",
            "điều 42 luật 2023",
        ]
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=texts, user=st.sampled_from(["u1", "u2", "777"]))
def test_any_text_gets_a_reply(running_app: tuple[asyncio.Runner, HtxApp], text: str, user: str):
    runner, app = running_app
    event = InboundEvent(channel="telegram", user_id=user, chat_id=user, text=text)
    outcome = runner.run(app.handle(event))
    assert outcome.route != "error"
    assert outcome.replies and all(r.text for r in outcome.replies)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=st.text(max_size=64))
def test_any_button_payload_gets_a_reply(running_app: tuple[asyncio.Runner, HtxApp], payload: str):
    runner, app = running_app
    event = InboundEvent(channel="telegram", user_id="u3", chat_id="u3", payload=payload)
    outcome = runner.run(app.handle(event))
    assert outcome.route != "error"
    assert outcome.replies


@pytest.mark.parametrize("text", ["/start lop_²", "/dieu ²", "/dslop ²", "/dangky_²"])
async def test_superscript_digits_in_a_command_get_a_reply_not_an_error(chat: Chat, text: str):
    await chat.say(text)
    assert chat.routes[-1] != "error"


HUGE = "9" * 25  # past SQLite's 64-bit and PostgreSQL's 32-bit integers


async def test_a_huge_id_anywhere_is_a_thing_not_found_not_an_error(app: HtxApp):
    farmer = Chat(app, user_id="5")
    staff = Chat(app, user_id=str(ADMIN_ID), channel="telegram")
    for chat, typed in (
        (farmer, f"/start lop_{HUGE}"),
        (staff, f"/dslop {HUGE}"),
        (staff, f"/dangky_{HUGE}"),
        (staff, f"/traloi {HUGE} được ạ"),
        (staff, f"/huythongbao {HUGE}"),
        (staff, f"/qr {HUGE}"),
    ):
        await chat.say(typed)
        assert chat.routes[-1] != "error", typed
    for chat, payload in (
        (farmer, f"cls:show:{HUGE}"),
        (farmer, f"cls:enrol:{HUGE}"),
        (farmer, f"rem:del:{HUGE}"),
        (farmer, f"rem:snooze:{HUGE}:60"),
        (farmer, f"ask:staff:{HUGE}"),
        (farmer, f"reg:withdraw:{HUGE}"),
        (staff, f"clss:att:{HUGE}"),
        (staff, f"clss:mark:{HUGE}:0"),
        (staff, f"regs:claim:{HUGE}"),
        (staff, f"faq:save:{HUGE}"),
        (staff, f"bc:cancel:{HUGE}"),
    ):
        await chat.press(payload)
        assert chat.routes[-1] != "error", payload


def test_only_plain_digits_that_fit_the_database_are_taken_for_an_id():
    assert as_id("42") == 42 and as_id(str(2**31 - 1)) == 2**31 - 1
    for bad in (None, "", "0", "-1", "4x", "²", str(2**31), HUGE):
        assert as_id(bad) is None, bad
