"""Deleting my data (/xoadulieu) leaves no trace of who I was in my registration's history."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import HtxApp
from storage.models import Registration, RegistrationEvent
from tests.conftest import ADMIN_ID, Chat
from tests.handlers.test_registration_fields import fill


async def test_deleting_my_data_removes_my_id_from_the_registration_history(
    app: HtxApp, chat: Chat
):
    await fill(chat)
    async with app.sessions() as s:
        row = await s.scalar(select(Registration))
    await chat.press(f"reg:withdraw:{row.id}")
    [withdrawn] = await chat.press(f"reg:withdraw_yes:{row.id}")
    assert row.ref in withdrawn.text
    async with app.sessions() as s:
        actors = list(
            await s.scalars(select(RegistrationEvent.actor).order_by(RegistrationEvent.id))
        )
        assert actors == ["user", "user"]  # created, withdrawn: by the applicant, nameless
        # What older versions recorded for the applicant's own steps, and a staff member's.
        for actor in ("test:42", f"telegram:{ADMIN_ID}"):
            s.add(RegistrationEvent(registration_id=row.id, actor=actor, to_status="moi"))
        await s.commit()
    await chat.say("/xoadulieu")
    await chat.press("del:yes")
    async with app.sessions() as s:
        actors = list(
            await s.scalars(select(RegistrationEvent.actor).order_by(RegistrationEvent.id))
        )
    assert actors == ["user", "user", "user", f"telegram:{ADMIN_ID}"]
    admin = Chat(app, user_id=str(ADMIN_ID), channel="telegram")
    [view] = await admin.say(f"/dangky_{row.id}")
    assert "test:42" not in view.text and "người đăng ký" in view.text.lower()
