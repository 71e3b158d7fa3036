"""The baselines for bench/e2e_throughput.py: plain python-telegram-bot bots doing no work.

`echo_bot.py TOKEN BASE_URL` echoes the text back. With `--answers` it replies instead with
answers shaped like htxbot's (a knowledge-base entry as HTML, with three buttons to related
entries, no link preview), taken in turn without searching and without a database: what
sending htxbot's replies costs python-telegram-bot, with none of htxbot's own work.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Coroutine
from datetime import date
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, MessageHandler, filters

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from messages.answers import entry_label, render_entry
from messages.i18n import t
from messages.kb import load_kb


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message and update.message.text:
        await update.message.reply_text(update.message.text)


def answering() -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    entries = load_kb().entries
    related = "\n\n" + t("qa_related", "vi")
    answers = [
        (
            render_entry(entry, today=date.today()) + related,
            [(entry_label(e), f"qa:{e.id}") for e in entries[i + 1 : i + 4]],
        )
        for i, entry in enumerate(entries[:-3])
    ]
    turns = itertools.cycle(answers)

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message and update.message.text:
            text, related = next(turns)
            keyboard = InlineKeyboardMarkup(
                [[InlineKeyboardButton(title, callback_data=data)] for title, data in related]
            )
            await update.message.reply_text(
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )

    return answer


def main() -> None:
    token, base_url = sys.argv[1], sys.argv[2]
    callback = answering() if "--answers" in sys.argv[3:] else echo
    app = Application.builder().token(token).base_url(base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, callback))
    app.run_polling(poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
