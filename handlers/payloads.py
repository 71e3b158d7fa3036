"""Typed button payloads: what a button carries, packed into the string a platform hands back
when it is pressed, and parsed from it again.

A payload is `prefix:verb:field:…` ("cls:enrol:42", "rem:snooze:7:60", "lang:vi"), within the
64 bytes Telegram allows for callback data. Each kind is a frozen dataclass:

    class ClassEnrol(Payload, prefix="cls", verb="enrol"):
        class_id: int

    ClassEnrol(42).pack() == "cls:enrol:42"
    ClassEnrol.parse("cls:enrol:42") == ClassEnrol(42)
    ClassEnrol.parse("cls:enrol:4x") is None

Fields are `int` (ASCII digits, 0 to 2**31 - 1: what every id column holds), `str` (a word: no
':', at most WORD_BYTES bytes) or `Tail` (the rest of the payload, ':' allowed: last field only).
A last field typed `… | None = None` may be missing, as it is on buttons that never carried it.
Packing refuses a value it could not parse back, and a payload over 64 bytes; parsing refuses
anything malformed (None), so a handler only ever sees well-typed values.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from typing import Annotated, Any, ClassVar, Self, dataclass_transform

from handlers.ids import MAX_ID
from handlers.types import Button

LIMIT = 64  # bytes of callback_data Telegram accepts
WORD_BYTES = 16
INT_DIGITS = len(str(MAX_ID))
SEP = ":"
_NAME = re.compile(r"[a-z][a-z_]*")
_DIGITS = re.compile(r"[0-9]+")


class _TailMarker:
    def __repr__(self) -> str:
        return "TAIL"


TAIL = _TailMarker()
Tail = Annotated[str, TAIL]  # the rest of the payload, ':' included


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    kind: str  # "int", "word" or "tail"
    optional: bool  # may be missing at the end

    @property
    def widest(self) -> int:
        """Bytes the packed value may take (a tail: at least a word's worth must fit)."""
        return INT_DIGITS if self.kind == "int" else WORD_BYTES

    def dump(self, owner: str, value: object) -> str:
        if self.kind == "int":
            if type(value) is not int or not 0 <= value <= MAX_ID:
                raise ValueError(f"{owner}.{self.name}: {value!r} is not an int in 0..{MAX_ID}")
            return str(value)
        if not isinstance(value, str):
            raise ValueError(f"{owner}.{self.name}: {value!r} is not a str")
        if self.kind == "word" and (SEP in value or len(value.encode()) > WORD_BYTES):
            raise ValueError(f"{owner}.{self.name}: {value!r} has ':' or is over {WORD_BYTES} B")
        return value

    def load(self, text: str) -> int | str | None:
        if self.kind == "int":
            if not _DIGITS.fullmatch(text) or len(text) > INT_DIGITS or int(text) > MAX_ID:
                return None
            return int(text)
        if self.kind == "word" and len(text.encode()) > WORD_BYTES:
            return None
        return text


_KINDS: dict[str, type[Payload]] = {}


def _field_of(name: str, hint: Any, default: object) -> _Field:
    optional = False
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(rest) != 1 or default is not None:
            raise TypeError(f"{name}: only `X | None = None` may be left out")
        hint, optional = rest[0], True
    if hint is int:
        return _Field(name, "int", optional)
    if hint is str:
        return _Field(name, "word", optional)
    if typing.get_origin(hint) is Annotated and typing.get_args(hint) == (str, TAIL):
        return _Field(name, "tail", optional)
    raise TypeError(f"{name}: a payload field is int, str or Tail, not {hint!r}")


@dataclass_transform(frozen_default=True)
class Payload:
    """A kind of button payload; subclass it with `prefix=` and (usually) `verb=`."""

    prefix: ClassVar[str]
    verb: ClassVar[str]
    head: ClassVar[str]  # "prefix:verb", or the prefix alone
    _fields: ClassVar[tuple[_Field, ...]]

    def __init_subclass__(cls, *, prefix: str, verb: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _NAME.fullmatch(prefix) or (verb and not _NAME.fullmatch(verb)):
            raise TypeError(f"{cls.__name__}: prefix and verb are lowercase words")
        dataclasses.dataclass(frozen=True)(cls)
        hints = typing.get_type_hints(cls, include_extras=True)
        fields = tuple(
            _field_of(f.name, hints[f.name], f.default)
            for f in dataclasses.fields(typing.cast(Any, cls))
        )
        for i, f in enumerate(fields):
            later = fields[i + 1 :]
            if f.kind == "tail" and later:
                raise TypeError(f"{cls.__name__}.{f.name}: a Tail is the last field")
            if f.optional and not all(g.optional for g in later):
                raise TypeError(f"{cls.__name__}.{f.name}: only the last fields may be missing")
        cls.prefix, cls.verb, cls._fields = prefix, verb, fields
        cls.head = prefix + SEP + verb if verb else prefix
        if cls.widest() > LIMIT:
            raise TypeError(f"{cls.__name__}: up to {cls.widest()} bytes, over {LIMIT}")
        _KINDS[cls.head] = cls

    @classmethod
    def widest(cls) -> int:
        """The most bytes a packed payload of this kind takes (a Tail counted as a word)."""
        return len(cls.head.encode()) + sum(1 + f.widest for f in cls._fields)

    def pack(self) -> str:
        """The payload string; ValueError if a value would not parse back or it is too long."""
        owner = type(self).__name__
        values = [getattr(self, f.name) for f in self._fields]
        while values and values[-1] is None and self._fields[len(values) - 1].optional:
            values.pop()  # left out, as on buttons made before the field existed
        kept = zip(self._fields[: len(values)], values, strict=True)
        parts = [self.head] + [f.dump(owner, v) for f, v in kept]
        packed = SEP.join(parts)
        if len(packed.encode()) > LIMIT:
            raise ValueError(f"{owner}: {packed!r} is over {LIMIT} bytes")
        return packed

    def button(self, label: str) -> Button:
        """A button that carries this payload."""
        return Button(label, self.pack())

    @classmethod
    def parse(cls, payload: str | None) -> Self | None:
        """The payload as this kind, or None when it is not one (or is malformed)."""
        # surrogatepass: a lone surrogate (no platform sends one) must not raise here.
        if payload is None or len(payload.encode("utf-8", "surrogatepass")) > LIMIT:
            return None
        if payload == cls.head:
            raw: list[str] = []
        elif payload.startswith(cls.head + SEP):
            rest = payload[len(cls.head) + 1 :]
            tail = bool(cls._fields) and cls._fields[-1].kind == "tail"
            raw = rest.split(SEP, len(cls._fields) - 1) if tail else rest.split(SEP)
        else:
            return None
        required = sum(not f.optional for f in cls._fields)
        if not required <= len(raw) <= len(cls._fields):
            return None
        values = [f.load(text) for f, text in zip(cls._fields[: len(raw)], raw, strict=True)]
        if any(v is None for v in values):
            return None
        made: Self = typing.cast(Any, cls)(*values)
        return made


def kinds() -> tuple[type[Payload], ...]:
    """Every payload kind defined so far (for checks of the whole set)."""
    return tuple(_KINDS.values())
