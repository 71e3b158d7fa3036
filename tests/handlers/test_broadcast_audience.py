"""The audience of a /thongbao dialog as its steps and Back presses leave it (pure functions;
the whole dialog is tested end to end in tests/e2e/test_telegram_broadcasts.py)."""

from __future__ import annotations

from types import SimpleNamespace

from handlers.broadcasts import current_segment, read_segment, read_segment_value
from handlers.types import HandlerConfig, InboundEvent

PATH = ["text", "attachment", "buttons"]


async def test_a_dialog_begun_before_the_change_keeps_its_audience():
    """Dialogs stored with the merged `segment` only (before conditions were kept per visit)
    still show it, and a condition added on top adds to it."""
    data = {
        "_path": [*PATH, "segment_kind", "segment_value", "segment_more"],
        "segment": {"province": ["66"]},
    }
    assert current_segment(data) == {"province": ["66"]}
    event = InboundEvent(channel="telegram", user_id="1", chat_id="1")
    # The steps as the forms engine runs them (it stores the kind and extends the path).
    await read_segment(event, "language", None, data)  # type: ignore[arg-type]
    data["segment_kind"] = "language"
    data["_path"].append("segment_kind")
    ctx = SimpleNamespace(config=HandlerConfig())  # all the step reads of the update
    await read_segment_value(event, "en", ctx, data)  # type: ignore[arg-type]
    data["_path"].append("segment_value")
    assert current_segment(data) == {"province": ["66"], "language": "en"}


def test_everyone_chosen_last_means_everyone():
    data = {
        "_path": [*PATH, "segment_kind", "segment_value", "segment_more", "segment_kind"],
        "segment_kinds": ["province", "all"],
        "conditions": [{"province": ["66"]}],
    }
    assert current_segment(data) == {}
    data["_path"].pop()  # Back from "when" to the second "who?"
    assert current_segment(data) == {"province": ["66"]}
