"""Staff announcements (/thongbao): write (HTML checked), choose who, choose when, see the exact
count and the message as it will look, then confirm. /dsthongbao lists, /huythongbao cancels."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import forms
from handlers.forms import Data, Form, Parsed, Step, choice
from handlers.ids import as_id
from handlers.payloads import Payload, Tail
from handlers.registration.fields import SECTORS
from handlers.routing import FeatureRouter, Route
from handlers.times import future_time
from handlers.types import Attachment, Button, Ctx, InboundEvent, Reply
from messages.html_check import escape_stray, html_errors
from messages.i18n import Markup, label, t
from messages.locations import find_provinces, place_name
from messages.quiet_hours import QuietHours, describe_window, next_allowed
from messages.timefmt import local_time
from storage import audit
from storage.broadcasts import (
    ROLES,
    cancel_broadcast,
    count_audience,
    create_broadcast,
    progress,
    recent,
)
from storage.forms import clear_form
from storage.models import Broadcast
from storage.registrations import STATUSES

MAX_TEXT = 3500
SEGMENTS = ("all", "province", "class", "registrants", "role", "language")
# The audience conditions picked from a list, and the list. Sector and channel are not offered
# in the dialog; `htxbot broadcast send --segment` takes them too.
SEGMENT_CHOICES: dict[str, tuple[str, ...]] = {
    "registrants": STATUSES,
    "role": ROLES,
    "language": ("vi", "en"),
    "sector": SECTORS,
    "channel": ("telegram", "zalo", "console"),
}


def broadcast_attachment(bc: Broadcast, data: bytes = b"") -> Attachment | None:
    """The broadcast's photo or file, if it has one (`data`: its bytes, loaded by the caller)."""
    if not bc.attachment_kind:
        return None
    return Attachment(
        filename=bc.attachment_name or "tep",
        data=data,
        kind=bc.attachment_kind,
        file_id=bc.attachment_file_id,
    )


def render_broadcast(bc: Broadcast, lang: str, attachment: Attachment | None = None) -> Reply:
    """Staff HTML as written (checked when saved), the line on how to stop them, the link
    buttons staff added, and the photo or file if there is one."""
    buttons = tuple((Button(text, url=url),) for text, url in (bc.buttons or []))
    return Reply(
        Markup(bc.text) + "\n\n" + t("bc_footer", lang), buttons=buttons, document=attachment
    )


def progress_reply(bc: Broadcast, counts: Counter[str], rate: float, *, final: bool) -> Reply:
    """The sender's status message, edited as the broadcast goes."""
    left = counts["pending"] + counts["sending"]
    eta = int(left / rate) if rate else 0
    key = "bc_progress_done" if final else "bc_progress"
    return Reply(
        t(
            key,
            "vi",
            id=bc.id,
            sent=counts["sent"],
            failed=counts["failed"],
            blocked=counts["blocked"],
            left=left,
            total=bc.total,
            eta=f"{eta // 60} phút {eta % 60} giây",
        ),
        edit_message_id=bc.report_message_id,
    )


