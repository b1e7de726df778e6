"""`reintegratie users ...` and the demo accounts of `reintegratie dev`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from integrations.accounts import AccountStore
from integrations.db import make_engine, make_sessionmaker
from integrations.demo_accounts import DEMO_PASSWORD, seed_demo_accounts
from integrations.migrate import upgrade
from reintegratie.app.devstack import dev_secret_key
from tests.support import BIN


def users(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "reintegratie"), "users", *args], input=stdin, capture_output=True, text=True, timeout=60
    )


def test_add_an_hr_account_prints_its_totp_setup_and_tokens_work(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    added = users(
        "add",
        "--data-dir",
        data,
        "--email",
        "Hanna@Example.nl",
        "--role",
        "hr",
        "--name",
        "Hanna",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert added.returncode == 0, added.stderr
    assert "hanna@example.nl (hr) created" in added.stdout
    assert (
        re.search(r"secret  [A-Z2-7]{32}", added.stdout)
        and "otpauth://totp/reintegratie:hanna%40example.nl" in added.stdout
    )
    again = users("add", "--data-dir", data, "--email", "hanna@example.nl", "--role", "hr")
    assert again.returncode == 1 and "exists already" in again.stderr and "Traceback" not in again.stderr
    # A real account's code comes from its owner's app, not from the command line (unless asked for).
    refused = users("totp", "--data-dir", data, "--email", "hanna@example.nl")
    assert refused.returncode == 1 and "not a demo account" in refused.stderr
    forced = users("totp", "--data-dir", data, "--email", "hanna@example.nl", "--not-a-demo-i-know")
    assert re.fullmatch(r"\d{6}\n", forced.stdout)
    token = users("token", "--data-dir", data, "--email", "hanna@example.nl")
    assert token.stdout.startswith("rit_")
    assert users("revoke-tokens", "--data-dir", data, "--email", "hanna@example.nl").stdout.startswith(
        "1 token(s) revoked"
    )


def test_short_passwords_and_unknown_roles_are_refused(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    short = users(
        "add", "--data-dir", data, "--email", "m@example.nl", "--role", "manager", "--password-stdin", stdin="short\n"
    )
    assert short.returncode == 1 and "at least 12 characters" in short.stderr
    wrong = users("add", "--data-dir", data, "--email", "m@example.nl", "--role", "boss")
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr


async def test_demo_accounts_are_seeded_once_and_demo_codes_are_printable(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    engine = make_engine(f"sqlite+aiosqlite:///{data / 'reintegratie.db'}")
    await upgrade(engine)  # as `reintegratie dev` does before seeding
    accounts = AccountStore(make_sessionmaker(engine))
    made = await seed_demo_accounts(accounts)
    assert sorted(account.account.role.value for account in made) == [
        "auditor",
        "buddy",
        "coach",
        "employee",
        "hr",
        "manager",
    ]
    assert all(
        account.account.demo and account.account.email.endswith("@demo.reintegratie.localhost") for account in made
    )
    assert await seed_demo_accounts(accounts) == []
    assert await accounts.check_password("hr@demo.reintegratie.localhost", DEMO_PASSWORD) is not None
    await engine.dispose()
    code = users("totp", "--data-dir", str(data), "--email", "hr@demo.reintegratie.localhost")
    assert code.returncode == 0 and re.fullmatch(r"\d{6}\n", code.stdout)


def test_the_dev_stack_keeps_one_secret_key_private_to_its_owner(tmp_path: Path) -> None:
    first = dev_secret_key(tmp_path / "data")
    assert len(first) >= 32 and dev_secret_key(tmp_path / "data") == first
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0
