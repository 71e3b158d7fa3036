"""The `htxbot` command: chat, run, ask, db upgrade, kb check, export and report."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from bot.app import HtxApp
from bot.logs import setup_logging
from bot.settings import Settings
from handlers.forms import Parsed
from messages.deadlines import state_deadlines
from messages.kb import load_kb
from messages.search import Answer, QAIndex
from messages.timefmt import local_day

NO_TOKEN = """Chưa cấu hình token Telegram hay Zalo, nên bot không thể kết nối.
1. Telegram: tạo bot với @BotFather, đặt TELEGRAM_BOT_TOKEN=<token>.
2. Zalo: tạo bot với Zalo Bot Creator (bot.zaloplatforms.com), đặt ZALO_BOT_TOKEN=<token>.
   Đặt một hoặc cả hai, trong biến môi trường hoặc tệp .env (xem .env.example).
3. Chạy lại: htxbot run
Muốn thử bot ngay không cần token: htxbot chat"""


def answer_json(answer: Answer, today: date) -> dict[str, object]:
    return {
        "query": answer.query,
        "confident": answer.confident,
        "answers": [
            {
                "id": h.entry.id,
                "title": h.entry.title,
                "text": state_deadlines(h.entry.text, today),
                "score": h.score,
                "citations": [c.as_dict() for c in h.entry.citations],
            }
            for h in answer.hits
        ],
    }


def ask(questions: Iterable[str], *, as_json: bool, top: int, out: TextIO = sys.stdout) -> int:
    from bot.render import markup_to_plain
    from messages.answers import render_entry

    index = QAIndex.from_kb(load_kb())
    today = local_day(datetime.now(UTC), Settings().timezone)
    for question in questions:
        question = question.strip()
        if not question:
            continue
        answer = index.search(question, top=top)
        if as_json:
            print(json.dumps(answer_json(answer, today), ensure_ascii=False), file=out, flush=True)
            continue
        if not answer.hits:
            print("Không tìm thấy nội dung phù hợp.", file=out)
        for i, hit in enumerate(answer.hits, 1):
            flag = "" if answer.confident else " (chưa chắc chắn)"
            print(f"#{i} [{hit.entry.id}] điểm {hit.score}{flag}", file=out)
            print(
                markup_to_plain(render_entry(hit.entry, answer.language, today=today)) + "\n",
                file=out,
            )
    return 0


async def chat(settings: Settings, *, user: str | None, staff: bool, files: str | None) -> int:
    from bot.console import FARMER_USER, STAFF_USER, ConsoleChannel
    from bot.scheduler import Runtime

    app = HtxApp(settings)
    await app.start()
    console = ConsoleChannel(
        app,
        # Staff and a farmer are two people, each with their own terminal and messages.
        user_id=user or (STAFF_USER if staff else FARMER_USER),
        display_name="Cán bộ" if staff else "Bạn",
        staff=staff,
        files_dir=Path(files) if files else settings.chat_files_dir,
        prompt="> " if sys.stdin.isatty() else "",  # shown again after a message comes in
    )
    runtime = Runtime(app, settings)
    await runtime.start()
    try:
        await console.run()
    finally:
        await runtime.stop()
        await app.close()
    return 0


async def run(settings: Settings, *, webhook: bool) -> int:
    if not settings.telegram_bot_token and not settings.zalo_bot_token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    from bot.service import serve, webhook_problem

    webhook = webhook or bool(settings.webhook_url or settings.zalo_webhook_url)
    problem = webhook_problem(settings) if webhook else None
    if problem:
        print(problem, file=sys.stderr)
        return 2
    return await serve(settings, webhook=webhook)


async def db_upgrade(settings: Settings) -> int:
    from storage.db import create_engine
    from storage.migrate import upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    print("Cơ sở dữ liệu đã được nâng cấp lên phiên bản mới nhất.")
    return 0


def kb_check(settings: Settings) -> int:
    from messages.kb_check import check
    from messages.legal_refs import DEFAULT_LEGAL_DIR

    errors = check([], settings.legal_dir or DEFAULT_LEGAL_DIR)
    for line in errors:
        print(line)
    kb = load_kb()
    print(f"{len(errors)} lỗi" if errors else f"KB hợp lệ: {len(kb.entries)} mục")
    return 1 if errors else 0


async def export_registrations(
    settings: Settings, *, fmt: str, since: str | None, province: str | None, output: str | None
) -> int:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from handlers.registration.export import to_csv, to_xlsx
    from storage.db import create_engine, session_factory
    from storage.migrate import upgrade
    from storage.registrations import matching

    start = None
    if since:
        try:
            start = datetime.strptime(since, "%Y-%m-%d").replace(
                tzinfo=ZoneInfo(settings.timezone)
            )
        except ValueError:
            print("--since phải có dạng YYYY-MM-DD, ví dụ 2026-01-31", file=sys.stderr)
            return 2
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            rows = await matching(session, since=start, province=province)
    finally:
        await engine.dispose()
    data = to_csv(rows, settings.timezone) if fmt == "csv" else to_xlsx(rows, settings.timezone)
    path = Path(output or f"dang-ky.{fmt}")
    await asyncio.to_thread(path.write_bytes, data)
    print(f"Đã ghi {len(rows)} đăng ký vào {path}")
    return 0


async def report_registrations(settings: Settings, *, year: int | None) -> int:
    from bot.app import load_targets
    from bot.render import markup_to_plain
    from handlers.registration.report import report_text
    from messages.timefmt import local_day
    from storage.db import create_engine, session_factory
    from storage.migrate import upgrade
    from storage.models import utcnow

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            # The year in Vietnam: on 31 December from 17:00 UTC it is already the next.
            text = await report_text(
                session,
                year=year or local_day(utcnow(), settings.timezone).year,
                targets=load_targets(settings.targets_file),
                tz=settings.timezone,
            )
    finally:
        await engine.dispose()
    print(markup_to_plain(text))
    return 0


def refusals(checks: dict[str, Parsed]) -> list[str]:
    """What the chat says of each value it refuses, after the option that gave it."""
    from bot.render import markup_to_plain
    from messages.i18n import t

    return [
        f"{option}: {markup_to_plain(t(checked.error, 'vi', **checked.params))}"
        for option, checked in checks.items()
        if checked.error
    ]


def choice_refusals(choices: dict[str, tuple[str | None, tuple[str, ...]]]) -> list[str]:
    """A value not among an option's choices (the chat offers them as buttons), with the list."""
    return [
        f"{option}: một trong {', '.join(allowed)}"
        for option, (given, allowed) in choices.items()
        if given not in allowed
    ]


