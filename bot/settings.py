"""All configuration, from environment variables or a `.env` file (see .env.example)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _split_csv(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    raise ValueError("expected a comma-separated list")


class Settings(BaseSettings):
    """Typed settings; the only place in htxbot that reads the environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./htxbot.db", alias="HTXBOT_DATABASE_URL"
    )
    telegram_bot_token: str = Field(default="", alias="TELEGRAM_BOT_TOKEN", repr=False)
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    # Zalo Bot Platform (bot.zaloplatforms.com): token from Zalo Bot Creator, API base URL
    # (tests point it at a local fake), webhook secret (8–256 characters, sent back by Zalo in
    # the X-Bot-Api-Secret-Token header) and this process's send rate (Zalo publishes none).
    zalo_bot_token: str = Field(default="", alias="ZALO_BOT_TOKEN", repr=False)
    zalo_api_base_url: str = Field(
        default="https://bot-api.zaloplatforms.com/bot", alias="ZALO_API_BASE_URL"
    )
    zalo_webhook_secret: str = Field(default="", alias="ZALO_WEBHOOK_SECRET", repr=False)
    # Empty: /zalo/webhook on the host of HTXBOT_WEBHOOK_URL (see bot.service).
    zalo_webhook_url: str = Field(
        default="", alias="ZALO_WEBHOOK_URL", pattern=r"^(https?://[^\s]+)?$"
    )
    zalo_rate: float = Field(default=10.0, alias="HTXBOT_ZALO_RATE", gt=0, le=100)
    admins: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="HTXBOT_ADMINS")
    staff_chat_ids: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="HTXBOT_STAFF_CHAT_IDS"
    )
    timezone: str = Field(default="Asia/Ho_Chi_Minh", alias="HTXBOT_TIMEZONE")
    broadcast_rate: float = Field(default=25.0, alias="HTXBOT_BROADCAST_RATE", gt=0, le=30)
    telegram_rate: float = Field(default=28.0, alias="HTXBOT_TELEGRAM_RATE", gt=0, le=30)
    telegram_rate_limit: bool = Field(default=True, alias="HTXBOT_TELEGRAM_RATE_LIMIT")
    webhook_url: str = Field(
        default="", alias="HTXBOT_WEBHOOK_URL", pattern=r"^(https?://[^\s]+)?$"
    )
    webhook_secret: str = Field(
        default="", alias="HTXBOT_WEBHOOK_SECRET", repr=False, pattern=r"^[A-Za-z0-9_-]{0,256}$"
    )
    webhook_listen: str = Field(default="127.0.0.1", alias="HTXBOT_WEBHOOK_LISTEN")
    webhook_port: int = Field(default=8080, alias="HTXBOT_WEBHOOK_PORT", ge=0, le=65535)
    # Long polling has no web server of its own: this port gives it one, for /healthz and
    # /metrics only (on HTXBOT_WEBHOOK_LISTEN). Off when empty; unused in webhook mode.
    health_port: int | None = Field(default=None, alias="HTXBOT_HEALTH_PORT", ge=1, le=65535)
    # None: shared when the database is PostgreSQL (where several processes are supported).
    shared_rate_limit: bool | None = Field(default=None, alias="HTXBOT_SHARED_RATE_LIMIT")
    log_level: str = Field(default="INFO", alias="HTXBOT_LOG_LEVEL")
    legal_dir: Path | None = Field(default=None, alias="HTXBOT_LEGAL_DIR")
    quiet_hours: str = Field(
        default="21:00-06:30",
        alias="HTXBOT_QUIET_HOURS",
        pattern=r"^\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}$",
    )
    class_reminders: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["1d@08:00", "2h"], alias="HTXBOT_CLASS_REMINDERS"
    )
    dispatch_interval: float = Field(default=1.0, alias="HTXBOT_DISPATCH_INTERVAL", gt=0, le=60)
    stale_registration_days: int = Field(default=3, alias="HTXBOT_STALE_REGISTRATION_DAYS", ge=1)
    targets_file: Path | None = Field(default=None, alias="HTXBOT_TARGETS_FILE")
    poll_timeout: int = Field(default=30, alias="HTXBOT_POLL_TIMEOUT", ge=0, le=60)
    # `htxbot chat` writes the files the bot sends (exports, .ics, QR codes) here.
    chat_files_dir: Path = Field(default=Path("htxbot-files"), alias="HTXBOT_CHAT_FILES_DIR")

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    @property
    def rate_is_shared(self) -> bool:
        """Whether the outbound rate budget lives in the database, shared by all processes."""
        return self.is_postgres if self.shared_rate_limit is None else self.shared_rate_limit

    @field_validator("shared_rate_limit", mode="before")
    @classmethod
    def _auto(cls, value: object) -> object:
        return None if value in ("", "auto") else value

    @field_validator("admins", "staff_chat_ids", "class_reminders", mode="before")
    @classmethod
    def _csv(cls, value: object) -> list[str]:
        return _split_csv(value)

    @field_validator("legal_dir", "targets_file", "health_port", mode="before")
    @classmethod
    def _empty_path(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("zalo_webhook_secret")
    @classmethod
    def _zalo_secret(cls, value: str) -> str:
        if value and not 8 <= len(value) <= 256:
            raise ValueError("ZALO_WEBHOOK_SECRET: Zalo cần khoá bí mật dài 8 đến 256 ký tự")
        return value

    @field_validator("admins")
    @classmethod
    def _admin_refs(cls, value: list[str]) -> list[str]:
        for ref in value:
            channel, _, user = ref.partition(":")
            if not channel or not user:
                raise ValueError(
                    f"HTXBOT_ADMINS: '{ref}' phải có dạng kênh:id, ví dụ telegram:123456"
                )
        return value
