"""A reply that takes several Telegram calls (a file, then its text; a text over 4,096
characters, in parts), with one of the later calls refused by a 429: the retry sends only what
had not gone, so nobody gets the file or the first part twice."""

from __future__ import annotations

import asyncio

from bot.telegram_channel import TelegramChannel
from handlers.types import Attachment, Reply
from tests.fake_telegram import FakeTelegram

CHAT = "7001"


def calls(tg: FakeTelegram, method: str) -> list[dict]:
    return [c.params for c in tg.calls if c.method == method]


async def test_a_refused_text_after_its_file_does_not_send_the_file_again(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    tg.refuse_once("sendMessage")
    file = Attachment("bien-ban.pdf", kind="document", file_id="FILE-1")
    await telegram_bot.send(CHAT, Reply("Biên bản họp đại hội thành viên", document=file))
    assert len(calls(tg, "sendDocument")) == 1
    assert [m["text"] for m in calls(tg, "sendMessage")] == ["Biên bản họp đại hội thành viên"]
    assert tg.too_many_requests == 1  # the planned refusal, honoured


async def test_a_refused_second_part_does_not_send_the_first_again(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    paragraphs = [f"Đoạn {i}: " + ("nội dung điều lệ hợp tác xã. " * 40).strip() for i in range(8)]
    text = "\n\n".join(paragraphs)  # about 9,000 characters: three messages
    tg.refuse_once("sendMessage", on_call=2)
    await telegram_bot.send(CHAT, Reply(text))
    sent = [m["text"] for m in calls(tg, "sendMessage")]
    assert len(sent) == 3
    assert sent[0].startswith("Đoạn 0") and sum(s.count("Đoạn ") for s in sent) == 8
    assert "\n\n".join(sent) == text


async def test_a_photo_sent_to_several_chats_at_once_is_uploaded_once(
    tg: FakeTelegram, telegram_bot: TelegramChannel
):
    """A broadcast's sends overlap when an upload is slow: the others wait for its file_id."""
    tg.upload_seconds = 0.3
    photo = Attachment("hoi-cho.png", kind="photo", data=b"\x89PNG\r\n\x1a\n" + b"0" * 2000)
    reply = Reply("<b>Hội chợ nông sản</b>", document=photo)
    chats = ["7101", "7102", "7103"]
    await asyncio.gather(*(telegram_bot.send(chat, reply) for chat in chats))
    photos = calls(tg, "sendPhoto")
    assert sorted(str(p["chat_id"]) for p in photos) == chats
    assert tg.uploads == 1
    assert [p["photo"] for p in photos].count("uploaded-1") == 2  # sent again by its file_id
