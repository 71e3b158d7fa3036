"""`htxbot chat`: the same handlers in a terminal. Buttons become numbered choices; files the
bot sends are written to a folder; a message for another person on the console waits in the
database for that person's own terminal (storage/console_inbox.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from bot.app import HtxApp
from bot.render import (
    flat_buttons,
    markup_to_plain,
    navigation_hint,
    numbered_choices,
    pick_choice,
    pick_choices,
    same_label,
    which_button,
)
from handlers.types import Attachment, Button, InboundEvent, Reply
from messages.i18n import Markup, t
from storage.console_inbox import post, take

log = logging.getLogger("htxbot.console")
CHANNEL = "console"
EXIT_WORDS = {"/thoat", "/exit", "/quit"}
FARMER_USER, STAFF_USER = "1", "staff"  # `htxbot chat` and `htxbot chat --staff`
FILES_DIR = Path("htxbot-files")
INBOX_POLL = 0.5  # seconds between looks for messages other terminals left for this one


async def read_stdin() -> str | None:
    try:
        return await asyncio.to_thread(input, "> ")
    except EOFError:
        return None


def packed(reply: Reply) -> dict[str, Any]:
    """A reply as JSON for the inbox (its file goes in columns of its own)."""
    return {
        "text": str(reply.text),
        "buttons": [[[b.label, b.payload, b.url] for b in row] for row in reply.buttons],
        "request_contact": reply.request_contact,
        "edit": reply.edit_message_id,
    }


def unpacked(data: dict[str, Any], file_name: str, file_data: bytes | None) -> Reply:
    return Reply(
        Markup(data["text"]),  # markup written by the bot, escaped when it was built
        buttons=tuple(tuple(Button(*b) for b in row) for row in data["buttons"]),
        request_contact=data["request_contact"],
        document=Attachment(file_name, file_data or b"") if file_name else None,
        edit_message_id=data["edit"],
    )


def save_file(folder: Path, name: str, data: bytes) -> Path:
    """Write a file the bot sent into `folder` (made on demand) under its own name, or with
    -2, -3… before the extension rather than over an earlier one."""
    folder.mkdir(parents=True, exist_ok=True)
    base = Path(Path(name).name.strip() or "tep")  # never outside the folder
    for n in range(1, 10_000):
        path = folder / (base.name if n == 1 else f"{base.stem}-{n}{base.suffix}")
        try:
            with path.open("xb") as f:  # "x": another terminal may write the same name
                f.write(data)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(folder / base)


class ConsoleChannel:
    """One terminal user talking to the bot; staff with --staff."""

    def __init__(
        self,
        app: HtxApp,
        *,
        user_id: str = FARMER_USER,
        display_name: str = "Bạn",
        staff: bool = False,
        out: TextIO = sys.stdout,
        files_dir: Path = FILES_DIR,
        prompt: str = "",
    ) -> None:
        self.app = app
        self.user_id = user_id
        self.display_name = display_name
        self.out = out
        self.files_dir = files_dir
        self.prompt = prompt  # shown again after a message that came while waiting for a line
        self.choices: list[Button] = []
        # The choices offered so far in the answer to the current line: several messages (class
        # cards, then a filter list) share one numbering, so every number shown stays valid.
        self._offered: list[Button] | None = None
        # A line's answer and messages from other terminals are shown one after the other.
        self._turn = asyncio.Lock()
        # Every terminal knows the console's staff member, so a farmer's question for staff or
        # new registration reaches the staff terminal, whichever process it was made in.
        staff_ref = f"{CHANNEL}:{STAFF_USER}"
        admins = app.config.admins | {staff_ref} | ({f"{CHANNEL}:{user_id}"} if staff else set())
        staff_chats = app.config.staff_chat_ids
        if staff_ref not in staff_chats:
            staff_chats = (*staff_chats, staff_ref)
        app.config = replace(app.config, admins=admins, staff_chat_ids=staff_chats)
        app.register_sender(CHANNEL, self.send)

    async def send(self, chat_id: str, reply: Reply, *, priority: int = 0) -> str | None:
        """Deliver one reply: shown here if it is for this terminal's user; else left in the
        inbox of the person it is for, whose terminal shows it (now, or when they start)."""
        if chat_id == self.user_id:
            self.show(reply)
            return None
        document = reply.document
        async with self.app.sessions() as s:
            await post(
                s,
                chat_id=chat_id,
                reply=packed(reply),
                now=self.app.clock(),
                file_name=document.filename if document else "",
                file_data=document.data if document else None,
            )
            await s.commit()
        return None

    def show(self, reply: Reply) -> None:
        """Print one reply to this terminal's user; its file, if any, goes to the files folder."""
        text = markup_to_plain(reply.text)
        buttons = flat_buttons(reply)
        before = self._offered if self._offered is not None else []
        if reply.document is not None:
            text += "\n" + self._file_line(reply.document)
        if buttons:
            text += "\n" + numbered_choices(buttons, len(before) + 1)
        if hint := navigation_hint(reply):
            text += "\n" + markup_to_plain(t(hint, "vi"))  # the console speaks Vietnamese
        if reply.buttons:
            self.choices = before + buttons
            if self._offered is not None:
                self._offered = self.choices
        if reply.edit_message_id:
            text = "[cập nhật] " + text
        print(text + "\n", file=self.out, flush=True)

    def _file_line(self, file: Attachment) -> str:
        if not file.data:  # only a Telegram file_id (a file sent in a Telegram dialog)
            return f"[tệp {file.filename}: chỉ có trên Telegram]"
        path = save_file(self.files_dir, file.filename, file.data)
        return f"[tệp đã lưu: {path} ({len(file.data)} byte)]"

    async def check_inbox(self) -> int:
        """Show what other terminals left for this user; returns how many messages."""
        async with self._turn:
            async with self.app.sessions() as s:
                rows = await take(s, self.user_id)
                await s.commit()
            for row in rows:
                self.show(unpacked(row.reply, row.file_name, row.file_data))
        if rows and self.prompt:
            print(self.prompt, end="", file=self.out, flush=True)
        return len(rows)

    async def _watch_inbox(self) -> None:
        while True:
            try:
                await self.check_inbox()
            except Exception:  # the database busy or gone a moment: look again next time
                log.warning("could not read the console inbox", exc_info=True)
            await asyncio.sleep(INBOX_POLL)

    def event_for(self, line: str) -> InboundEvent | None:
        choice = pick_choice(line, self.choices) if self.choices else None
        if choice is None and (numbers := same_label(line, self.choices)):
            print(markup_to_plain(which_button(line, numbers)) + "\n", file=self.out, flush=True)
            return None
        if choice is not None and choice.url:
            print(choice.url + "\n", file=self.out, flush=True)
            return None
        base = InboundEvent(
            channel=CHANNEL,
            user_id=self.user_id,
            chat_id=self.user_id,
            display_name=self.display_name,
            language_code="vi",
        )
        if choice is not None:
            return replace(base, payload=choice.payload)
        several = pick_choices(line, self.choices) if self.choices else None
        return replace(base, text=line, picks=tuple(b.payload for b in several or ()))

    async def say(self, line: str) -> None:
        event = self.event_for(line)
        if event is not None:
            async with self._turn:
                self._offered = []
                try:
                    await self.app.respond(event)
                finally:
                    self._offered = None

    async def run(self, read: Callable[[], Awaitable[str | None]] = read_stdin) -> None:
        """Greet, then answer each line until end of input or /thoat; meanwhile show what
        other terminals send this user."""
        print("htxbot — gõ /thoat để thoát, gõ số để chọn.\n", file=self.out, flush=True)
        await self.say("/start")
        watcher = asyncio.create_task(self._watch_inbox())
        try:
            while (line := await read()) is not None:
                if line.strip().lower() in EXIT_WORDS:
                    break
                await self.say(line)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
