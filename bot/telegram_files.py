"""Photos and files on Telegram: sent by file_id when Telegram already has them (so a
broadcast to 10,000 people uploads its photo once per process), with the text as the caption
when it fits."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from telegram import Bot, InputFile, Message
from telegram.constants import MessageLimit, ParseMode

from handlers.types import Attachment, Reply

CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH  # 1,024 characters


class FileSender:
    def __init__(self) -> None:
        self._file_ids: dict[str, str] = {}  # sha256 of the bytes → Telegram file_id
        # One upload of the same bytes at a time: the sends behind it wait for its file_id
        # instead of uploading again (a broadcast's sends overlap when an upload is slow).
        self._uploads: dict[str, asyncio.Lock] = {}

    async def send(self, bot: Bot, chat_id: str, reply: Reply, markup: Any) -> Message | None:
        """Send the reply's attachment. For a photo whose text fits in a caption, the text and
        buttons go with it and the message is returned (nothing more to send); otherwise None,
        and the text follows as a message of its own."""
        file = reply.document
        assert file is not None
        if file.file_id or not file.data or _digest(file) in self._file_ids:
            return await self._send(bot, chat_id, reply, markup, file)
        key = _digest(file)
        lock = self._uploads.setdefault(key, asyncio.Lock())
        try:
            async with lock:  # the file_id may be known once it is our turn
                return await self._send(bot, chat_id, reply, markup, file)
        finally:
            if not lock.locked():
                self._uploads.pop(key, None)

    async def _send(
        self, bot: Bot, chat_id: str, reply: Reply, markup: Any, file: Attachment
    ) -> Message | None:
        with_caption = file.kind == "photo" and len(reply.text) <= CAPTION_LIMIT
        caption = reply.text if with_caption else None
        keyboard = markup if with_caption else None
        media = self._media(file)
        if file.kind == "photo":
            sent = await bot.send_photo(
                chat_id, media, caption=caption, parse_mode=ParseMode.HTML, reply_markup=keyboard
            )
            if sent.photo:
                self._remember(file, sent.photo[-1].file_id)
        else:
            sent = await bot.send_document(chat_id, media, filename=file.filename)
            if sent.document:
                self._remember(file, sent.document.file_id)
        return sent if with_caption else None

    def _media(self, file: Attachment) -> str | InputFile:
        if file.file_id:
            return file.file_id
        known = self._file_ids.get(_digest(file))
        return known or InputFile(file.data, filename=file.filename)

    def _remember(self, file: Attachment, file_id: str) -> None:
        if file.data and not file.file_id:
            if len(self._file_ids) > 1000:
                self._file_ids.clear()
            self._file_ids[_digest(file)] = file_id


def _digest(file: Attachment) -> str:
    return hashlib.sha256(file.data).hexdigest()
