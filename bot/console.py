"""`htxbot chat`: the same handlers in a terminal. Buttons become numbered choices."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TextIO

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
from handlers.types import Button, InboundEvent, Reply
from messages.i18n import t

CHANNEL = "console"
EXIT_WORDS = {"/thoat", "/exit", "/quit"}


async def read_stdin() -> str | None:
    try:
        return await asyncio.to_thread(input, "> ")
    except EOFError:
        return None


class ConsoleChannel:
    """One terminal user talking to the bot; staff with --staff."""

    def __init__(
        self,
        app: HtxApp,
        *,
        user_id: str = "1",
        display_name: str = "Bạn",
        staff: bool = False,
        out: TextIO = sys.stdout,
    ) -> None:
        self.app = app
        self.user_id = user_id
        self.display_name = display_name
        self.out = out
        self.choices: list[Button] = []
        # The choices offered so far in the answer to the current line: several messages (class
        # cards, then a filter list) share one numbering, so every number shown stays valid.
        self._offered: list[Button] | None = None
        if staff:
            admins = app.config.admins | {f"{CHANNEL}:{user_id}"}
            app.config = replace(app.config, admins=admins)
        app.register_sender(CHANNEL, self.show)

    async def show(self, chat_id: str, reply: Reply, *, priority: int = 0) -> str | None:
        """Print one reply; replies to someone else's chat are labelled."""
        prefix = "" if chat_id == self.user_id else f"[→ {CHANNEL}:{chat_id}] "
        text = prefix + markup_to_plain(reply.text)
        buttons = flat_buttons(reply)
        mine = chat_id == self.user_id
        before = self._offered if mine and self._offered is not None else []
        if reply.document is not None:
            text += f"\n[tệp đính kèm: {reply.document.filename}, {len(reply.document.data)} byte]"
        if buttons:
            text += "\n" + numbered_choices(buttons, len(before) + 1)
        if hint := navigation_hint(reply):
            text += "\n" + markup_to_plain(t(hint, "vi"))  # the console speaks Vietnamese
        if mine and reply.buttons:
            self.choices = before + buttons
            if self._offered is not None:
                self._offered = self.choices
        if reply.edit_message_id:
            text = "[cập nhật] " + text
        print(text + "\n", file=self.out, flush=True)
        return None

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
            self._offered = []
            try:
                await self.app.respond(event)
            finally:
                self._offered = None

    async def run(self, read: Callable[[], Awaitable[str | None]] = read_stdin) -> None:
        """Greet, then answer each line until end of input or /thoat."""
        print("htxbot — gõ /thoat để thoát, gõ số để chọn.\n", file=self.out, flush=True)
        await self.say("/start")
        while (line := await read()) is not None:
            if line.strip().lower() in EXIT_WORDS:
                break
            await self.say(line)