async def add_class(settings: Settings, args: argparse.Namespace) -> int:
    """`htxbot class add`: the checks of /taolop, then the same save; prints the new id."""
    from handlers.classes import fields
    from handlers.classes.view import AUDIENCES, TOPICS
    from messages.timefmt import local_time
    from storage.db import create_engine, session_factory
    from storage.migrate import upgrade
    from storage.models import TrainingClass, utcnow

    now, tz = utcnow(), settings.timezone
    checks = {
        "--title": fields.check_title(args.title),
        "--start": fields.check_start(args.start, now, tz),
        "--duration": fields.check_duration(args.duration),
        "--place": fields.check_place(args.place),
        "--capacity": fields.check_capacity(args.capacity),
    }
    if args.province:
        checks["--province"] = fields.check_province(args.province)
    start = checks["--start"].value
    if args.deadline and start is not None:
        checks["--deadline"] = fields.check_deadline(args.deadline, now, tz, start)
    problems = refusals(checks) + choice_refusals(
        {"--topic": (args.topic, TOPICS), "--audience": (args.audience, AUDIENCES)}
    )
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    place, link = fields.place_and_link(checks["--place"].value, args.link or "")
    draft = TrainingClass(
        title=checks["--title"].value,
        topic=args.topic,
        description=fields.clean_description(args.description or ""),
        starts_at=start,
        duration_minutes=checks["--duration"].value,
        place=place,
        online_link=link,
        province_code=checks["--province"].value if args.province else "",
        capacity=checks["--capacity"].value,
        deadline_at=checks["--deadline"].value if args.deadline else start,
        audience=args.audience,
    )
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            row = await fields.new_class(
                session, draft, publish=args.publish, actor="cli", now=now
            )
            await session.commit()
            print(row.id)
            print(
                f"{row.title}: {local_time(row.starts_at, tz)}, "
                f"{'đã đăng' if args.publish else 'nháp'}",
                file=sys.stderr,
            )
    finally:
        await engine.dispose()
    return 0


# `--segment key=value` keys that name an audience condition of /thongbao differently.
SEGMENT_KINDS = {"class_id": "class", "reg_status": "registrants"}


