"""Stored state of multi-step dialogs, one active form per user."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from storage.models import FormState, utcnow


async def get_form(session: AsyncSession, user_id: int) -> FormState | None:
    return await session.get(FormState, user_id)


async def set_form(
    session: AsyncSession,
    user_id: int,
    form: str,
    step: str,
    data: dict[str, Any],
    now: datetime | None = None,
) -> FormState:
    """Store the step reached, stamped `now`: the app's clock, which a later answer is
    compared with to tell a paused dialog from one going on."""
    state = await session.get(FormState, user_id)
    if state is None:
        state = FormState(user_id=user_id, form=form, step=step, data=dict(data))
        session.add(state)
    else:
        state.form, state.step, state.data = form, step, dict(data)
        # A JSON column is compared by value: if a nested list or dict was changed in place,
        # the old value looks equal to the new one and nothing would be written.
        flag_modified(state, "data")
    state.updated_at = now or utcnow()
    await session.flush()
    return state


async def clear_form(session: AsyncSession, user_id: int) -> bool:
    result = await session.execute(delete(FormState).where(FormState.user_id == user_id))
    return bool(getattr(result, "rowcount", 0))
