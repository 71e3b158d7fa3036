"""`htxbot chat` as a try-out channel: files the bot sends land in a folder, staff and a farmer
are two people, and a message for someone reaches their own terminal only, across processes."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import HtxApp
from bot.console import ConsoleChannel, save_file
from storage.classes import create_class
from storage.models import ConsoleMessage, User, utcnow
from tests.bot.test_cli import ROOT, htxbot

PNG = b"\x89PNG\r\n\x1a\n"


class Terminal:
    """A running `htxbot chat`: lines typed on its stdin, everything it prints kept."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.screen = ""
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, tmp: Path, *args: str) -> Terminal:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("HTXBOT_", "TELEGRAM_", "ZALO_"))
        }
        env |= {
            "HTXBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'cli.db'}",
            "HTXBOT_QUIET_HOURS": "03:00-03:00",  # never quiet: the test runs at any hour
            "PYTHONPATH": str(ROOT),
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "chat", *args,
            cwd=tmp, env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        terminal = cls(proc)
        await terminal.wait_for("Mục cán bộ" if "--staff" in args else "Hỏi đáp luật HTX")
        return terminal

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while chunk := await self.proc.stdout.read(4096):
            self.screen += chunk.decode()

    async def wait_for(self, text: str, timeout: float = 60) -> str:
        """What the terminal shows up to `text`, once it shows it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while text not in self.screen:
            if self._reader.done() or asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{text!r} not shown:\n{self.screen[-3000:]}")
            await asyncio.sleep(0.05)
        return self.screen

    async def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        await self.proc.stdin.drain()

    async def close(self) -> None:
        if self.proc.returncode is None:
            await self.type("/thoat")
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            await asyncio.wait_for(self.proc.wait(), 30)
        await self._reader


@pytest.fixture
async def terminals(tmp_path: Path):
    opened: list[Terminal] = []

    async def open_one(*args: str) -> Terminal:
        opened.append(await Terminal.open(tmp_path, *args))
        return opened[-1]

    yield open_one
    for terminal in opened:
        await terminal.close()


async def test_a_message_for_someone_reaches_their_terminal_only(tmp_path: Path, terminals):
    """Staff's answer and a broadcast were printed on whichever terminal made or claimed them
    ('[→ console:1] …' on the staff's), and `--staff` was the farmer's own user 1."""
    farmer = await terminals()
    staff = await terminals("--staff")
    neighbour = await terminals("--user", "2")
    await farmer.type("nuoi ca tam trong ao bao nhieu con mot met vuong")
    await farmer.wait_for("Gửi câu hỏi cho cán bộ")
    await farmer.type("1")
    await farmer.wait_for("Đã gửi câu hỏi của bạn (mã 1)")
    # The farmer's process sent the notice; the staff's terminal shows it.
    await staff.wait_for("Câu hỏi mới (mã 1) từ Bạn: nuoi ca tam")
    await staff.type("/traloi 1 Khoảng 2 con mỗi mét vuông.")
    await staff.wait_for("Đã gửi trả lời cho người hỏi")
    await farmer.wait_for("Khoảng 2 con mỗi mét vuông.")
    # A broadcast to everyone on the console: each terminal shows it once, its own copy.
    sent = htxbot(
        "broadcast", "send", "--text", "Chợ phiên nông sản thứ Bảy", "--segment",
        "channel=console", "--yes", tmp=tmp_path, HTXBOT_QUIET_HOURS="03:00-03:00",
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    for terminal in (farmer, staff, neighbour):
        await terminal.wait_for("Chợ phiên nông sản thứ Bảy")
    await asyncio.sleep(2)  # a second copy would come within a dispatch interval or two
    for terminal in (farmer, staff, neighbour):
        assert terminal.screen.count("Chợ phiên nông sản thứ Bảy") == 1, terminal.screen
    assert "Khoảng 2 con" not in staff.screen and "[→" not in staff.screen
    assert "Câu hỏi mới" not in farmer.screen and "Câu hỏi mới" not in neighbour.screen
    assert "Khoảng 2 con" not in neighbour.screen
    for terminal in (farmer, staff, neighbour):
        await terminal.close()
    app_db = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    from storage.db import create_engine, session_factory

    engine = create_engine(app_db)
    try:
        async with session_factory(engine)() as s:
            people = {(u.external_id, u.display_name) for u in await s.scalars(select(User))}
            waiting = list(await s.scalars(select(ConsoleMessage)))
    finally:
        await engine.dispose()
    assert people == {("1", "Bạn"), ("staff", "Cán bộ"), ("2", "Bạn")}
    assert waiting == []  # every message shown, by the terminal it was for


async def test_a_message_sent_while_its_terminal_was_closed_is_shown_when_it_opens(
    tmp_path: Path, terminals
):
    staff = await terminals("--staff")
    farmer = await terminals()
    await farmer.type("nuoi ca tam trong ao bao nhieu con mot met vuong")
    await farmer.wait_for("Gửi câu hỏi cho cán bộ")
    await farmer.type("1")
    await farmer.wait_for("Đã gửi câu hỏi của bạn")
    await farmer.close()
    await staff.wait_for("Câu hỏi mới (mã 1)")
    await staff.type("/traloi 1 Khoảng 2 con mỗi mét vuông.")
    await staff.wait_for("Đã gửi trả lời cho người hỏi")
    again = await terminals()
    await again.wait_for("Khoảng 2 con mỗi mét vuông.")


async def test_files_the_bot_sends_are_written_to_a_folder_and_their_path_printed(
    tmp_path: Path, terminals
):
    result = htxbot("db", "upgrade", tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    class_id = await a_class(tmp_path)
    staff = await terminals("--staff")
    await staff.type(f"/qr {class_id}")
    screen = await staff.wait_for(".png")
    saved = tmp_path / "htxbot-files" / f"lop-{class_id}-qr.png"
    assert f"[tệp đã lưu: htxbot-files/lop-{class_id}-qr.png (" in screen
    assert saved.read_bytes().startswith(PNG)
    elsewhere = await terminals("--staff", "--files", "ra")
    await elsewhere.type(f"/qr {class_id}")
    await elsewhere.wait_for(f"[tệp đã lưu: ra/lop-{class_id}-qr.png")
    assert (tmp_path / "ra" / f"lop-{class_id}-qr.png").read_bytes().startswith(PNG)


async def a_class(tmp_path: Path) -> int:
    from storage.db import create_engine, session_factory

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    now = utcnow()
    try:
        async with session_factory(engine)() as s:
            row = await create_class(
                s, now=now, title="Lớp kế toán HTX", starts_at=now + timedelta(days=3),
                capacity=30, deadline_at=now + timedelta(days=2), status="published",
            )  # fmt: skip
            await s.commit()
            return row.id
    finally:
        await engine.dispose()


async def test_a_calendar_file_and_an_export_go_to_the_folder(app: HtxApp, tmp_path: Path):
    """The .ics of a class and a roster export, through the same handlers in one process."""
    now = utcnow()
    async with app.sessions() as s:
        row = await create_class(
            s, now=now, title="Lớp điều lệ HTX", starts_at=now + timedelta(days=3),
            capacity=30, deadline_at=now + timedelta(days=2), status="published",
        )  # fmt: skip
        await s.commit()
    out = io.StringIO()
    farmer = ConsoleChannel(app, user_id="f1", out=out, files_dir=tmp_path / "tep")
    await farmer.say(f"/start lop_{row.id}")  # the class's link
    screen = out.getvalue()
    assert "lịch" in screen.lower(), screen
    number = next(
        line.split(".", 1)[0]
        for line in screen.splitlines()
        if line[:1].isdigit() and "lịch" in line.lower()
    )
    await farmer.say(number)
    ics = tmp_path / "tep" / f"lop-{row.id}.ics"
    assert f"[tệp đã lưu: {ics} (" in out.getvalue()
    assert ics.read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")


def test_a_file_of_the_same_name_is_kept_beside_the_earlier_one(tmp_path: Path):
    first = save_file(tmp_path / "tep", "dang-ky.xlsx", b"1")
    second = save_file(tmp_path / "tep", "dang-ky.xlsx", b"2")
    sneaky = save_file(tmp_path / "tep", "../../ngoai.txt", b"3")
    assert (first.name, second.name, sneaky.name) == (
        "dang-ky.xlsx",
        "dang-ky-2.xlsx",
        "ngoai.txt",
    )
    assert first.read_bytes() == b"1" and second.read_bytes() == b"2"
    assert sneaky.parent == tmp_path / "tep"
