"""A small engine for step-by-step dialogs whose state lives in the database (form_states), so a
dialog survives restarts, works the same on every channel and across several bot processes.

A form is an ordered list of steps. Each step asks (`prompt`) and reads the answer (`accept`):
a button press arrives as value (`f:v:<value>`, FormValue), typed text or a shared contact as
the event.
Every prompt carries "Quay lại" and "Huỷ". Editing from a summary jumps to a step and returns.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from handlers.main_menu import menu_reply
from handlers.payloads import Payload, Tail
from handlers.types import Button, Ctx, InboundEvent, Reply
from messages.i18n import label, t
from messages.textnorm import fold, words
from storage.forms import clear_form, set_form
from storage.models import FormState

# After this long away, a typed message re-shows the current question instead of answering it:
# the person has probably forgotten the dialog (it still resumes where it stopped).
RESUME_AFTER = timedelta(minutes=30)
PREFIX = "f"  # an open dialog takes every button of this prefix


class FormValue(Payload, prefix=PREFIX, verb="v"):
    """A choice offered by a step: its value, which may hold ':' ("edit:province")."""

    value: Tail


class FormBack(Payload, prefix=PREFIX, verb="back"):
    pass


class FormCancel(Payload, prefix=PREFIX, verb="cancel"):
    pass


class FormResume(Payload, prefix=PREFIX, verb="resume"):
    """«Tiếp tục»: the open dialog asks its question again."""


BACK, CANCEL = FormBack().pack(), FormCancel().pack()
VALUE = FormValue.head + ":"  # what every choice's payload starts with
YES_WORDS = frozenset({"xác nhận", "đúng", "đồng ý", "có", "ok", "vâng", "confirm", "yes"})
_YES_PLAIN = frozenset(fold(w) for w in YES_WORDS)
# The navigation typed instead of pressed (channels without buttons, Telegram reply keyboards).
TYPED_BACK = frozenset({"quay lai", "back", "tro lai"})
# Not plain "huy": it is also a common given name, typed at the name question.
TYPED_CANCEL = frozenset({"huy bo", "cancel"})
# With its tone mark it is the word, not the name.
TYPED_CANCEL_MARKED = frozenset({"hủy", "huỷ", "hủy bỏ", "huỷ bỏ", "thoát"})


@dataclass(frozen=True)
class Parsed:
    """What a step made of an answer."""

    value: Any = None
    error: str | None = None  # message key of a friendly explanation; the step asks again
    params: dict[str, Any] = field(default_factory=dict)
    goto: str | None = None  # next step to ask (default: the following one)
    stay: bool = False  # ask the same step again (e.g. a multi-choice being toggled)
    done: bool = False  # the form is finished; Form.finish is called
    replies: tuple[Reply, ...] = ()  # shown before the next question


Data = dict[str, Any]


@dataclass(frozen=True)
class Step:
    key: str
    prompt: Callable[[Ctx, Data], Reply]
    accept: Callable[[InboundEvent, str | None, Ctx, Data], Awaitable[Parsed]]
    keep: bool = True  # store Parsed.value under `key`
    files: bool = False  # a photo or file sent here is an answer (InboundEvent.attachment)
    # Free text where "huỷ" or "thoát" may be the answer itself (a note "Hủy" = "cancel my
    # registration"): only the button and /huy cancel here.
    free_text: bool = False


@dataclass(frozen=True)
class Form:
    name: str
    steps: tuple[Step, ...]
    finish: Callable[[Ctx, Data], Awaitable[list[Reply]]]
    show_back: bool = True

    def step(self, key: str) -> Step:
        return next(s for s in self.steps if s.key == key)

    def has_step(self, key: str) -> bool:
        return any(s.key == key for s in self.steps)

    def following(self, key: str) -> str | None:
        keys = [s.key for s in self.steps]
        i = keys.index(key)
        return keys[i + 1] if i + 1 < len(keys) else None


def typed_yes(text: str | None) -> bool:
    """'Xác nhận', 'đúng', 'ok'… typed instead of pressing the confirm button. Typed without
    diacritics, 'dung' and 'co' are taken for 'đúng' and 'có'; typed with them, 'dừng' (stop)
    and 'cỏ' are not, though they fold to the same letters."""
    said = unicodedata.normalize("NFC", (text or "").strip().lower()).rstrip(".!")
    return said in YES_WORDS or (said.isascii() and said in _YES_PLAIN)


def choice(value: str, text: str) -> Button:
    return FormValue(value).button(text)


def with_nav(reply: Reply, ctx: Ctx, back: bool) -> Reply:
    nav = [Button(label("btn_back", ctx.lang), BACK)] if back else []
    nav.append(Button(label("btn_cancel", ctx.lang), CANCEL))
    return replace(reply, buttons=(*reply.buttons, tuple(nav)))


async def ask(form: Form, key: str, ctx: Ctx, data: Data) -> list[Reply]:
    """Store that we are at `key` and ask its question."""
    await set_form(ctx.session, ctx.user.id, form.name, key, data, now=ctx.now)
    first = form.steps[0].key == key
    return [with_nav(form.step(key).prompt(ctx, data), ctx, form.show_back and not first)]


async def start(form: Form, ctx: Ctx, data: Data | None = None) -> list[Reply]:
    return await ask(form, form.steps[0].key, ctx, dict(data or {}))


async def advance(form: Form, state: FormState, event: InboundEvent, ctx: Ctx) -> list[Reply]:
    """Feed one event to the active form; returns what to say next."""
    data: Data = copy.deepcopy(state.data or {})  # steps may change nested values in place
    step = form.step(state.step)
    typed = " ".join(words(event.text or ""))
    raw = (event.text or "").strip()
    if typed in TYPED_BACK or raw == label("btn_back", ctx.lang):
        event = replace(event, text=None, payload=BACK)
    elif (
        typed in TYPED_CANCEL
        or raw == label("btn_cancel", ctx.lang)
        or (
            not step.free_text and unicodedata.normalize("NFC", raw.lower()) in TYPED_CANCEL_MARKED
        )
    ):
        event = replace(event, text=None, payload=CANCEL)
    if event.payload == CANCEL:
        await clear_form(ctx.session, ctx.user.id)
        return [menu_reply(ctx, "form_cancelled")]
    if event.payload == BACK:
        path: list[str] = data.get("_path", [])
        previous = path.pop() if path else form.steps[0].key
        data["_path"] = path
        return await ask(form, previous, ctx, data)
    pressed = FormValue.parse(event.payload)
    value = pressed.value if pressed is not None else None
    if value is None and event.payload is not None:
        return await ask(form, step.key, ctx, data)  # an old button from elsewhere
    if value is None and ctx.now - state.updated_at > RESUME_AFTER:
        return [Reply(t("form_resumed", ctx.lang)), *await ask(form, step.key, ctx, data)]
    parsed = await step.accept(event, value, ctx, data)
    if parsed.error:
        error = Reply(t(parsed.error, ctx.lang, **parsed.params))
        return [error, *await ask(form, step.key, ctx, data)]
    if step.keep and parsed.value is not None:
        data[step.key] = parsed.value
    if parsed.done:
        return [*parsed.replies, *await form.finish(ctx, data)]
    if parsed.stay:
        return [*parsed.replies, *await ask(form, step.key, ctx, data)]
    target = parsed.goto or data.pop("_return", None) or form.following(step.key)
    if target is None:
        return [*parsed.replies, *await form.finish(ctx, data)]
    data.setdefault("_path", []).append(step.key)
    return [*parsed.replies, *await ask(form, target, ctx, data)]