def audience(pairs: list[str], admins: frozenset[str]) -> tuple[dict[str, object], list[str]]:
    """`province=dak lak`, `class=3`, `reg_status=moi`, `sector=chan_nuoi`, `language=en`,
    `channel=zalo`, `role=farmer|leader|staff`: the conditions of /thongbao, all of them met →
    (the segment, what was refused)."""
    from handlers.broadcasts import SEGMENT_CHOICES, audience_condition

    segment: dict[str, object] = {}
    problems: list[str] = []
    for pair in pairs:
        key, _, value = pair.partition("=")
        kind = SEGMENT_KINDS.get(key.strip(), key.strip())
        condition = audience_condition(kind, value.strip(), admins)
        if condition.error and kind in SEGMENT_CHOICES:
            problems += choice_refusals({f"--segment {pair}": (value, SEGMENT_CHOICES[kind])})
        elif condition.error == "reg_bad_choice":  # no such condition
            problems.append(f"--segment: không hiểu «{pair}»")
        elif condition.error:
            problems += refusals({f"--segment {pair}": condition})
        else:
            segment.update(condition.value)
    return segment, problems


PHOTO_TYPES = (".jpg", ".jpeg", ".png", ".webp")
PHOTO_MAX, DOCUMENT_MAX = 10 * 1024 * 1024, 50 * 1024 * 1024  # Telegram's upload limits


def read_attachment(photo: str | None, document: str | None) -> dict[str, object]:
    """--photo / --document → the broadcast's attachment columns (empty when neither)."""
    name = photo or document
    if not name:
        return {}
    path = Path(name)
    if not path.is_file():
        raise ValueError(f"không tìm thấy tệp {name}")
    kind, limit = ("photo", PHOTO_MAX) if photo else ("document", DOCUMENT_MAX)
    if kind == "photo" and path.suffix.lower() not in PHOTO_TYPES:
        raise ValueError("--photo: chỉ nhận ảnh jpg, png hoặc webp (tệp khác: --document)")
    if path.stat().st_size > limit:
        raise ValueError(f"--{kind}: tệp lớn hơn {limit // 1024 // 1024} MB")
    if path.stat().st_size == 0:
        raise ValueError(f"--{kind}: tệp rỗng")
    return {
        "attachment_kind": kind,
        "attachment_name": path.name[:200],
        "attachment_data": path.read_bytes(),
    }


async def broadcast_command(settings: Settings, args: argparse.Namespace) -> int:
    """`htxbot broadcast send|list|show|cancel`: the CLI records; the running bot delivers
    (or this process, with --deliver, when no bot is running)."""
    from bot.render import markup_to_plain
    from handlers.broadcasts import (
        check_buttons,
        check_text,
        held_note,
        record_broadcast,
        sends_to_nobody,
        starts_at,
    )
    from handlers.times import future_time
    from messages.timefmt import local_time
    from storage.broadcasts import cancel_broadcast, count_audience, progress, recent
    from storage.models import Broadcast, utcnow

    app = HtxApp(settings)
    await upgrade_only(app)
    now, tz = utcnow(), settings.timezone
    try:
        async with app.sessions() as s:
            if args.action == "list":
                for item in await recent(s, 20):
                    counts = await progress(s, item.id)
                    when = local_time(item.send_at, settings.timezone)
                    print(
                        f"#{item.id} {item.status:9} {when} "
                        f"sent {counts['sent']}/{item.total} {item.segment}"
                    )
                return 0
            if args.action in ("show", "cancel"):
                found = await s.get(Broadcast, args.id) if args.id else None
                if found is None:
                    print("Không có thông báo này.", file=sys.stderr)
                    return 2
                if args.action == "cancel":
                    done = await cancel_broadcast(s, found.id, now)
                    await s.commit()
                    print("Đã huỷ." if done else "Không huỷ được (đã xong hoặc đã huỷ).")
                    return 0 if done else 1
                counts = await progress(s, found.id)
                print(f"#{found.id} {found.status} total {found.total} {dict(counts)}")
                print(found.text)
                return 0
            try:
                attachment = read_attachment(args.photo, args.document)
            except ValueError as exc:
                print(str(exc), file=sys.stderr)
                return 2
            # The checks of /thongbao, each refusal said as the dialog says it.
            checks = {"--text": check_text(args.text or "")}
            if args.at:
                checks["--at"] = future_time(args.at, now, tz)
            if args.button:
                checks["--button"] = check_buttons("\n".join(args.button))
            segment, problems = audience(args.segment or [], app.config.admins)
            problems = refusals(checks) + problems
            if problems:
                print("\n".join(problems), file=sys.stderr)
                return 2
            send_at = checks["--at"].value if args.at else now
            count = await count_audience(s, segment)
            start = starts_at(send_at, now, tz, app.config.quiet_hours, args.quiet_override)
            told = [f"Sẽ gửi cho {count} người lúc {local_time(start, tz)}."]
            if start > send_at:  # held by the quiet hours: the time typed is not when it goes
                told.append(markup_to_plain(held_note(start, tz, app.config.quiet_hours, "vi")))
            if sends_to_nobody(count, send_at, now):  # as /thongbao, which offers no «Gửi»
                told.append(
                    "Hiện không có ai trong nhóm này nên không gửi được, kể cả với --yes: "
                    "chọn --segment khác, hoặc hẹn --at một lúc sau."
                )
                print("\n".join(told), file=sys.stderr)
                return 2 if args.yes else 1
            if not args.yes:
                print("\n".join([*told, "Thêm --yes để xác nhận."]), file=sys.stderr)
                return 1
            bc = await record_broadcast(
                s,
                actor="cli",
                now=now,
                text=checks["--text"].value,
                segment=segment,
                send_at=send_at,
                quiet_override=args.quiet_override,
                buttons=checks["--button"].value if args.button else [],
                **attachment,
            )
            await s.commit()
            print(bc.id)
            print(f"Thông báo #{bc.id}: " + " ".join(told), file=sys.stderr)
        if args.deliver:
            return await deliver_here(app, settings, bc.id)
        return 0
    finally:
        await app.close()


