"""Settings: read from REINTEGRATIE_* variables; wrong or missing values are named with a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from reintegratie.app.devstack import DevPorts, dev_settings
from reintegratie.config.settings import SettingsError, SmtpTls, load_settings

COMPLETE = {
    "REINTEGRATIE_TEMPORAL_ADDRESS": "temporal.internal:7233",
    "REINTEGRATIE_DATABASE_URL": "postgresql+asyncpg://app@db:5432/reintegratie",
    "REINTEGRATIE_SMTP_HOST": "smtp.example.nl",
    "REINTEGRATIE_SMTP_PORT": "587",
    "REINTEGRATIE_SMTP_TLS": "starttls",
    "REINTEGRATIE_MAIL_FROM": "verzuim@example.nl",
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for key in list(os.environ):
        if key.startswith("REINTEGRATIE_"):
            monkeypatch.delenv(key)
    return monkeypatch


def test_complete_environment_is_read(clean_env: pytest.MonkeyPatch) -> None:
    for key, value in COMPLETE.items():
        clean_env.setenv(key, value)
    clean_env.setenv("REINTEGRATIE_SMTP_PASSWORD", "s3cret")
    settings = load_settings()
    assert settings.temporal_address == "temporal.internal:7233"
    assert settings.smtp_tls is SmtpTls.starttls
    assert settings.smtp_port == 587
    assert settings.task_queue == "reintegratie" and settings.temporal_namespace == "default"
    assert "s3cret" not in repr(settings)  # secrets never end up in logs


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("REINTEGRATIE_TEMPORAL_ADDRESS", "temporal", "host:port"),
        ("REINTEGRATIE_DATABASE_URL", "postgresql://app@db/x", "async driver"),
        ("REINTEGRATIE_SMTP_TLS", "maybe", "'none', 'starttls' or 'tls'"),
        ("REINTEGRATIE_SMTP_PORT", "70000", "less than 65536"),
        ("REINTEGRATIE_MAIL_FROM", "Verzuim <verzuim@example.nl>", "plain e-mail address"),
    ],
)
def test_a_wrong_value_is_named_with_how_to_fix_it(
    clean_env: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    for key, good in COMPLETE.items():
        clean_env.setenv(key, good)
    clean_env.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert f"{variable}:" in str(caught.value)
    assert says in str(caught.value)


def test_missing_values_are_all_listed(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings()
    for variable in COMPLETE:
        assert f"{variable}: is required but not set" in str(caught.value)


def test_dev_stack_uses_its_own_parts_whatever_the_environment_says(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("REINTEGRATIE_SMTP_HOST", "smtp.production.example")
    clean_env.setenv("REINTEGRATIE_MAIL_FROM", "hr@example.nl")
    settings = dev_settings(tmp_path, DevPorts(web=8100, temporal=7300, temporal_ui=8300, smtp=1100))
    assert settings.smtp_host == "127.0.0.1" and settings.smtp_port == 1100 and settings.smtp_tls is SmtpTls.none
    assert settings.temporal_address == "127.0.0.1:7300"
    assert settings.database_url == f"sqlite+aiosqlite:///{(tmp_path / 'reintegratie.db').resolve()}"
    assert settings.mail_from == "hr@example.nl"  # not infrastructure: the environment may choose it
