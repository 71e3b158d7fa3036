"""The registration dialog (/dangky): ten steps, buttons wherever the choice is finite."""

from __future__ import annotations

from typing import Any

from handlers.forms import Data, Form, FormValue, Parsed, Step, choice, typed_yes
from handlers.registration import fields as f
from handlers.registration.complete import finish_registration
from handlers.types import Button, Ctx, InboundEvent, Reply
from messages.i18n import label, label_or, t
from messages.locations import find_communes, find_provinces, place_name, wards_of
from messages.textnorm import fold
from messages.timefmt import local_time
from storage.registrations import find_duplicate

EDITABLE = (
    "kind",
    "full_name",
    "phone",
    "province",
    "sector",
    "products",
    "members",
    "support",
    "call_time",
)


def _rows(buttons: list[Button], per_row: int = 2) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def _options(ctx: Ctx, prefix: str, values: tuple[str, ...]) -> list[Button]:
    return [choice(v, label(f"{prefix}_{v}", ctx.lang)) for v in values]


def _pick(
    typed: str | None, value: str | None, ctx: Ctx, prefix: str, values: tuple[str, ...]
) -> str | None:
    """A button value, or typed text equal to one of the labels (without diacritics)."""
    if value in values:
        return value
    wanted = fold(typed or "").strip()
    for v in values:
        if wanted and wanted in (fold(label(f"{prefix}_{v}", ctx.lang)), v):
            return v
    return None


def ask_kind(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("reg_ask_kind", ctx.lang), buttons=_rows(_options(ctx, "kind", f.KINDS)))