async def upgrade_only(app: HtxApp) -> None:
    from storage.migrate import upgrade

    await upgrade(app.engine)


async def deliver_here(app: HtxApp, settings: Settings, broadcast_id: int) -> int:
    """Deliver one broadcast from this process through Telegram and/or Zalo (no bot running:
    their senders only, nothing is received)."""
    from bot.broadcaster import Broadcaster
    from bot.dispatcher import Dispatcher
    from messages.quiet_hours import parse_quiet_hours
    from storage.models import Broadcast

    if not settings.telegram_bot_token and not settings.zalo_bot_token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    closers: list[Callable[[], Awaitable[None]]] = []
    if settings.telegram_bot_token:
        from bot.telegram_channel import TelegramChannel

        telegram = TelegramChannel(app, settings)
        await telegram.application.initialize()
        await telegram.outbox.start()
        closers += [telegram.outbox.stop, telegram.application.shutdown]
    if settings.zalo_bot_token:
        from bot.zalo_channel import ZaloChannel

        zalo = ZaloChannel(app, settings)
        await zalo.outbox.start()
        closers.append(zalo.stop)
    quiet = parse_quiet_hours(settings.quiet_hours)
    worker = Dispatcher(app, quiet=quiet).worker
    broadcaster = Broadcaster(app, rate=settings.broadcast_rate, quiet=quiet, worker=worker)
    try:
        while True:
            await broadcaster.tick()
            async with app.sessions() as s:
                bc = await s.get(Broadcast, broadcast_id)
            if bc is None or bc.status in ("done", "cancelled"):
                break
            if bc.status == "scheduled":
                await asyncio.sleep(1)
    finally:
        for close in closers:
            await close()
    print(f"Thông báo #{broadcast_id}: {bc.status if bc else 'không có'}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="htxbot", description="Trợ lý của Liên minh Hợp tác xã")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("chat", help="trò chuyện với bot ngay trong terminal")
    c.add_argument(
        "--staff", action="store_true", help="đóng vai cán bộ Liên minh (người dùng staff)"
    )
    c.add_argument("--user", help="mã người dùng (mặc định 1; với --staff: staff)")
    c.add_argument("--files", help="thư mục lưu tệp bot gửi (mặc định ./htxbot-files)")
    r = sub.add_parser("run", help="chạy bot trên các kênh đã cấu hình (Telegram, Zalo)")
    r.add_argument(
        "--webhook",
        action="store_true",
        help="nhận cập nhật qua webhook (cần HTXBOT_WEBHOOK_URL và HTXBOT_WEBHOOK_SECRET)",
    )
    a = sub.add_parser("ask", help="hỏi một câu, in câu trả lời")
    a.add_argument("question", help="câu hỏi, hoặc - để đọc mỗi dòng một câu từ stdin")
    a.add_argument("--json", action="store_true", help="in JSON, mỗi câu hỏi một dòng")
    a.add_argument("--top", type=int, default=3, help="số câu trả lời (mặc định 3)")
    db = sub.add_parser("db", help="cơ sở dữ liệu")
    db.add_argument("action", choices=["upgrade"])
    kb = sub.add_parser("kb", help="kho kiến thức")
    kb.add_argument("action", choices=["check"])
    ex = sub.add_parser("export", help="xuất dữ liệu ra tệp cho Excel")
    ex.add_argument("what", choices=["registrations"])
    ex.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
    ex.add_argument("--since", help="chỉ từ ngày này (YYYY-MM-DD)")
    ex.add_argument("--province", help="mã tỉnh (theo vietnam-provinces, ví dụ 66)")
    ex.add_argument("--output", "-o", help="tên tệp (mặc định dang-ky.<định dạng>)")
    cl = sub.add_parser("class", help="lớp tập huấn")
    cl_sub = cl.add_subparsers(dest="class_action", required=True)
    ca = cl_sub.add_parser("add", help="tạo lớp (in ra số lớp)")
    ca.add_argument("--title", required=True)
    ca.add_argument("--start", required=True, help='ví dụ "08:00 05/12/2026" hoặc "8h 5/12"')
    ca.add_argument("--duration", default="2h", help="ví dụ 2h, 90p, 1h30 (mặc định 2h)")
    ca.add_argument("--place", required=True, help="địa chỉ, hoặc đường link học trực tuyến")
    ca.add_argument("--link", help="đường link trực tuyến kèm địa chỉ")
    ca.add_argument("--capacity", required=True, help="số chỗ, 1 đến 10000")
    ca.add_argument("--province", help="tỉnh/thành (mặc định: mọi tỉnh)")
    ca.add_argument("--deadline", help="hạn đăng ký (mặc định: giờ học)")
    ca.add_argument("--topic", default="khac")
    ca.add_argument("--audience", default="everyone")
    ca.add_argument("--description")
    ca.add_argument("--publish", action="store_true", help="đăng ngay (mặc định: nháp)")
    bc = sub.add_parser("broadcast", help="thông báo tới người dùng")
    bc.add_argument("action", choices=["send", "list", "show", "cancel"])
    bc.add_argument("id", nargs="?", type=int, help="số thông báo (show, cancel)")
    bc.add_argument("--text", help="nội dung (HTML Telegram: b, i, u, s, a, code…)")
    bc.add_argument(
        "--segment",
        action="append",
        help="province=…, class=3, reg_status=moi, sector=…, role=farmer|leader|staff, "
        "language=en (lặp lại)",
    )
    bc.add_argument("--at", help='gửi lúc, ví dụ "8h 5/12" (mặc định: ngay)')
    bc.add_argument("--button", action="append", help='nút liên kết "Tên | https://…" (lặp lại)')
    files = bc.add_mutually_exclusive_group()
    files.add_argument("--photo", help="ảnh gửi kèm (jpg, png, webp; tối đa 10 MB)")
    files.add_argument("--document", help="tệp gửi kèm (PDF, Word…; tối đa 50 MB)")
    bc.add_argument("--quiet-override", action="store_true", help="gửi cả trong giờ nghỉ")
    bc.add_argument("--yes", action="store_true", help="xác nhận gửi")
    bc.add_argument(
        "--deliver",
        action="store_true",
        help="tự gửi từ tiến trình này (khi không có bot nào đang chạy)",
    )
    rp = sub.add_parser("report", help="báo cáo")
    rp.add_argument("what", choices=["registrations"])
    rp.add_argument("--year", type=int, help="năm (mặc định năm nay)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    setup_logging("WARNING" if args.command in ("chat", "ask") else settings.log_level)
    if args.command == "chat":
        return asyncio.run(chat(settings, user=args.user, staff=args.staff, files=args.files))
    if args.command == "run":
        return asyncio.run(run(settings, webhook=args.webhook))
    if args.command == "ask":
        if args.question != "-" and not args.question.strip():
            print('Câu hỏi trống. Ví dụ: htxbot ask "thanh lap htx can gi"', file=sys.stderr)
            return 2
        top = max(1, min(args.top, 20))
        lines = sys.stdin if args.question == "-" else [args.question]
        return ask(lines, as_json=args.json, top=top)
    if args.command == "db":
        return asyncio.run(db_upgrade(settings))
    if args.command == "export":
        return asyncio.run(
            export_registrations(
                settings,
                fmt=args.format,
                since=args.since,
                province=args.province,
                output=args.output,
            )
        )
    if args.command == "broadcast":
        return asyncio.run(broadcast_command(settings, args))
    if args.command == "class":
        return asyncio.run(add_class(settings, args))
    if args.command == "report":
        return asyncio.run(report_registrations(settings, year=args.year))
    return kb_check(settings)


if __name__ == "__main__":
    raise SystemExit(main())