def parse_buttons(text: str) -> list[list[str]] | None:
    """'Đăng ký | https://…' per line → [[label, url], …]; None when a line is not like that."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _, url = line.partition("|")
        url, name = url.strip(), name.strip()
        if not (
            1 <= len(name) <= 40
            and url.startswith(("https://", "http://"))
            and " " not in url
            and len(url) <= 300
        ):
            return None
        out.append([name, url])
    return out[:5] if out else None


def final_report(bc: Broadcast, counts: Counter[str]) -> Reply:
    return Reply(
        t(
            "bc_report",
            "vi",
            id=bc.id,
            sent=counts["sent"],
            blocked=counts["blocked"],
            failed=counts["failed"],
            skipped=counts["cancelled"],
            total=bc.total,
        )
    )


def describe_segment(segment: dict[str, Any], lang: str) -> str:
    if not segment:
        return label("seg_all", lang)
    parts = []
    if segment.get("province"):
        parts.append(", ".join(place_name(p) for p in segment["province"]))
    if segment.get("class_id"):
        parts.append(t("seg_class_n", lang, id=segment["class_id"]))
    if segment.get("reg_status"):
        parts.append(
            t(
                "seg_registrants_status",
                lang,
                status=label(f"status_{segment['reg_status']}", lang),
            )
        )
    if segment.get("role"):
        parts.append(label(f"role_{segment['role']}", lang))
    if segment.get("language"):
        parts.append(segment["language"])
    return "; ".join(parts)


def check_text(text: str) -> Parsed:
    """Staff HTML: 1 to MAX_TEXT characters, a stray <, > or & escaped, only the tags Telegram
    accepts, balanced."""
    text = text.strip()
    if not 1 <= len(text) <= MAX_TEXT:
        return Parsed(error="bc_bad_length", params={"limit": MAX_TEXT})
    text = escape_stray(text)
    problems = html_errors(text)
    if problems:
        return Parsed(error="bc_bad_html", params={"problems": "; ".join(problems[:3])})
    return Parsed(text)


def check_buttons(text: str) -> Parsed:
    """Link buttons, one 'Tên nút | https://…' per line (at most 5)."""
    buttons = parse_buttons(text)
    return Parsed(buttons) if buttons else Parsed(error="bc_bad_buttons")


def audience_condition(kind: str, given: str, admins: Iterable[str]) -> Parsed:
    """One condition on who receives a broadcast (a province, a class, registrants in a status,
    a role…) → Parsed(the segment's keys for it). `admins`: the accounts staff by settings."""
    chosen: dict[str, Any] = {}
    if kind == "province":
        found = find_provinces(given)
        if len(found) != 1:
            return Parsed(error="reg_no_province", params={"typed": given})
        chosen["province"] = [found[0].code]
    elif kind == "class":
        class_id = as_id(given)
        if class_id is None:
            return Parsed(error="bc_bad_class")
        chosen["class_id"] = class_id
    elif kind in SEGMENT_CHOICES and given in SEGMENT_CHOICES[kind]:
        chosen["reg_status" if kind == "registrants" else kind] = given
        if kind == "role" and given != "leader":
            # Staff listed in settings are staff without the stored role.
            chosen["staff_refs"] = sorted(admins)
    else:
        return Parsed(error="reg_bad_choice")
    return Parsed(chosen)


def starts_at(
    when: datetime, now: datetime, tz: str, quiet: QuietHours, override: bool
) -> datetime:
    """When a broadcast set for `when` really starts: the broadcaster waits for the end of the
    quiet hours unless staff chose to send in them."""
    when = max(when, now)
    return when if override else next_allowed(when, tz, quiet)


def held_note(start: datetime, tz: str, quiet: QuietHours, lang: str) -> Markup:
    """'⏰ Giờ này nằm trong giờ nghỉ (21:00–06:30): bot sẽ bắt đầu gửi lúc …'"""
    when = local_time(start, tz, lang)
    return t("bc_quiet_held", lang, window=describe_window(quiet), when=when)


def sends_to_nobody(count: int, when: datetime, now: datetime) -> bool:
    """To be sent now to an audience of nobody. (Scheduled for later, it may have people by
    then: a class's province fills as people register.)"""
    return not count and when <= now


async def record_broadcast(
    session: AsyncSession, *, actor: str, now: datetime, **fields: Any
) -> Broadcast:
    """Store a checked broadcast for the broadcaster to send, and who wrote it."""
    bc = await create_broadcast(session, created_by=actor, created_at=now, **fields)
    await audit.record(
        session, actor=actor, action="broadcast_create", target=str(bc.id), detail=str(bc.segment)
    )
    return bc


async def compose_broadcast(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/thongbao: write an announcement step by step; nothing goes out before "Gửi"."""
    return await forms.start(BROADCAST_FORM, ctx)


def ask_text(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("bc_ask_text", ctx.lang))


async def read_text(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    return check_text(event.text or "")


def ask_attachment(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("bc_ask_attachment", ctx.lang),
        buttons=((choice("skip", label("btn_skip", ctx.lang)),),),
    )


async def read_attachment(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    if value == "skip":
        return Parsed(None)
    file = event.attachment
    # Only a Telegram file_id can be sent again by the bot; other channels cannot upload here.
    if file is None or not file.file_id or event.channel != "telegram":
        return Parsed(error="bc_bad_attachment")
    return Parsed({"kind": file.kind, "name": file.filename[:200], "file_id": file.file_id})


def stored_attachment(data: Data) -> Attachment | None:
    found = data.get("attachment")
    if not found:
        return None
    return Attachment(filename=found["name"], kind=found["kind"], file_id=found["file_id"])


def ask_buttons(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("bc_ask_buttons", ctx.lang), buttons=((choice("skip", label("btn_skip", ctx.lang)),),)
    )


async def read_buttons(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    if value == "skip":
        return Parsed([])
    return check_buttons(event.text or "")


def ask_segment(ctx: Ctx, data: Data) -> Reply:
    buttons = [choice(s, label(f"seg_{s}", ctx.lang)) for s in SEGMENTS]
    return Reply(t("bc_ask_segment", ctx.lang), buttons=tuple((b,) for b in buttons))


def _visits(data: Data, step: str) -> int:
    """How many times the dialog went on from `step` and was not taken back (Back)."""
    return list(data.get("_path", [])).count(step)


def current_segment(data: Data) -> dict[str, Any]:
    """The audience chosen so far. Each answer to "who?" is kept by the visit it was given in,
    and only the visits still on the way back count: going Back and choosing again replaces a
    condition instead of adding to it."""
    if "conditions" not in data:  # a dialog begun before conditions were kept per visit
        return dict(data.get("segment", {}))
    kinds = data.get("segment_kinds", [])[: _visits(data, "segment_kind")]
    if kinds and kinds[-1] == "all":
        return {}
    segment: dict[str, Any] = {}
    for condition in data["conditions"][: _visits(data, "segment_value")]:
        segment.update(condition)  # conditions add up: a province AND a role…
    return segment


def _conditions(data: Data) -> list[dict[str, Any]]:
    if "conditions" not in data:  # a dialog begun before: its conditions, merged, as the first
        n = _visits(data, "segment_value")
        return [dict(data.get("segment", {})), *({} for _ in range(n - 1))] if n else []
    return list(data["conditions"])


async def read_segment(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    if value not in SEGMENTS:
        return Parsed(error="reg_bad_choice")
    kinds = data.get("segment_kinds", [])[: _visits(data, "segment_kind")]
    data["segment_kinds"] = [*kinds, value]
    data["conditions"] = _conditions(data)
    return Parsed(value, goto="when" if value == "all" else "segment_value")


def ask_segment_value(ctx: Ctx, data: Data) -> Reply:
    kind = data.get("segment_kind")
    if kind == "registrants":
        return Reply(
            t("bc_ask_reg_status", ctx.lang),
            buttons=tuple((choice(s, label(f"status_{s}", ctx.lang)),) for s in STATUSES),
        )
    if kind == "role":
        return Reply(
            t("bc_ask_role", ctx.lang),
            buttons=tuple((choice(r, label(f"role_{r}", ctx.lang)),) for r in ROLES),
        )
    if kind == "language":
        return Reply(
            t("bc_ask_language", ctx.lang),
            buttons=((choice("vi", "Tiếng Việt"), choice("en", "English")),),
        )
    return Reply(t(f"bc_ask_{kind}", ctx.lang))


async def read_segment_value(
    event: InboundEvent, value: str | None, ctx: Ctx, data: Data
) -> Parsed:
    kind = str(data.get("segment_kind"))
    # Provinces and classes are typed; the other conditions are picked from their list.
    given = (event.text or "").strip() if kind in ("province", "class") else (value or "")
    condition = audience_condition(kind, given, ctx.config.admins)
    if condition.error:
        return condition
    earlier = _conditions(data)[: _visits(data, "segment_value")]
    data["conditions"] = [*earlier, condition.value]
    return Parsed(None)


def ask_segment_more(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("bc_ask_more", ctx.lang, segment=describe_segment(current_segment(data), ctx.lang)),
        buttons=(
            (choice("next", label("bc_seg_next", ctx.lang)),),
            (choice("more", label("bc_seg_more", ctx.lang)),),
        ),
    )


async def read_segment_more(
    event: InboundEvent, value: str | None, ctx: Ctx, data: Data
) -> Parsed:
    if value == "more":
        return Parsed(None, goto="segment_kind")
    return Parsed(None) if value == "next" else Parsed(error="reg_bad_choice")


def ask_when(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("bc_ask_when", ctx.lang),
        buttons=(
            (choice("now", label("bc_now", ctx.lang)),),
            (choice("now_override", label("bc_now_override", ctx.lang)),),
        ),
    )


async def read_when(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    data["quiet_override"] = value == "now_override"
    if value in ("now", "now_override"):
        return Parsed(ctx.now.isoformat())
    when = future_time(event.text or "", ctx.now, ctx.config.timezone)
    return when if when.error else Parsed(when.value.isoformat())


def ask_confirm(ctx: Ctx, data: Data) -> Reply:
    when = datetime.fromisoformat(data["when"])
    head = t(
        "bc_preview",
        ctx.lang,
        count=data.get("_count", 0),
        segment=describe_segment(current_segment(data), ctx.lang),
        when=local_time(when, ctx.config.timezone, ctx.lang),
    )
    tz, quiet = ctx.config.timezone, ctx.config.quiet_hours
    start = starts_at(when, ctx.now, tz, quiet, bool(data.get("quiet_override")))
    if start > max(when, ctx.now):
        # The broadcaster waits for the end of the quiet hours: staff should know before.
        note = held_note(start, tz, quiet, ctx.lang)
        head = Markup(f"{head}\n{note}")  # both are markup already
    body = Markup(data["text"]) + "\n\n" + t("bc_footer", ctx.lang)
    links = tuple((Button(name, url=url),) for name, url in data.get("buttons", []))
    send: tuple[tuple[Button, ...], ...] = ((choice("send", label("bc_send", ctx.lang)),),)
    if _nobody_now(ctx, data):  # no Send: only Back (to another audience) or Cancel
        body += "\n\n" + t("bc_nobody", ctx.lang)
        send = ()
    return Reply(head + "\n\n" + body, buttons=(*links, *send), document=stored_attachment(data))


def _nobody_now(ctx: Ctx, data: Data) -> bool:
    return sends_to_nobody(data.get("_count", 0), datetime.fromisoformat(data["when"]), ctx.now)


async def read_confirm(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    if value == "send" and _nobody_now(ctx, data):  # an older preview's button
        return Parsed(stay=True)  # the preview again, which says why
    return Parsed(done=True) if value == "send" else Parsed(error="reg_bad_choice")


async def _count_then(parsed: Parsed, ctx: Ctx, data: Data) -> Parsed:
    data["_count"] = await count_audience(ctx.session, current_segment(data))
    return parsed


async def read_when_and_count(
    event: InboundEvent, value: str | None, ctx: Ctx, data: Data
) -> Parsed:
    return await _count_then(await read_when(event, value, ctx, data), ctx, data)


async def save_broadcast(ctx: Ctx, data: Data) -> list[Reply]:
    await clear_form(ctx.session, ctx.user.id)
    bc = await record_broadcast(
        ctx.session,
        actor=ctx.actor,
        now=ctx.now,
        text=data["text"],
        segment=current_segment(data),
        send_at=datetime.fromisoformat(data["when"]),
        quiet_override=bool(data.get("quiet_override")),
        buttons=data.get("buttons", []),
        attachment_kind=(data.get("attachment") or {}).get("kind"),
        attachment_name=(data.get("attachment") or {}).get("name", ""),
        attachment_file_id=(data.get("attachment") or {}).get("file_id", ""),
        report_channel=ctx.user.channel,
        report_chat_id=ctx.user.chat_id,
    )
    return [
        Reply(
            t(
                "bc_scheduled",
                ctx.lang,
                id=bc.id,
                count=data.get("_count", 0),
                when=local_time(bc.send_at, ctx.config.timezone, ctx.lang),
            )
        )
    ]


BROADCAST_FORM = Form(
    "broadcast",
    (
        Step("text", ask_text, read_text, free_text=True),
        Step("attachment", ask_attachment, read_attachment, files=True),
        Step("buttons", ask_buttons, read_buttons),
        Step("segment_kind", ask_segment, read_segment),
        Step("segment_value", ask_segment_value, read_segment_value, keep=False),
        Step("segment_more", ask_segment_more, read_segment_more, keep=False),
        Step("when", ask_when, read_when_and_count),
        Step("confirm", ask_confirm, read_confirm, keep=False),
    ),
    save_broadcast,
)


class CancelBroadcast(Payload, prefix="bc", verb="cancel"):
    broadcast_id: int


class BroadcastGone(Payload, prefix="bc"):
    """A broadcast button that reads as none of the above: forged, or cut short."""

    rest: Tail | None = None


async def list_broadcasts(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/dsthongbao: recent announcements with their progress; cancel those not finished."""
    rows = await recent(ctx.session)
    if not rows:
        return [Reply(t("bc_none", ctx.lang))]
    replies = []
    for bc in rows:
        fields = {
            "id": bc.id,
            "status": label(f"bc_status_{bc.status}", ctx.lang),
            "when": local_time(bc.send_at, ctx.config.timezone, ctx.lang),
            "segment": describe_segment(bc.segment, ctx.lang),
        }
        if bc.status == "scheduled":
            # Its recipients are written when it starts: "sent 0/0" said nothing. Who it would
            # reach today does.
            count = await count_audience(ctx.session, bc.segment)
            text = t("bc_item_scheduled", ctx.lang, count=count, **fields)
        elif bc.total == 0:  # cancelled before it started
            text = t("bc_item_unsent", ctx.lang, **fields)
        else:
            counts = await progress(ctx.session, bc.id)
            text = t("bc_item", ctx.lang, sent=counts["sent"], total=bc.total, **fields)
        buttons: tuple[tuple[Button, ...], ...] = ()
        if bc.status in ("scheduled", "sending"):
            buttons = ((CancelBroadcast(bc.id).button(label("bc_cancel", ctx.lang)),),)
        replies.append(Reply(text, buttons=buttons))
    return replies


async def cancel_announcement(event: InboundEvent, *, ctx: Ctx, args: list[str]) -> list[Reply]:
    """/huythongbao <id>: stop a scheduled or running announcement."""
    return await _cancel(ctx, args[-1] if args else "")


async def cancel_by_button(button: CancelBroadcast, *, ctx: Ctx) -> list[Reply]:
    """«Huỷ thông báo» under /dsthongbao: stop that announcement."""
    return await _cancel(ctx, str(button.broadcast_id))


async def broadcast_gone(button: BroadcastGone, *, ctx: Ctx) -> list[Reply]:
    """A broadcast button that is not one: how to cancel one."""
    return [Reply(t("bc_cancel_usage", ctx.lang))]


async def _cancel(ctx: Ctx, ref: str) -> list[Reply]:
    number = as_id(ref)
    if number is None:
        return [Reply(t("bc_cancel_usage", ctx.lang))]
    done = await cancel_broadcast(ctx.session, number, ctx.now)
    await audit.record(
        ctx.session,
        actor=ctx.actor,
        action="broadcast_cancel",
        target=ref,
        allowed=True,
        detail="cancelled" if done else "not cancellable",
    )
    return [Reply(t("bc_cancelled" if done else "bc_not_cancellable", ctx.lang, id=ref))]


STAFF_ROUTER = FeatureRouter(
    "broadcasts",
    routes=(
        Route("broadcast", compose_broadcast, ("thongbao",)),
        Route("broadcasts", list_broadcasts, ("dsthongbao",), beside_dialog=True),
        Route("broadcast_cancel", cancel_announcement, ("huythongbao",), takes_a_number=True),
        Route.press("broadcast_button", CancelBroadcast, cancel_by_button),
        Route.press("broadcast_gone", BroadcastGone, broadcast_gone),
    ),
    forms=(BROADCAST_FORM,),
    staff_only=True,
)
