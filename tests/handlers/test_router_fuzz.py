"""Property: whatever a user sends, the router replies and nothing raises."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import HtxApp
from handlers.types import InboundEvent
from tests.conftest import make_settings


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