async def read_kind(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    kind = _pick(event.text, value, ctx, "kind", f.KINDS)
    return Parsed(kind) if kind else Parsed(error="reg_bad_choice")


def ask_name(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("reg_ask_name", ctx.lang))


async def read_name(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    name = f.clean_name(event.text or "")
    return Parsed(name) if name else Parsed(error="reg_bad_name")


def ask_phone(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("reg_ask_phone", ctx.lang),
        request_contact=True,
        buttons=((Button(label("btn_share_phone", ctx.lang)),),),
    )


async def read_phone(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    typed = event.contact_phone or event.text or ""
    phone = f.normalise_phone(typed)
    return Parsed(phone) if phone else Parsed(error="reg_bad_phone", params={"phone": typed})


def ask_province(ctx: Ctx, data: Data) -> Reply:
    options = data.get("_province_options") or []
    if options:
        buttons = [choice(code, place_name(code)) for code in options]
        return Reply(t("reg_pick_province", ctx.lang), buttons=_rows(buttons, 1))
    return Reply(t("reg_ask_province", ctx.lang))


async def read_province(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    options = data.pop("_province_options", None) or []
    if value is not None and value in options:
        return _province_chosen(value, data)
    found = find_provinces(event.text or "")
    if not found:
        return Parsed(error="reg_no_province", params={"typed": event.text or ""})
    if len(found) == 1 and not found[0].guess:  # a guess ('da lat' → Đắk Lắk?) is asked
        place = found[0]
        notes = (Reply(t("reg_old_province", ctx.lang, old=place.note, new=place.name)),)
        return _province_chosen(place.code, data, notes if place.note else ())
    data["_province_options"] = [p.code for p in found]
    return Parsed(stay=True)


def _province_chosen(code: str, data: Data, notes: tuple[Reply, ...] = ()) -> Parsed:
    if data.get("province") != code:  # the commune chosen before belongs to the old province
        data.pop("commune", None)
    return Parsed(code, goto="commune", replies=notes)


def _commune_of_province(data: Data) -> bool:
    province, commune = data.get("province"), data.get("commune")
    return bool(province and commune) and commune in wards_of(province)


def ask_commune(ctx: Ctx, data: Data) -> Reply:
    province = place_name(data.get("province"))
    options = data.get("_commune_options") or []
    if options:
        buttons = [choice(code, place_name(code, data["province"])) for code in options]
        return Reply(t("reg_pick_commune", ctx.lang), buttons=_rows(buttons, 1))
    wards = wards_of(data["province"])
    example = next(iter(wards.values())).name if wards else "Ea Kar"  # one of that province
    return Reply(t("reg_ask_commune", ctx.lang, province=province, example=example))


async def read_commune(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    options = data.pop("_commune_options", None) or []
    if value is not None and value in options:
        return Parsed(value)
    found = find_communes(data["province"], event.text or "")
    if not found:
        return Parsed(
            error="reg_no_commune",
            params={"typed": event.text or "", "province": place_name(data["province"])},
        )
    if len(found) == 1 and not found[0].guess:
        return Parsed(found[0].code)
    data["_commune_options"] = [p.code for p in found]
    return Parsed(stay=True)


def ask_sector(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("reg_ask_sector", ctx.lang), buttons=_rows(_options(ctx, "sector", f.SECTORS)))


async def read_sector(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    sector = _pick(event.text, value, ctx, "sector", f.SECTORS)
    return Parsed(sector) if sector else Parsed(error="reg_bad_choice")


def ask_products(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("reg_ask_products", ctx.lang))


async def read_products(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    text = " ".join((event.text or "").split())
    return Parsed(text) if 1 <= len(text) <= 200 else Parsed(error="reg_bad_products")


def ask_members(ctx: Ctx, data: Data) -> Reply:
    return Reply(t("reg_ask_members", ctx.lang))


async def read_members(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    # "10 người", "khoảng 10 hộ" are answers too; "5 đến 10" is not one number, so ask again.
    numbers = set(f.numbers_in_count(event.text or "") or ())
    if len(numbers) > 1:
        return Parsed(error="reg_members_one_number")
    members = numbers.pop() if numbers else 0
    if not 1 <= members <= 100_000:
        return Parsed(error="reg_bad_members")
    minimum = f.MINIMUM_MEMBERS.get(data.get("kind", ""))
    notes: tuple[Reply, ...] = ()
    if minimum and members < minimum:
        notes = (
            Reply(
                t(
                    "reg_members_low",
                    ctx.lang,
                    kind=label(f"kind_{data['kind']}", ctx.lang),
                    minimum=f"{minimum:02d}",
                    citation=t(f"min_cite_{data['kind']}"),
                )
            ),
        )
    return Parsed(members, replies=notes)


# The support question's choices: each support, and «Xong».
SUPPORT_CHOICES = (*f.SUPPORTS, "__done")


def ask_support(ctx: Ctx, data: Data) -> Reply:
    chosen = set(data["_support"] if "_support" in data else data.get("support") or [])
    buttons = [
        choice(v, ("☑️ " if v in chosen else "") + label(f"support_{v}", ctx.lang))
        for v in f.SUPPORTS
    ]
    buttons.append(choice("__done", label("btn_done", ctx.lang)))
    return Reply(t("reg_ask_support", ctx.lang), buttons=_rows(buttons))


def _support_picks(event: InboundEvent, value: str | None, ctx: Ctx) -> list[str] | None:
    """What one answer picks: a button, a typed label, "xong", or several numbered choices
    typed at once ("1,3": on Zalo and the console typing is the only way to pick); None if it
    is none of these, or picks something that is not this question's."""
    if value == "__done" or fold(event.text or "").strip() in ("xong", "done"):
        return ["__done"]
    picked = _pick(event.text, value, ctx, "support", f.SUPPORTS)
    if picked is not None:
        return [picked]
    # The channel read the numbers against what the person's screen shows (after /start
    # mid-dialog, '2 3' are menu items there, not supports): any pick not ours is refused.
    values = [v.value for v in map(FormValue.parse, event.picks) if v is not None]
    if not event.picks or len(values) != len(event.picks):
        return None
    return values if all(v in SUPPORT_CHOICES for v in values) else None


async def read_support(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    chosen: list[str] = list(data["_support"] if "_support" in data else data.get("support") or [])
    picks = _support_picks(event, value, ctx)
    if picks is None:
        return Parsed(error="reg_bad_choice")  # nothing toggled: the list stays as it was
    # Each pick toggles, as a button press does; "Xong" among them finishes after the toggles.
    toggled = [v for v in f.SUPPORTS if (v in chosen) != (v in picks)]
    if "__done" in picks:
        if not toggled:
            return Parsed(error="reg_support_empty")
        data.pop("_support", None)
        return Parsed(toggled)
    data["_support"] = toggled
    return Parsed(stay=True)


def ask_call_time(ctx: Ctx, data: Data) -> Reply:
    return Reply(
        t("reg_ask_call_time", ctx.lang), buttons=_rows(_options(ctx, "call", f.CALL_TIMES))
    )


async def read_call_time(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    picked = _pick(event.text, value, ctx, "call", f.CALL_TIMES)
    if picked:
        return Parsed(picked)
    text = " ".join((event.text or "").split())
    return Parsed(text) if 1 <= len(text) <= 32 else Parsed(error="reg_bad_call_time")


def ask_consent(ctx: Ctx, data: Data) -> Reply:
    buttons = (
        (
            choice("yes", label("btn_consent_yes", ctx.lang)),
            choice("no", label("btn_consent_no", ctx.lang)),
        ),
    )
    return Reply(t("reg_ask_consent", ctx.lang), buttons=buttons)


async def read_consent(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    typed = fold(event.text or "").strip()
    answer = value or ("yes" if typed_yes(event.text) else None)
    answer = answer or {"khong": "no", "khong dong y": "no"}.get(typed)
    if answer == "yes":
        return Parsed(True, goto="summary")
    if answer == "no":
        return Parsed(done=True, value=False)
    return Parsed(error="reg_bad_choice")


def summary_text(ctx: Ctx, data: Data) -> str:
    lang = ctx.lang

    def labelled(prefix: str, value: Any) -> str:
        return label_or(f"{prefix}_{value}", lang, str(value))

    return t(
        "reg_summary",
        lang,
        kind=labelled("kind", data.get("kind")),
        name=data.get("full_name", ""),
        phone=f.display_phone(data.get("phone", "")),
        commune=place_name(data.get("commune"), data.get("province")),
        province=place_name(data.get("province")),
        sector=labelled("sector", data.get("sector")),
        products=data.get("products", ""),
        members=data.get("members", ""),
        support=", ".join(labelled("support", s) for s in data.get("support", [])),
        call_time=labelled("call", data.get("call_time")),
    )


def ask_summary(ctx: Ctx, data: Data) -> Reply:
    if data.get("_editing"):
        buttons = [choice(f"edit:{k}", label(f"field_{k}", ctx.lang)) for k in EDITABLE]
        return Reply(t("reg_pick_field", ctx.lang), buttons=_rows(buttons))
    buttons = [
        choice("confirm", label("btn_confirm", ctx.lang)),
        choice("edit", label("btn_edit", ctx.lang)),
    ]
    return Reply(summary_text(ctx, data), buttons=(tuple(buttons),))


async def read_summary(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    typed = fold(event.text or "").strip()
    if value == "confirm" or typed_yes(event.text):
        if not _commune_of_province(data):
            # Gone back over the commune question after changing the province: ask it now,
            # rather than save a commune of another province.
            data["_return"] = "summary"
            return Parsed(goto="commune" if data.get("province") else "province")
        earlier = await find_duplicate(
            ctx.session, user_id=ctx.user.id, phone=data["phone"], kind=data["kind"], now=ctx.now
        )
        if earlier is not None:
            when = local_time(earlier.created_at, ctx.config.timezone, ctx.lang)
            data["_duplicate"] = {"id": earlier.id, "ref": earlier.ref, "when": when}
            return Parsed(goto="duplicate")
        return Parsed(done=True)
    if value == "edit" or typed == "sua":
        data["_editing"] = True
        return Parsed(stay=True)
    if value and value.startswith("edit:") and value[5:] in EDITABLE:
        data.pop("_editing", None)
        data["_return"] = "summary"
        return Parsed(goto=value[5:])
    return Parsed(error="reg_bad_choice")


def ask_duplicate(ctx: Ctx, data: Data) -> Reply:
    dup = data.get("_duplicate", {})
    buttons = (
        (
            choice("update", label("btn_update_old", ctx.lang)),
            choice("keep", label("btn_keep_old", ctx.lang)),
        ),
    )
    return Reply(
        t("reg_duplicate", ctx.lang, ref=dup.get("ref", ""), when=dup.get("when", "")),
        buttons=buttons,
    )


async def read_duplicate(event: InboundEvent, value: str | None, ctx: Ctx, data: Data) -> Parsed:
    if value in ("update", "keep"):
        data["_duplicate_choice"] = value
        return Parsed(done=True)
    return Parsed(error="reg_bad_choice")


REGISTRATION = Form(
    name="registration",
    steps=(
        Step("kind", ask_kind, read_kind),
        Step("full_name", ask_name, read_name),
        Step("phone", ask_phone, read_phone),
        Step("province", ask_province, read_province),
        Step("commune", ask_commune, read_commune),
        Step("sector", ask_sector, read_sector),
        Step("products", ask_products, read_products),
        Step("members", ask_members, read_members),
        Step("support", ask_support, read_support),
        Step("call_time", ask_call_time, read_call_time),
        Step("consent", ask_consent, read_consent),
        Step("summary", ask_summary, read_summary, keep=False),
        Step("duplicate", ask_duplicate, read_duplicate, keep=False),
    ),
    finish=finish_registration,
)
