"""SQLAlchemy models: what the bot remembers. Times are stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    """One person on one channel (a Telegram user and a Zalo user are two rows)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_users_channel_ext"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(128), default="")
    # The full name the person typed (with consent), for rosters and certificates; unlike
    # display_name it is never overwritten by the platform profile.
    full_name: Mapped[str | None] = mapped_column(String(80))
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(8), default="vi")
    phone: Mapped[str | None] = mapped_column(String(20))
    province_code: Mapped[str | None] = mapped_column(String(16))
    commune_code: Mapped[str | None] = mapped_column(String(16))
    roles: Mapped[str] = mapped_column(String(64), default="")
    subscribed: Mapped[bool] = mapped_column(default=True)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The choices last offered as a numbered list on a channel without buttons (Zalo), so a
    # typed "2" means the same after a restart or in another bot process. Deleted with the user.
    offered_choices: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)

    @property
    def role_set(self) -> set[str]:
        return {r for r in self.roles.split(",") if r}


class FormState(Base):
    """The step a user has reached in a multi-step dialog; kept so dialogs survive restarts."""

    __tablename__ = "form_states"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    form: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditLog(Base):
    """Every staff action and every refused attempt at one. Kept when a user is deleted."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(96))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(128), default="")
    allowed: Mapped[bool] = mapped_column(default=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class Question(Base):
    """A question sent to staff by its asker: from an unsure answer, or after a 👎 on an answer
    (`asked_id`, the logged question it came from)."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(96))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published: Mapped[bool] = mapped_column(default=False)
    # What staff named it when publishing it as FAQ: the entry's title, where the asker's raw
    # words would read badly; None on answers published before titles (the text is used).
    title: Mapped[str | None] = mapped_column(String(200))
    # Sent after a 👎 on the bot's answer: the logged question, whose entry staff see with it.
    asked_id: Mapped[int | None] = mapped_column(
        ForeignKey("asked_questions.id", ondelete="SET NULL"), index=True
    )
    # A second /traloi to an answered question waits here for its author's confirmation (kept
    # in the database, so the confirmation button works after a restart and in any process).
    pending_answer: Mapped[str | None] = mapped_column(Text)
    pending_by: Mapped[str | None] = mapped_column(String(96))


class AskedQuestion(Base):
    """One question the bot answered from the knowledge base, or could not answer confidently,
    and the asker's rating of the answer: for the weekly Q&A report and low-rated answers.
    SET NULL and an emptied text when the asker deletes their data: the counts stay."""

    __tablename__ = "asked_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text, default="")
    via: Mapped[str] = mapped_column(String(8), default="typed")  # typed | button | article
    entry_id: Mapped[str | None] = mapped_column(String(128))  # shown, or the top suggestion
    confident: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    rating: Mapped[str | None] = mapped_column(String(8))  # up | down
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Registration(Base):
    """Someone's interest in founding a co-op, cooperative group or union, and its follow-up."""

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(24), unique=True)
    # SET NULL: when a person deletes their data the row stays, anonymised, for the counts.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    full_name: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(16), default="", index=True)
    province_code: Mapped[str] = mapped_column(String(8), index=True)
    commune_code: Mapped[str] = mapped_column(String(8), default="")
    sector: Mapped[str] = mapped_column(String(32))
    products: Mapped[str] = mapped_column(Text, default="")
    members_expected: Mapped[int] = mapped_column(Integer, default=0)
    support: Mapped[list[str]] = mapped_column(JSON, default=list)
    call_time: Mapped[str] = mapped_column(String(32), default="")
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(24), default="moi", index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(96))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RegistrationEvent(Base):
    """One step in a registration's pipeline: who moved it, when, from what to what, and why."""

    __tablename__ = "registration_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(96))
    from_status: Mapped[str] = mapped_column(String(24), default="")
    to_status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")


class TrainingClass(Base):
    """A training class the Alliance runs. `seats_taken` is the enrolled count, changed only by
    conditional UPDATEs so capacity holds when many people enrol at the same moment."""

    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(32), default="khac")
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=120)
    place: Mapped[str] = mapped_column(String(300), default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    province_code: Mapped[str] = mapped_column(String(8), default="")  # "" = every province
    capacity: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime())
    audience: Mapped[str] = mapped_column(String(16), default="everyone")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_by: Mapped[str] = mapped_column(String(96), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Enrolment(Base):
    """A person's place in a class: enrolled, waiting (in id order), or cancelled."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("class_id", "user_id", name="uq_enrolments_class_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attended: Mapped[bool | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Reminder(Base):
    """Something to send later. The row is the source of truth: a dispatcher claims due rows
    atomically (pending → sending), sends, and records the outcome."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # class | personal | legal | staff
    message_key: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())  # after this: missed
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    recurrence: Mapped[str] = mapped_column(String(16), default="")
    # A recurring series' first due time: each later reminder is a whole number of periods
    # after it, so '31 hằng tháng' is back on the 31st after February, and a reminder sent
    # late (quiet hours, a retry) does not move the ones after it. None: count from due_at.
    series_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_chose_time: Mapped[bool] = mapped_column(default=False)
    class_id: Mapped[int | None] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), index=True
    )
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Broadcast(Base):
    """An announcement from staff to everyone subscribed in a segment, now or at a set time."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[str] = mapped_column(String(96))
    text: Mapped[str] = mapped_column(Text)  # staff HTML, validated before it is stored
    segment: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), index=True)  # scheduled|sending|done|cancelled
    send_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    quiet_override: Mapped[bool] = mapped_column(default=False)
    report_channel: Mapped[str] = mapped_column(String(16), default="")
    report_chat_id: Mapped[str] = mapped_column(String(64), default="")
    report_message_id: Mapped[str | None] = mapped_column(String(32))  # progress, edited
    buttons: Mapped[list[list[str]]] = mapped_column(JSON, default=list)  # [[label, url], …]
    # An optional photo or file: its bytes (from the CLI) and/or a Telegram file_id (sent in
    # the /thongbao dialog), which Telegram lets the bot send again without uploading.
    attachment_kind: Mapped[str | None] = mapped_column(String(16))  # photo | document
    attachment_name: Mapped[str] = mapped_column(String(200), default="")
    attachment_file_id: Mapped[str] = mapped_column(String(256), default="")
    attachment_data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BroadcastRecipient(Base):
    """One person of a broadcast: claimed in batches, so a restart resumes where it stopped."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (UniqueConstraint("broadcast_id", "user_id", name="uq_recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str] = mapped_column(Text, default="")


class SendBudget(Base):
    """The outbound rate budget shared by every bot process (a token bucket of size one):
    the earliest time, in seconds since the epoch, at which the next message may go."""

    __tablename__ = "send_budget"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_slot: Mapped[float] = mapped_column(Double, nullable=False, default=0.0)


class ConsoleMessage(Base):
    """A message for a person on the console channel (`htxbot chat`) whose terminal is another
    process, or closed: it waits here until their terminal shows it, as a chat app would."""

    __tablename__ = "console_inbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), index=True)
    # The neutral reply: {"text": markup, "buttons": [[[label, payload, url], …], …], "edit": …}
    reply: Mapped[dict[str, Any]] = mapped_column(JSON)
    file_name: Mapped[str] = mapped_column(String(200), default="")
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
