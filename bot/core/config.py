"""Settings from the KETNOI_* environment variables and an optional .env file."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.types import UserRef

__all__ = ["LOCALES", "ConfigError", "QuietHours", "Settings", "load_settings", "quiet_until"]

LOCALES = ("vi", "en")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A setting is wrong; the message is the one line to show."""


class QuietHours(BaseModel):
    """A daily window (local time) in which bulk messages wait."""

    start: time
    end: time

    def contains(self, t: time) -> bool:
        """Whether the local time `t` falls in the window (which may cross midnight)."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end


def quiet_until(quiet: QuietHours | None, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The end (UTC) of the quiet window `now` falls in, or None outside it."""
    if quiet is None:
        return None
    local = now.astimezone(tz)
    if not quiet.contains(local.time()):
        return None
    end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC)


class Settings(BaseSettings):
    """Everything ketnoi reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="KETNOI_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    db_path: Path = Path("ketnoi.db")
    # postgresql://user:password@host/db: PostgreSQL (15+) instead of the SQLite file at db_path,
    # for several processes sharing one database (storage/postgres/); it may hold a password
    database_url: SecretStr | None = None
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_username: str = "ketnoi_hanoi_bot"  # the bot's @name, for t.me links and QR posters
    zalo_url: str | None = None  # the address that opens the bot in Zalo, for the web pages
    zalo_token: SecretStr | None = None
    zalo_api_url: str = "https://bot-api.zaloplatforms.com"
    # The Department's Zalo Official Account (bot/channels/zalo_oa.py): the app's id and secret
    # (for tokens), the OA secret key (webhook signatures), the first refresh token (later ones
    # live in the database), the three API roots, the template file, the sending rates.
    zalo_oa_app_id: str | None = None
    zalo_oa_secret_key: SecretStr | None = None
    zalo_oa_webhook_key: SecretStr | None = None
    zalo_oa_refresh_token: SecretStr | None = Field(default=None, validate_default=True)
    zalo_oa_api_url: str = "https://openapi.zalo.me"
    zalo_oa_oauth_url: str = "https://oauth.zaloapp.com"
    zalo_oa_business_url: str = "https://business.openapi.zalo.me"
    zalo_oa_templates: Path = Path("zalo_oa_templates.yaml")
    # The picture on the request-for-information card (PNG or JPG, online): Zalo's own banner,
    # as in the official SDK's example (github.com/zaloplatform/zalo-php-sdk README).
    zalo_oa_card_image: str = "https://stc-oa-chat-adm.zdn.vn/images/request-info-banner.png"
    zalo_oa_rate: float = 10.0
    zalo_oa_chat_rate: float = 1.0
    zalo_oa_template_rate: float = 2.0
    admins: Annotated[list[UserRef], NoDecode] = Field(default_factory=list)
    timezone: str = "Asia/Ho_Chi_Minh"
    locale: str = "vi"
    quiet_hours: Annotated[QuietHours | None, NoDecode] = QuietHours(
        start=time(21, 0), end=time(7, 0)
    )
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    listen: str = "0.0.0.0:8080"
    telegram_rate: float = 30.0
    zalo_rate: float = 10.0
    # Zalo publishes no per-chat limit; Telegram's one message a second is the careful guess.
    zalo_chat_rate: float = 1.0
    checkin_secret: SecretStr | None = None
    # The web pages (public calendar, staff pages): host:port, or None when KETNOI_WEB_LISTEN=off.
    # With webhooks on they are served by the webhook server on KETNOI_LISTEN instead.
    web_listen: Annotated[str | None, NoDecode] = "127.0.0.1:8080"
    web_url: str | None = None  # the pages' public root, for links sent in the chat
    web_secret: SecretStr | None = None  # signs staff sessions; unset: a key kept in the database
    # Hours the Department gives itself to finish an erasure staff must act on (an approved
    # booth at a fair not yet over); staff are reminded daily until it is done.
    erasure_hours: int = Field(default=72, ge=1)
    # info: a summary line a minute (bot/dialog/traffic.py); debug: a line for every update as well
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @property
    def database(self) -> str | None:
        """KETNOI_DATABASE_URL's value, or None (the SQLite file at db_path)."""
        return self.database_url.get_secret_value() if self.database_url else None

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_log_level(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("admins", mode="before")
    @classmethod
    def _parse_admins(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        admins = []
        for item in filter(None, (part.strip() for part in value.split(","))):
            channel, sep, external_id = item.partition(":")
            if not sep or not channel or not external_id:
                raise ValueError(
                    "expected a comma list of channel:id, e.g. telegram:123456,zalo:8f3a"
                )
            admins.append(UserRef(channel=channel.strip(), external_id=external_id.strip()))
        return admins

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _parse_quiet_hours(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if value.strip().lower() in ("", "off", "none"):
            return None
        start, sep, end = value.partition("-")
        m1, m2 = _HHMM.match(start.strip()), _HHMM.match(end.strip())
        if not sep or not m1 or not m2:
            raise ValueError("expected HH:MM-HH:MM, e.g. 21:00-07:00, or 'off'")
        return QuietHours(start=time(int(m1[1]), int(m1[2])), end=time(int(m2[1]), int(m2[2])))

    @field_validator("web_listen", mode="before")
    @classmethod
    def _parse_web_listen(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = value.strip()
        if value.lower() in ("", "off", "none"):
            return None
        _host, sep, port = value.rpartition(":")
        if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError("expected host:port, e.g. 127.0.0.1:8080, or 'off'")
        return value

    @field_validator("web_url")
    @classmethod
    def _check_web_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected the pages' address, e.g. https://ketnoi.example.vn")
        return value.strip().rstrip("/")

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(
        cls, value: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        if info.data.get("webhook_url") and value is None:
            raise ValueError("required when KETNOI_WEBHOOK_URL is set")
        # Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - (Bot API setWebhook)
        if value is not None and not _SECRET.match(value.get_secret_value()):
            raise ValueError("expected 1-256 characters: letters, digits, _ or -")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected an IANA time zone, e.g. Asia/Ho_Chi_Minh") from exc
        return value

    @field_validator("locale")
    @classmethod
    def _check_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"expected one of {', '.join(LOCALES)}")
        return value

    @field_validator(
        "telegram_rate",
        "zalo_rate",
        "zalo_chat_rate",
        "zalo_oa_rate",
        "zalo_oa_chat_rate",
        "zalo_oa_template_rate",
    )
    @classmethod
    def _check_rate(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("expected a positive number of messages per second")
        return value

    @field_validator("zalo_oa_refresh_token")
    @classmethod
    def _check_zalo_oa(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # Checked last of the four (fields are validated in order): all of them, or none.
        names = ("zalo_oa_app_id", "zalo_oa_secret_key", "zalo_oa_webhook_key")
        given = [info.data.get(n) is not None for n in names] + [value is not None]
        if any(given) and not all(given):
            missing = [
                f"KETNOI_{n.upper()}"
                for n, ok in zip((*names, "zalo_oa_refresh_token"), given, strict=True)
                if not ok
            ]
            raise ValueError("the Zalo OA channel also needs " + ", ".join(missing))
        return value

    @property
    def zalo_oa(self) -> bool:
        """Whether the Zalo Official Account channel is configured."""
        return self.zalo_oa_refresh_token is not None

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)

    @property
    def web_on(self) -> bool:
        """Whether the web pages are served (KETNOI_WEB_LISTEN is not off)."""
        return self.web_listen is not None

    @property
    def web_root(self) -> str | None:
        """Where people open the web pages: KETNOI_WEB_URL; else, with webhooks on (which then
        serve the pages too), KETNOI_WEBHOOK_URL; else the local address; None when off."""
        if self.web_listen is None:
            return None
        if self.web_url:
            return self.web_url
        if self.webhook_url:
            return self.webhook_url.rstrip("/")
        # the Zalo OA's webhook needs the webhook server, which then serves the pages too
        listen = self.listen if self.zalo_oa else self.web_listen
        host, _, port = listen.rpartition(":")
        host = "127.0.0.1" if host in ("", "0.0.0.0") else host
        return f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"

    @property
    def web_public(self) -> bool:
        """Whether the pages have a public address (one worth sharing with producers)."""
        return self.web_on and bool(self.web_url or self.webhook_url)

    def is_owner(self, user: UserRef) -> bool:
        """Whether this platform user is listed in KETNOI_ADMINS."""
        return user in self.admins


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning a validation error into one line naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"KETNOI_{field.upper()}: {msg}") from None
