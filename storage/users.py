"""Users: find or create on first contact, roles, subscription, deletion of personal data."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.asked_questions import anonymise_asked
from storage.models import (
    AskedQuestion,
    Enrolment,
    FormState,
    Question,
    Registration,
    Reminder,
    User,
    utcnow,
)
from storage.registrations import anonymise_for_user

LAST_SEEN_RESOLUTION = timedelta(minutes=5)
# Built once: this runs on every update, and building it and its cache key cost more than the
# query itself.
_USER_AND_FORM = (
    select(User, FormState)
    .outerjoin(FormState, FormState.user_id == User.id)
    .where(User.channel == bindparam("channel"), User.external_id == bindparam("external_id"))
)


async def get_or_create_user(
    session: AsyncSession,
    *,
    channel: str,
    external_id: str,
    chat_id: str,
    display_name: str = "",
    username: str | None = None,
    language: str = "vi",
    now: datetime | None = None,
) -> tuple[User, bool, FormState | None]:
    """The user behind an inbound event: (user, created, their dialog in progress)."""
    user, form = await user_and_form(session, channel, external_id)
    now = now or utcnow()
    if user is not None:
        # Refreshed at most every few minutes: a write per message would cost every update.
        if now - user.last_seen_at > LAST_SEEN_RESOLUTION:
            user.last_seen_at = now
        # Assigned only when changed: an unchanged user then leaves nothing for the commit to
        # flush, which is most updates.
        if user.chat_id != chat_id:
            user.chat_id = chat_id
        if display_name and user.display_name != display_name[:128]:
            user.display_name = display_name[:128]
        if username and user.username != username[:64]:
            user.username = username[:64]
        return user, False, form
    user = User(
        channel=channel,
        external_id=external_id,
        chat_id=chat_id,
        display_name=display_name[:128],
        username=username[:64] if username else None,
        language=language,
        roles="",
        subscribed=True,
        created_at=now,
        last_seen_at=now,
    )
    session.add(user)
    await session.flush()
    return user, True, None


async def user_and_form(
    session: AsyncSession, channel: str, external_id: str
) -> tuple[User | None, FormState | None]:
    """The user and their dialog in progress, in one query (this runs on every update)."""
    row = (
        await session.execute(_USER_AND_FORM, {"channel": channel, "external_id": external_id})
    ).first()
    return (row[0], row[1]) if row else (None, None)


async def find_user(session: AsyncSession, channel: str, ref: str) -> User | None:
    """Find a user by numeric id, `channel:id`, or `@username` (case-insensitive)."""
    ref = ref.strip()
    if ref.startswith("@"):
        return await session.scalar(
            select(User).where(func.lower(User.username) == ref[1:].lower()).limit(1)
        )
    if ":" in ref:
        channel, _, ref = ref.partition(":")
    return await session.scalar(
        select(User).where(User.channel == channel, User.external_id == ref)
    )


def add_role(user: User, role: str) -> None:
    user.roles = ",".join(sorted(user.role_set | {role}))


def remove_role(user: User, role: str) -> None:
    user.roles = ",".join(sorted(user.role_set - {role}))


async def delete_user_data(session: AsyncSession, user: User) -> None:
    """Remove the user and every row tied to them (explicitly: not every backend cascades).
    Registrations and asked questions stay, stripped of personal data, so staff reports keep
    anonymous counts."""
    await anonymise_for_user(session, user.id, f"{user.channel}:{user.external_id}")
    await anonymise_asked(session, user.id)
    for model in (FormState, Question):
        await session.execute(delete(model).where(model.user_id == user.id))
    await session.delete(user)
    await session.flush()


async def what_is_kept(session: AsyncSession, user_id: int) -> dict[str, int]:
    """How many rows of each kind are kept about a user (for /toi): registrations, class
    places (enrolled or waiting), reminders still to send, questions written to staff, questions
    asked to the bot."""
    queries = {
        "registrations": select(func.count())
        .select_from(Registration)
        .where(Registration.user_id == user_id),
        "classes": select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.user_id == user_id, Enrolment.status.in_(("enrolled", "waiting"))),
        "reminders": select(func.count())
        .select_from(Reminder)
        .where(Reminder.user_id == user_id, Reminder.status.in_(("pending", "sending"))),
        "questions": select(func.count())
        .select_from(Question)
        .where(Question.user_id == user_id, Question.status != "draft"),
        "asked": select(func.count())
        .select_from(AskedQuestion)
        .where(AskedQuestion.user_id == user_id),
    }
    return {name: int(await session.scalar(query) or 0) for name, query in queries.items()}
