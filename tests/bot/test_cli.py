"""The htxbot command: run without a token, ask's JSON contract, the console chat."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from bot.app import HtxApp
from bot.console import ConsoleChannel
from storage.models import Reminder

ROOT = Path(__file__).resolve().parents[2]


def htxbot(*args: str, stdin: str = "", tmp: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("HTXBOT_", "TELEGRAM_", "ZALO_"))
    }
    clean.update({"HTXBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'cli.db'}", **env})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp,
        env={**clean, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


def test_run_without_token_explains_and_fails(tmp_path: Path):
    result = htxbot("run", tmp=tmp_path)
    assert result.returncode != 0
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "ZALO_BOT_TOKEN" in result.stderr
    assert "htxbot chat" in result.stderr


def test_ask_json_reads_stdin_one_object_per_line(tmp_path: Path):
    result = htxbot(
        "ask",
        "--json",
        "--top",
        "2",
        "-",
        tmp=tmp_path,
        stdin="hợp tác xã cần mấy người\n\ndieu kien thanh lap htx\n",
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["query"] for o in lines] == ["hợp tác xã cần mấy người", "dieu kien thanh lap htx"]
    for obj in lines:
        assert isinstance(obj["confident"], bool)
        assert 1 <= len(obj["answers"]) <= 2
        for ans in obj["answers"]:
            assert set(ans) == {"id", "title", "text", "score", "citations"}
            for c in ans["citations"]:
                assert set(c) == {"source", "article", "clause"}
                assert c["article"] is None or isinstance(c["article"], int)


def test_db_upgrade_and_kb_check(tmp_path: Path):
    result = htxbot("db", "upgrade", tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cli.db").exists()
    result = htxbot("kb", "check", tmp=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "KB hợp lệ" in result.stdout


async def test_console_chat_numbers_pick_buttons(app: HtxApp):
    out = io.StringIO()
    lines = iter(["6", "dieu kien thanh lap htx", "/thoat", "never read"])

    async def read() -> str | None:
        return next(lines, None)

    await ConsoleChannel(app, user_id="c1", out=out).run(read)
    text = out.getvalue()
    assert "1. 📖 Hỏi đáp luật HTX" in text  # the menu as numbered choices
    assert "Cách dùng" in text  # "6" picked Trợ giúp
    assert "Căn cứ:" in text  # a cited answer
    assert "<b>" not in text  # markup rendered as plain text


async def test_console_asks_which_when_a_typed_label_names_several_buttons(app: HtxApp):
    """'xoa' beside two reminders' «Xoá» deleted the first one; now it asks for a number, and
    the number then deletes the one meant."""
    out = io.StringIO()
    lines = iter(
        ["/nhactoi 8h 5/1/2099 họp", "/nhactoi 9h 5/1/2099 nộp báo cáo", "/nhacnho", "xoa", "3"]
    )

    async def read() -> str | None:
        return next(lines, None)

    await ConsoleChannel(app, user_id="c3", out=out).run(read)
    text = out.getvalue()
    assert "Có mấy nút «xoa» (1, 3)" in text
    async with app.sessions() as s:
        left = [
            r.params["text"] for r in await s.scalars(select(Reminder)) if r.status == "pending"
        ]
    assert left == ["họp"]


async def test_export_and_report_registrations(tmp_path: Path):
    from datetime import UTC, datetime

    from storage.db import create_engine, session_factory
    from storage.migrate import upgrade
    from storage.registrations import create_registration, set_status
    from storage.users import get_or_create_user

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    await upgrade(engine)
    now = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
    async with session_factory(engine)() as s:
        user, _, _ = await get_or_create_user(s, channel="telegram", external_id="5", chat_id="5")
        data = {
            "kind": "tht",
            "full_name": "Võ Thị Sáu",
            "phone": "+84912000111",
            "province": "66",
            "commune": "24373",
            "sector": "chan_nuoi",
            "members": 4,
            "support": ["dao_tao"],
            "call_time": "sang",
        }
        row = await create_registration(s, user_id=user.id, data=data, now=now)
        await set_status(s, row, "da_thanh_lap", actor="telegram:1", note="", now=now)
        await s.commit()
    await engine.dispose()
    targets = tmp_path / "targets.yaml"
    targets.write_text('targets:\n  "66": {tht: 2}\n', encoding="utf-8")

    result = htxbot(
        "export",
        "registrations",
        "--format",
        "csv",
        "--since",
        "2026-01-01",
        "-o",
        str(tmp_path / "out.csv"),
        tmp=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "out.csv").read_bytes().decode("utf-8-sig")
    assert "Võ Thị Sáu" in text and "05/03/2026 09:00" in text  # shown in Vietnam time
    result = htxbot(
        "export",
        "registrations",
        "--since",
        "2026-04-01",
        "-o",
        str(tmp_path / "none.xlsx"),
        tmp=tmp_path,
    )
    assert "Đã ghi 0" in result.stdout
    result = htxbot(
        "report", "registrations", "--year", "2026", tmp=tmp_path, HTXBOT_TARGETS_FILE=str(targets)
    )
    assert result.returncode == 0, result.stderr
    assert "Đắk Lắk: 1" in result.stdout and "Tổ hợp tác 1/2" in result.stdout


def test_class_add_prints_the_new_id_and_rejects_bad_input(tmp_path: Path):
    ok = htxbot(
        "class",
        "add",
        "--title",
        "Kỹ năng số cho HTX",
        "--start",
        "08:00 05/12/2099",
        "--duration",
        "90p",
        "--place",
        "https://meet.example/htx",
        "--capacity",
        "40",
        "--province",
        "can tho",
        "--topic",
        "chuyen_doi_so",
        "--publish",
        tmp=tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "1"
    assert "Thứ Bảy, 05/12/2099 lúc 08:00" in ok.stderr
    bad = htxbot(
        "class",
        "add",
        "--title",
        "X lớp",
        "--start",
        "hôm qua",
        "--place",
        "Xã A",
        "--capacity",
        "0",
        tmp=tmp_path,
    )
    assert bad.returncode == 2 and "--start" in bad.stderr
    bad = htxbot(
        "class",
        "add",
        "--title",
        "X lớp",
        "--start",
        "8h 5/12/2099",
        "--place",
        "Xã A",
        "--capacity",
        "0",
        "--topic",
        "nope",
        tmp=tmp_path,
    )
    assert bad.returncode == 2 and "--capacity" in bad.stderr and "--topic" in bad.stderr


def said(key: str, **params: object) -> str:
    """A message of the chat as the CLI prints it (plain text)."""
    from bot.render import markup_to_plain
    from messages.i18n import t

    return markup_to_plain(t(key, "vi", **params))


def test_class_add_refuses_what_taolop_refuses_and_says_it_the_same_way(tmp_path: Path):
    base = ["class", "add", "--place", "Hội trường xã", "--capacity", "30"]
    for option, typed, key in (
        ("--capacity", "0", "cls_bad_capacity"),
        ("--start", "8h 5/12/2020", "cls_start_past"),
        ("--start", "5/12/2099", "cls_bad_start"),  # no hour
        ("--title", "HT", "cls_bad_title"),
        ("--duration", "20h", "cls_bad_duration"),
        ("--province", "atlantis", "reg_no_province"),
        ("--deadline", "8h 6/12/2099", "cls_bad_deadline"),  # after the start
    ):
        given = {"--title": "Lớp kế toán", "--start": "8h 5/12/2099", option: typed}
        args = [*base, *(x for pair in given.items() for x in pair)]
        bad = htxbot(*args, tmp=tmp_path)
        assert bad.returncode == 2, (option, bad.stderr)
        assert f"{option}: {said(key, typed=typed)}" in bad.stderr, bad.stderr
    ok = htxbot(*base, "--title", "  Lớp   kế toán ", "--start", "8h 5/12/2099", tmp=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "\nLớp kế toán: " in ok.stderr  # the title tidied as /taolop tidies it


def test_broadcast_cli_refuses_what_thongbao_refuses(tmp_path: Path):
    send = ["broadcast", "send", "--yes"]
    for extra, expected in (
        (["--text", ""], f"--text: {said('bc_bad_length', limit=3500)}"),
        (["--text", "x" * 3501], f"--text: {said('bc_bad_length', limit=3500)}"),
        (["--text", "Họp", "--at", "8h 5/12/2020"], f"--at: {said('cls_start_past')}"),
        (["--text", "Họp", "--button", "Web"], f"--button: {said('bc_bad_buttons')}"),
        (
            ["--text", "Họp", "--segment", "province=atlantis"],
            f"--segment province=atlantis: {said('reg_no_province', typed='atlantis')}",
        ),
        (["--text", "Họp", "--segment", "reg_status=xong"], "reg_status=xong: một trong moi,"),
        (["--text", "Họp", "--segment", "role=boss"], "role=boss: một trong farmer, leader"),
        (["--text", "Họp", "--segment", "sector=lua"], "sector=lua: một trong trong_trot,"),
        (["--text", "Họp", "--segment", "mood=vui"], "--segment: không hiểu «mood=vui»"),
    ):
        bad = htxbot(*send, *extra, tmp=tmp_path)
        assert bad.returncode == 2, (extra, bad.stderr)
        assert expected in bad.stderr, bad.stderr
    # Now, to nobody: /thongbao offers no «Gửi»; --yes does not send it either.
    nobody = htxbot(*send, "--text", "Họp", tmp=tmp_path)
    assert nobody.returncode == 2 and "không có ai" in nobody.stderr
    assert nobody.stdout == ""


async def test_broadcast_cli_in_the_quiet_hours_says_when_it_will_really_go(tmp_path: Path):
    """It said 'sẽ gửi … lúc 02:42' and then waited for 06:30."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    await seed_people(tmp_path, "91")
    here = datetime.now(UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    start, end = here - timedelta(hours=1), here + timedelta(hours=2)  # quiet from now on
    quiet = {"HTXBOT_QUIET_HOURS": f"{start:%H:%M}-{end:%H:%M}"}
    ask = htxbot("broadcast", "send", "--text", "Họp", tmp=tmp_path, **quiet)
    assert ask.returncode == 1, ask.stderr
    [when] = [line for line in ask.stderr.splitlines() if line.startswith("Sẽ gửi cho 1 người")]
    assert when.endswith(f", {end:%d/%m/%Y} lúc {end:%H:%M}."), ask.stderr
    assert "giờ nghỉ" in ask.stderr and "--yes" in ask.stderr
    ok = htxbot("broadcast", "send", "--text", "Họp", "--yes", tmp=tmp_path, **quiet)
    assert ok.returncode == 0 and ok.stdout.strip() == "1", ok.stderr
    assert f"lúc {end:%H:%M}" in ok.stderr
    now = htxbot("broadcast", "send", "--text", "Họp", "--quiet-override", tmp=tmp_path, **quiet)
    assert "giờ nghỉ" not in now.stderr  # staff chose to send in the quiet hours


def test_broadcast_cli_records_lists_and_cancels(tmp_path: Path):
    bad = htxbot("broadcast", "send", "--text", "<div>x</div>", "--yes", tmp=tmp_path)
    assert bad.returncode == 2 and "div" in bad.stderr
    ask = htxbot("broadcast", "send", "--text", "<b>Hội chợ</b>", tmp=tmp_path)
    assert ask.returncode == 1 and "--yes" in ask.stderr
    ok = htxbot(
        "broadcast",
        "send",
        "--text",
        "<b>Hội chợ</b>",
        "--segment",
        "province=dak lak",
        "--at",
        "8h 5/12/2099",
        "--yes",
        tmp=tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    bid = ok.stdout.strip()
    listed = htxbot("broadcast", "list", tmp=tmp_path)
    assert f"#{bid} scheduled" in listed.stdout and "'66'" in listed.stdout
    assert htxbot("broadcast", "cancel", bid, tmp=tmp_path).returncode == 0
    shown = htxbot("broadcast", "show", bid, tmp=tmp_path)
    assert "cancelled" in shown.stdout


async def seed_people(tmp_path: Path, *chats: str) -> None:
    """Subscribed Telegram users in the CLI's database."""
    from storage.db import create_engine, session_factory
    from storage.migrate import upgrade
    from storage.users import get_or_create_user

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    await upgrade(engine)
    async with session_factory(engine)() as s:
        for chat in chats:
            await get_or_create_user(s, channel="telegram", external_id=chat, chat_id=chat)
        await s.commit()
    await engine.dispose()


def cli_env(tmp_path: Path, base_url: str) -> dict[str, str]:
    """The environment of a CLI run that sends through the fake Bot API at any hour."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("HTXBOT_", "TELEGRAM_", "ZALO_"))
    }
    return env | {
        "HTXBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "TELEGRAM_BOT_TOKEN": "123:TEST",
        "TELEGRAM_API_BASE_URL": base_url,
        "HTXBOT_QUIET_HOURS": "03:00-03:00",
        "PYTHONPATH": str(ROOT),
    }


async def test_broadcast_cli_deliver_sends_through_telegram(tmp_path: Path):
    import asyncio

    from tests.fake_telegram import FakeTelegram

    await seed_people(tmp_path, "71", "72")
    async with FakeTelegram() as tg:
        env = cli_env(tmp_path, tg.base_url)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "broadcast",
            "send",
            "--text",
            "<i>Họp</i>",
            "--yes",
            "--deliver",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, err.decode()
        assert "done" in out.decode()
        assert {str(p["chat_id"]) for p in tg.sent()} == {"71", "72"}


async def test_broadcast_cli_photo_is_uploaded_once_then_sent_by_file_id(tmp_path: Path):
    import asyncio

    from tests.fake_telegram import FakeTelegram

    await seed_people(tmp_path, "81", "82", "83")
    (tmp_path / "hoi-cho.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 2000)
    (tmp_path / "notes.txt").write_text("không phải ảnh")
    bad = htxbot(
        "broadcast", "send", "--text", "Họp", "--photo", "notes.txt", "--yes", tmp=tmp_path
    )
    assert bad.returncode == 2 and "jpg, png" in bad.stderr
    async with FakeTelegram() as tg:
        env = cli_env(tmp_path, tg.base_url)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "broadcast", "send", "--text", "<b>Hội chợ</b>",
            "--photo", "hoi-cho.png", "--yes", "--deliver",
            cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, err.decode()
        photos = [c.params for c in tg.calls if c.method == "sendPhoto"]
    assert sorted(str(p["chat_id"]) for p in photos) == ["81", "82", "83"]
    assert all("<b>Hội chợ</b>" in p["caption"] for p in photos)
    assert tg.uploads == 1  # the first upload's file_id serves the others


async def test_console_numbers_run_on_across_the_messages_of_one_answer(app: HtxApp):
    """/lophoc answers with a card per class (Đăng ký…) and then a filter list: numbered 1–2
    and then 1–6, the '1' typed next picked a filter instead of the first class."""
    from datetime import timedelta

    from storage.classes import create_class
    from storage.models import utcnow

    now = utcnow()
    async with app.sessions() as s:
        for title in ("Lớp kế toán HTX", "Lớp điều lệ HTX"):
            await create_class(
                s, now=now, title=title, starts_at=now + timedelta(days=3), capacity=30,
                deadline_at=now + timedelta(days=2), status="published",
            )  # fmt: skip
        await s.commit()
    out = io.StringIO()
    console = ConsoleChannel(app, user_id="c2", out=out)
    await console.say("/lophoc")
    shown = [line for line in out.getvalue().splitlines() if line[:1].isdigit()]
    numbers = [int(line.split(".", 1)[0]) for line in shown]
    assert numbers == list(range(1, len(numbers) + 1)), shown  # one numbering, no restart
    first_class = next(n for n, line in zip(numbers, shown, strict=True) if "Đăng ký" in line)
    assert console.event_for(str(first_class)).payload.startswith("cls:")


def test_ask_with_an_empty_question_says_so(tmp_path: Path):
    result = htxbot("ask", "  ", tmp=tmp_path)
    assert result.returncode == 2 and "Câu hỏi trống" in result.stderr
