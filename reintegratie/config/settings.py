"""One settings object, read from the environment (prefix ``REINTEGRATIE_``).

`reintegratie dev` fills in local defaults (see :func:`dev_defaults`); `worker` and `web` take only
what the environment says and refuse to start, with a message naming the variable, when something
required is missing or wrong.
"""

from __future__ import annotations

import enum
import ipaddress
import os
import re
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from reintegratie.config.payload_codec import MAKE_KEY, parse_payload_keys

ENV_PREFIX = "REINTEGRATIE_"
MAKE_SECRET = "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
_ADDRESS = re.compile(r"^[^@\s<>\"(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


class SmtpTls(enum.StrEnum):
    """How the SMTP connection is protected."""

    none = "none"  # plain text: only for a local mail catcher
    starttls = "starttls"  # port 587: STARTTLS is required, never silently skipped
    tls = "tls"  # port 465: implicit TLS


class ImapTls(enum.StrEnum):
    """How the IMAP connection to the product's mailbox is protected."""

    none = "none"  # plain text: only for a server on the same machine
    starttls = "starttls"  # port 143: STARTTLS is required, never silently skipped
    tls = "tls"  # port 993: implicit TLS


class LogFormat(enum.StrEnum):
    """How the worker and the web app write their logs."""

    text = "text"  # for a terminal
    json = "json"  # one JSON object per line, for a log collector


class Settings(BaseSettings):
    """Everything the worker and the web app need to know about their surroundings."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    temporal_address: str = Field(description="host:port of the Temporal frontend")
    temporal_namespace: str = "default"
    task_queue: str = "reintegratie"
    database_url: str = Field(description="SQLAlchemy async URL, e.g. sqlite+aiosqlite:///data/x.db")
    smtp_host: str
    smtp_port: int = Field(gt=0, lt=65536)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_tls: SmtpTls
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_from: str = Field(description="the product's mailbox; organizer of every invitation")
    # The product's mailbox over IMAP, where calendar replies arrive (integrations/imap.py); the
    # worker reads it when imap_host is set. Without it, replies are read only by `reintegratie dev`.
    imap_host: str | None = Field(default=None, description="IMAP server of the mailbox mail_from names")
    imap_port: int = Field(default=993, gt=0, lt=65536)
    imap_username: str | None = None
    imap_password: SecretStr | None = Field(default=None, validate_default=True)
    imap_tls: ImapTls = ImapTls.tls
    imap_mailbox: str = "INBOX"
    imap_processed_mailbox: str | None = Field(
        default="Verwerkt", description="where handled replies go; empty: they stay, marked as read"
    )
    imap_idle: bool = Field(default=True, description="wait for new mail with IMAP IDLE; false: poll")
    imap_poll_seconds: float = Field(default=60.0, gt=0, description="poll interval without IDLE")
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8000, gt=0, lt=65536)
    command_timeout_seconds: float = Field(
        default=15.0,
        gt=0,
        le=120,
        description="how long the web waits for a command; then 503, nothing recorded (web.case_client.run_command)",
    )
    public_url: str = "http://127.0.0.1:8000"
    data_dir: Path = Path("data")
    secret_key: SecretStr | None = Field(default=None, description="signs the sign-in cookies; the web app needs it")
    # Scale and observability (the defaults suit one machine; see README.md, "Past one machine").
    worker_max_concurrent_activities: int = Field(default=100, gt=0, description="activity slots per worker")
    worker_max_concurrent_workflow_tasks: int = Field(default=100, gt=0, description="workflow task slots per worker")
    worker_workflow_threads: int = Field(
        default=4,
        gt=0,
        description="threads that run workflow tasks; few, because Python runs one at a time and the activities need their turn",
    )
    worker_max_cached_workflows: int = Field(default=1000, ge=0, description="sticky cache: open cases kept in memory")
    worker_metrics_address: str | None = Field(
        default=None, description="host:port of the worker's Prometheus endpoint"
    )
    web_metrics_address: str | None = Field(default=None, description="host:port of the web app's Prometheus endpoint")
    log_format: LogFormat = LogFormat.text
    log_level: str = "INFO"
    # The dossier's retention (integrations.retention): a closed case is deleted this many years after it closed.
    retention_years: int = Field(default=2, ge=1, description="years a closed case's dossier is kept after it closed")
    # The dossier's uploads (integrations.documents) are kept in the SQL store, so bounded.
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, description="largest document upload, in bytes (20 MB)")
    employer_name: str = Field(default="Werkgever", description="the employer, as the RIV's cover names it")
    trusted_proxies: str = Field(
        default="", description="comma-separated addresses or networks whose X-Forwarded-For the web app believes"
    )
    # Workflow payloads encrypted before they reach Temporal (reintegratie.config.payload_codec).
    payload_keys: SecretStr | None = Field(
        default=None,
        description="comma-separated keyid:base64key (32 bytes each); the first encrypts, all decrypt",
    )
    temporal_ui_origin: str | None = Field(
        default=None, description="origin of the Temporal UI that may call /codec with the sign-in cookie (CORS)"
    )

    @field_validator("temporal_address")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError("must be host:port, for example 127.0.0.1:7233")
        return value

    @field_validator("worker_metrics_address", "web_metrics_address")
    @classmethod
    def _optional_host_port(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError("must be host:port, for example 0.0.0.0:9464")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return value.upper()

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not (value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")):
            raise ValueError(
                "must use an async driver: sqlite+aiosqlite:///path/to/file.db "
                "or postgresql+asyncpg://user@host:5432/database"
            )
        return value

    @field_validator("max_upload_bytes")
    @classmethod
    def _upload_limit(cls, value: int) -> int:
        if not 0 < value <= 200 * 1024 * 1024:
            raise ValueError("must be a number of bytes up to 200 MB (209715200), for example 20971520 for 20 MB")
        return value

    @field_validator("employer_name")
    @classmethod
    def _employer(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value or len(value) > 200 or any(ord(char) < 32 or ord(char) == 127 for char in value):
            raise ValueError("must be the employer's name: 1 to 200 characters on one line, e.g. Bakkerij Jansen B.V.")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        for entry in entries:
            try:
                ipaddress.ip_network(entry)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an address or network; give the reverse proxies' addresses, "
                    "comma-separated, e.g. 127.0.0.1,10.0.0.0/8 (a network without host bits), or leave it empty"
                ) from None
        return ",".join(entries)

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """The proxies whose X-Forwarded-For counts; none by default, so the client is the socket peer."""
        entries = (entry.strip() for entry in self.trusted_proxies.split(","))
        return tuple(ipaddress.ip_network(entry) for entry in entries if entry)

    @field_validator("payload_keys")
    @classmethod
    def _payload_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        parse_payload_keys(value.get_secret_value())  # its ValueError never repeats a key
        return value

    @field_validator("temporal_ui_origin")
    @classmethod
    def _origin(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+", value.rstrip("/")):
            raise ValueError("must be an origin: scheme, host and port only, e.g. http://127.0.0.1:8233")
        return value.rstrip("/")

    @field_validator("mail_from")
    @classmethod
    def _mail_address(cls, value: str) -> str:
        if not _ADDRESS.match(value):
            raise ValueError("must be a plain e-mail address such as verzuim@example.nl")
        return value

    @field_validator("imap_password")
    @classmethod
    def _imap_login(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if info.data.get("imap_host") and (value is None or not info.data.get("imap_username")):
            raise ValueError(
                f"{ENV_PREFIX}IMAP_USERNAME and {ENV_PREFIX}IMAP_PASSWORD are required with {ENV_PREFIX}IMAP_HOST"
            )
        return value

    @field_validator("secret_key")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError(f"must be at least 32 characters; {MAKE_SECRET}")
        return value

    @field_validator("public_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class SettingsError(Exception):
    """The environment does not describe a usable configuration; the message says how to fix it."""


_WHY_REQUIRED = {
    "secret_key": f"the web app signs sign-in cookies with it; {MAKE_SECRET}",
    "payload_keys": f"workflow payloads are encrypted with it before they reach Temporal; {MAKE_KEY}",
}


def as_environment(settings: Settings) -> dict[str, str]:
    """The settings as the ``REINTEGRATIE_*`` variables another process (a worker) reads, on top of this environment."""
    environment = dict(os.environ)
    for name, value in settings.model_dump(mode="json").items():
        if value is not None:
            environment[ENV_PREFIX + name.upper()] = str(value)
    for name in ("secret_key", "smtp_password", "imap_password", "payload_keys"):
        secret = getattr(settings, name, None)
        if secret is not None:
            environment[ENV_PREFIX + name.upper()] = secret.get_secret_value()
    return environment


def load_settings(*, require: tuple[str, ...] = (), **overrides: Any) -> Settings:
    """Read the settings; turn pydantic's errors into one message naming each variable.

    ``require`` names optional settings that this part needs (the web app: ``secret_key``).
    """
    lines = []
    settings: Settings | None = None
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            variable = ENV_PREFIX + field.upper()
            problem = "is required but not set" if error["type"] == "missing" else error["msg"]
            lines.append(f"  {variable}: {problem}")
    for field in require:
        given = overrides.get(field) if field in overrides else os.environ.get(ENV_PREFIX + field.upper())
        if (settings is not None and getattr(settings, field) is None) or (settings is None and not given):
            why = _WHY_REQUIRED.get(field, "")
            lines.append(f"  {ENV_PREFIX + field.upper()}: is required but not set" + (f" ({why})" if why else ""))
    if lines:
        raise SettingsError("Configuration is incomplete or wrong:\n" + "\n".join(lines))
    assert settings is not None
    return settings
