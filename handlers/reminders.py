"""Personal reminders (/nhactoi, /nhacnho), how any reminder is shown, and the next reminder of
a series (its dates: messages.recurrence; quiet hours: messages.quiet_hours)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.classes.view import leave_button
from handlers.main_menu import MenuReminders
from handlers.payloads import Payload, Tail
from handlers.routing import FeatureRouter, Route, TextClaim
from handlers.types import Button, Ctx, InboundEvent, Reply
from messages.i18n import label, t
from messages.recurrence import first_occurrence_after, series_next, series_slot, shift_params
from messages.textnorm import fold
from messages.timefmt import local_time
from messages.vi_datetime import is_past, mentions_lunar_date, parse_vi_datetime
from storage.models import Reminder
from storage.reminders import (
    add_reminder,
    cancel_where,
    pending_of,
    pending_snoozes,
    snooze_key,
)


class DeleteReminder(Payload, prefix="rem", verb="del"):
    reminder_id: int


class Snooze(Payload, prefix="rem", verb="snooze"):
    reminder_id: int
    minutes: int


class ReminderGone(Payload, prefix="rem"):
    """A reminder button that reads as none of the above: forged, or cut short."""

    rest: Tail | None = None


_REPEAT_WORDS = {
    "hang ngay": "daily",
    "moi ngay": "daily",
    "hang tuan": "weekly",
    "moi tuan": "weekly",
    "hang thang": "monthly",
    "moi thang": "monthly",
    "hang nam": "yearly",
    "moi nam": "yearly",
    "hang quy": "quarterly",
    "moi quy": "quarterly",
    "3 thang mot lan": "quarterly",
    "ba thang mot lan": "quarterly",
}
# Repeats the bot does not keep ('hằng giờ', '2 tuần một lần', 'cách ngày'): set as a one-off
# they would stop after once without a word, so they are refused with the ones it keeps.
_OTHER_REPEATS = re.compile(
    r"\b(hang|moi)\s+(gio|tieng|phut)\b"
    r"|\b(\d+|hai|ba|bon|nam|sau)\s+(ngay|tuan|thang|nam|gio|tieng)\s+(mot|1)\s+lan\b"
    r"|\bcach\s+(mot\s+)?ngay\b"
)
_LEAD = re.compile(r"^\s*(nhắc|nhac)\s+(tôi|toi|em|anh|chị|chi|mình|minh)?\s*", re.IGNORECASE)
PERSONAL_GRACE = timedelta(hours=12)
_ASKING = re.compile(r"^\s*(nhắc|nhac)\s+(tôi|toi|mình|minh|em|anh|chị|chi)\s+\S", re.IGNORECASE)
# "nhac toi nay 8h": "nhắc tối nay" (tonight), so only the verb goes.
_TONIGHT = re.compile(r"^\s*(nhắc|nhac)\s+(?=(tối|toi)\s+nay\b)", re.IGNORECASE)
# Endings and phrases of a question: "nhắc tôi khi nào phải nộp báo cáo", "… đúng không".
_QUESTION = re.compile(
    r"\?|\b(khi nao|la gi|the nao|bao nhieu|co duoc|co phai)\b"
    r"|\b(khong|ko|gi|nao|sao|chua|nhi)\W*$"
)


def reminder_request(text: str, now: datetime, tz: str) -> str | None:
    """What follows "nhắc tôi" in free text ("nhac toi 7h sang mai di hop" → "7h sang mai di
    hop") when it is a reminder asked for without /nhactoi: a time in it, and not put as a
    question ("nhắc tôi khi nào phải nộp báo cáo" is one). None otherwise. The words asking
    are dropped before the time is read: folded, "tôi" is "tối" (evening)."""
    text = unicodedata.normalize("NFC", text)
    if not _ASKING.match(text) or _QUESTION.search(fold(text)):
        return None
    rest = _TONIGHT.sub("", text, count=1) if _TONIGHT.match(text) else _LEAD.sub("", text, 1)
    if parse_vi_datetime(rest, now, tz, allow_past=True) is None and not mentions_lunar_date(rest):
        return None
    return rest  # a lunar date too: /nhactoi says it takes solar dates


async def add_next_occurrence(
    session: AsyncSession, row: Reminder, *, now: datetime, tz: str
) -> bool:
    """The next reminder of a recurring series (its dates moved along); False if none."""
    nxt = series_next(row.series_start, row.recurrence, row.due_at, tz)
    if nxt is None:
        return False
    slot = series_slot(row.series_start, row.recurrence, row.due_at, tz)
    return await add_reminder(
        session,
        user_id=row.user_id,
        channel=row.channel,
        chat_id=row.chat_id,
        kind=row.kind,
        message_key=row.message_key,
        params=shift_params(row.params, row.recurrence),
        due_at=nxt,
        # Worth sending as long after its time as this one was: counted from this one's place
        # in the series, so a late send does not shorten the ones after it.
        expires_at=nxt + (row.expires_at - slot),
        recurrence=row.recurrence,
        series_start=row.series_start or row.due_at,
        user_chose_time=row.user_chose_time,
        class_id=row.class_id,
        idempotency_key=f"{row.idempotency_key[:100]}#{nxt.isoformat()}",
        created_at=now,
    )


def render_reminder(row: Reminder, lang: str) -> Reply:
    """What a due reminder says, with its buttons."""
    text = t(row.message_key, lang, **row.params)
    buttons = _class_buttons(row, lang)
    if row.kind == "personal":
        buttons = (
            (
                Snooze(row.id, 60).button(label("btn_snooze_hour", lang)),
                Snooze(row.id, 1440).button(label("btn_snooze_day", lang)),
            ),
        )
    return Reply(text, buttons=buttons)


async def remind_me(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/nhactoi 7h sáng thứ Hai nộp báo cáo [hàng tuần]: a personal reminder."""
    raw = " ".join(args) if args else ""
    if not raw:
        return [Reply(t("rem_usage", ctx.lang))]
    recurrence = ""
    for words, rec in _REPEAT_WORDS.items():
        if words in fold(raw):
            recurrence, raw = rec, _drop(raw, words)
    if not recurrence and _OTHER_REPEATS.search(fold(raw)):
        return [Reply(t("rem_repeat_unsupported", ctx.lang))]
    # A repeating reminder whose moment has just passed ('8h 5/12 hằng tháng' typed on 06/12,
    # '7h hôm nay hằng ngày' at noon) starts at its next occurrence, not a year later or never;
    # a one-off keeps the parser's rule (a date without a year is the nearest one; a past
    # time is refused).
    parsed = parse_vi_datetime(raw, ctx.now, ctx.config.timezone, allow_past=bool(recurrence))
    if parsed is None:
        if mentions_lunar_date(raw):
            return [Reply(t("rem_lunar_date", ctx.lang))]
        past = is_past(raw, ctx.now, ctx.config.timezone)
        return [Reply(t("rem_time_past" if past else "rem_bad_time", ctx.lang))]
    when = first_occurrence_after(parsed.when, recurrence, ctx.config.timezone, ctx.now)
    if when <= ctx.now:
        return [Reply(t("rem_time_past", ctx.lang))]
    message = _LEAD.sub("", parsed.rest).strip(" ,.:-") or t("rem_default_text", ctx.lang)
    key = f"personal:{ctx.user.id}:{when.isoformat()}:{fold(message)[:60]}"
    await add_reminder(
        ctx.session,
        user_id=ctx.user.id,
        channel=ctx.user.channel,
        chat_id=ctx.user.chat_id,
        kind="personal",
        message_key="rem_personal",
        params={"text": message[:500]},
        due_at=when,
        expires_at=when + PERSONAL_GRACE,
        idempotency_key=key,
        recurrence=recurrence,
        # The day typed, not the first one reached: '31/1 hằng tháng' set in February is due
        # 28/2 but then the 31st again.
        series_start=parsed.when if recurrence else None,
        user_chose_time=parsed.explicit_time,
        created_at=ctx.now,
    )
    repeat = label(f"repeat_{recurrence or 'none'}", ctx.lang)
    return [
        Reply(
            t(
                "rem_set",
                ctx.lang,
                text=message,
                when=local_time(when, ctx.config.timezone, ctx.lang),
                repeat=repeat,
            )
        )
    ]


def _drop(text: str, folded_words: str) -> str:
    """Remove a phrase typed with or without diacritics from the text."""
    words = text.split()
    n = len(folded_words.split())
    for i in range(len(words) - n + 1):
        if fold(" ".join(words[i : i + n])) == folded_words:
            return " ".join(words[:i] + words[i + n :])
    return text


async def list_my_reminders(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/nhacnho or the menu button: my pending reminders, each with delete and snooze."""
    rows = await pending_of(ctx.session, ctx.user.id)
    if not rows:
        return [Reply(t("rem_none", ctx.lang))]
    replies = []
    for row in rows:
        what = t(row.message_key, ctx.lang, **row.params)
        replies.append(
            Reply(
                t(
                    "rem_item",
                    ctx.lang,
                    when=local_time(row.due_at, ctx.config.timezone, ctx.lang),
                    repeat=label(f"repeat_{row.recurrence or 'none'}", ctx.lang),
                    what=what,
                ),
                buttons=(
                    (
                        DeleteReminder(row.id).button(label("btn_delete", ctx.lang)),
                        Snooze(row.id, 1440).button(label("btn_snooze_day", ctx.lang)),
                    ),
                    *_class_buttons(row, ctx.lang),
                ),
            )
        )
    return replies


def _class_buttons(row: Reminder, lang: str) -> tuple[tuple[Button, ...], ...]:
    """A class reminder's text ends 'bấm nút bên dưới để nhường chỗ': the button it means."""
    if row.kind == "class" and row.class_id:
        return ((leave_button(row.class_id, lang),),)
    return ()


async def _pressed(ctx: Ctx, reminder_id: int) -> Reminder | Reply:
    """The person's own reminder a button is about, or what to tell them."""
    row = await ctx.session.get(Reminder, reminder_id) if reminder_id else None
    if row is None or row.user_id != ctx.user.id:
        return Reply(t("rem_not_found", ctx.lang))
    if row.status == "cancelled":
        # An older message's buttons: the reminder was deleted, moved by a first snooze (the
        # copy is another row) or its class called off. Snoozing it would bring it back.
        return Reply(t("rem_gone", ctx.lang))
    return row


async def reminder_gone(button: ReminderGone, *, ctx: Ctx) -> list[Reply]:
    """A reminder button that is not one: no such reminder."""
    return [Reply(t("rem_not_found", ctx.lang))]


async def delete_reminder(button: DeleteReminder, *, ctx: Ctx) -> list[Reply]:
    """«Xoá» under one of my reminders."""
    if isinstance(row := await _pressed(ctx, button.reminder_id), Reply):
        return [row]
    await cancel_where(ctx.session, reminder_id=row.id)
    return [Reply(t("rem_deleted", ctx.lang))]


async def snooze_reminder(button: Snooze, *, ctx: Ctx) -> list[Reply]:
    """«Nhắc lại sau 1 giờ / ngày mai»: the reminder later (a copy, if it was already sent)."""
    if isinstance(row := await _pressed(ctx, button.reminder_id), Reply):
        return [row]
    # Snoozing only ever postpones: the delay counts from the reminder's own due time, or
    # from now if it is already due or was sent ("Nhắc lại ngày mai" on a reminder due
    # Wednesday 08:00 means Thursday 08:00, never tomorrow morning if that is earlier).
    delay = timedelta(minutes=min(button.minutes, 7 * 1440))
    later = max(row.due_at, ctx.now) + delay
    if row.kind == "class":
        # A class reminder is useless once the class has started (its expiry is the
        # start): a snooze that would land there is refused and the reminder is left
        # exactly as it was, so refusing never loses it.
        if ctx.now >= row.expires_at:
            return [Reply(t("rem_snooze_too_late", ctx.lang))]
        if later >= row.expires_at:
            start = local_time(row.expires_at, ctx.config.timezone, ctx.lang)
            return [Reply(t("rem_snooze_after_start", ctx.lang, start=start))]
        expires = row.expires_at
    else:
        expires = later + PERSONAL_GRACE
    if row.status == "pending":
        await cancel_where(ctx.session, reminder_id=row.id)
        # Snoozing one occurrence keeps the series going.
        await add_next_occurrence(ctx.session, row, now=ctx.now, tz=ctx.config.timezone)
    nxt = series_next(row.series_start, row.recurrence, row.due_at, ctx.config.timezone)
    if nxt is not None and later >= nxt:
        # A daily reminder snoozed a day: its next occurrence already comes then, and a
        # copy beside it would remind twice at once.
        when = local_time(nxt, ctx.config.timezone, ctx.lang)
        return [Reply(t("rem_snoozed", ctx.lang, when=when))]
    if copies := await pending_snoozes(ctx.session, row.id):
        # Pressed again (the buttons stay on the delivered message): the last press wins,
        # rather than one more copy each time.
        for extra in copies[1:]:
            extra.status = "cancelled"
        copies[0].due_at, copies[0].expires_at = later, expires
        when = local_time(later, ctx.config.timezone, ctx.lang)
        return [Reply(t("rem_snoozed", ctx.lang, when=when))]
    await add_reminder(
        ctx.session,
        user_id=ctx.user.id,
        channel=row.channel,
        chat_id=row.chat_id,
        kind=row.kind,
        message_key=row.message_key,
        params=row.params,
        due_at=later,
        expires_at=expires,
        class_id=row.class_id,
        idempotency_key=snooze_key(row.id, later),
        user_chose_time=True,
        created_at=ctx.now,
    )
    return [
        Reply(t("rem_snoozed", ctx.lang, when=local_time(later, ctx.config.timezone, ctx.lang)))
    ]


def _asked_in_words(text: str, ctx: Ctx) -> list[str] | None:
    """'nhắc tôi 7h sáng mai đi họp' typed without /nhactoi: the reminder's words."""
    asked = reminder_request(text, ctx.now, ctx.config.timezone)
    return asked.split() if asked is not None else None


REMIND_ME = Route(
    "remind_me", remind_me, ("nhactoi",), menu_description="cmd_nhactoi", beside_dialog=True
)
ROUTER = FeatureRouter(
    "reminders",
    routes=(
        REMIND_ME,
        Route(
            "my_reminders",
            list_my_reminders,
            ("nhacnho",),
            menu_description="cmd_nhacnho",
            beside_dialog=True,
        ),
        Route("menu_reminders", list_my_reminders, button=MenuReminders),
        Route.press("reminder_delete", DeleteReminder, delete_reminder),
        Route.press("reminder_snooze", Snooze, snooze_reminder),
        Route.press("reminder_gone", ReminderGone, reminder_gone),
    ),
    claims_text=(TextClaim(REMIND_ME, _asked_in_words),),
)
