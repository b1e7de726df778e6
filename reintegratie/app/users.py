"""`reintegratie users ...`: accounts from the command line (add, token, totp, revoke-tokens, end-sessions,
set-password)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pyotp

from integrations.accounts import AccountError, AccountRole, AccountStore
from integrations.db import make_engine, make_sessionmaker
from integrations.migrate import SchemaError, ensure_current
from integrations.web_sessions import WebSessionStore
from reintegratie.config.settings import ENV_PREFIX


def database_url(args: argparse.Namespace) -> str:
    """--database-url, else --data-dir's embedded database, else REINTEGRATIE_DATABASE_URL, else data/."""
    if args.database_url:
        return str(args.database_url)
    if args.data_dir is None and os.environ.get(ENV_PREFIX + "DATABASE_URL"):
        return os.environ[ENV_PREFIX + "DATABASE_URL"]
    folder = Path(args.data_dir or "data")
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{(folder / 'reintegratie.db').resolve()}"


async def _with_accounts(url: str, work: Callable[[AccountStore], Awaitable[int]]) -> int:
    engine = make_engine(url)
    try:
        await ensure_current(engine)  # an empty database gets the schema; an older one is refused
        return await work(AccountStore(make_sessionmaker(engine)))
    finally:
        await engine.dispose()


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if sys.stdin.isatty():
        first = getpass.getpass("Password (empty: none, API tokens only): ")
        if first and getpass.getpass("Again: ") != first:
            raise AccountError("the two passwords differ")
        return first or None
    return None


def _add(args: argparse.Namespace) -> int:
    password = _read_password(args)

    async def work(accounts: AccountStore) -> int:
        made = await accounts.add(
            email=args.email, role=args.role, name=args.name, language=args.language, password=password, totp=args.totp
        )
        print(f"account {made.account.email} ({made.account.role.value}) created")
        if password is None:
            print("no password set: this account can use personal API tokens only (reintegratie users token)")
        if made.totp_secret is not None:
            print("two-factor sign-in: add this to an authenticator app (scan it as a QR code or type the secret):")
            print(f"  secret  {made.totp_secret}")
            print(f"  uri     {made.provisioning_uri()}")
        return 0

    return asyncio.run(_with_accounts(database_url(args), work))


def _token(args: argparse.Namespace) -> int:
    async def work(accounts: AccountStore) -> int:
        account = await accounts.by_email(args.email)
        if account is None:
            raise AccountError(f"no account for {args.email}")
        print(await accounts.issue_token(account.id, args.label))
        return 0

    return asyncio.run(_with_accounts(database_url(args), work))


def _revoke(args: argparse.Namespace) -> int:
    async def work(accounts: AccountStore) -> int:
        print(f"{await accounts.revoke_tokens_of(args.email)} token(s) revoked")
        return 0

    return asyncio.run(_with_accounts(database_url(args), work))


def _read_new_password(args: argparse.Namespace) -> str:
    """From standard input's first line (--password-stdin) or a prompt asked twice; never from argv,
    where other users of the machine and the shell's history would see it."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise AccountError("no terminal to ask the password: pass --password-stdin and write it to standard input")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def _set_password(args: argparse.Namespace) -> int:
    """A new password (a reset that HR or the operator gives); every session of the account ends."""
    password = _read_new_password(args)

    async def work(accounts: AccountStore) -> int:
        ended = await accounts.set_password(args.email, password)
        print(f"password set for {args.email.strip().lower()}; {ended} session(s) ended")
        return 0

    return asyncio.run(_with_accounts(database_url(args), work))


def _end_sessions(args: argparse.Namespace) -> int:
    """Signs the account out everywhere: every browser's session ends at its next request."""

    async def work() -> int:
        engine = make_engine(database_url(args))
        try:
            await ensure_current(engine)
            sessionmaker = make_sessionmaker(engine)
            account = await AccountStore(sessionmaker).by_email(args.email)
            if account is None:
                raise AccountError(f"no account for {args.email}")
            print(f"{await WebSessionStore(sessionmaker).end_all_of(account.id)} session(s) ended")
            return 0
        finally:
            await engine.dispose()

    return asyncio.run(work())


def _totp(args: argparse.Namespace) -> int:
    """The current code: for demo accounts, or for another account only when explicitly asked."""

    async def work(accounts: AccountStore) -> int:
        account = await accounts.by_email(args.email)
        secret = await accounts.totp_secret(args.email)
        if account is None or secret is None:
            raise AccountError(f"{args.email} has no account with two-factor sign-in")
        if not account.demo and not args.not_a_demo_i_know:
            raise AccountError(f"{args.email} is not a demo account: its code comes from its owner's authenticator app")
        print(pyotp.TOTP(secret).now())
        return 0

    return asyncio.run(_with_accounts(database_url(args), work))


def add_arguments(users: argparse.ArgumentParser) -> None:
    commands = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    def command(name: str, help: str, handler: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help)
        sub.add_argument("--email", required=True)
        sub.add_argument(
            "--database-url", default=None, help=f"default: {ENV_PREFIX}DATABASE_URL, else the dev stack's"
        )
        sub.add_argument("--data-dir", default=None, help="the dev stack's data folder (default: data)")
        sub.set_defaults(handler=lambda args: _guarded(handler, args))
        return sub

    add = command("add", "create an account (prints the TOTP secret when two-factor sign-in is set up)", _add)
    add.add_argument("--role", required=True, choices=[role.value for role in AccountRole])
    add.add_argument("--name", default=None)
    add.add_argument("--language", default="nl", choices=["nl", "en"])
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of standard input"
    )
    add.add_argument("--totp", action="store_true", help="set up two-factor sign-in (always for hr and auditor)")
    token = command("token", "issue a personal API token (shown once)", _token)
    token.add_argument("--label", default="cli")
    command("revoke-tokens", "revoke every API token of the account", _revoke)
    command("end-sessions", "end every signed-in browser session of the account (sign out everywhere)", _end_sessions)
    new_password = command(
        "set-password",
        "set a new password (asked twice, or from stdin); ends every session of the account",
        _set_password,
    )
    new_password.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of standard input"
    )
    totp = command("totp", "print the current two-factor code of a demo account", _totp)
    totp.add_argument("--not-a-demo-i-know", action="store_true", help="also for a real account (tests, recovery)")


def _guarded(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return handler(args)
    except (AccountError, SchemaError) as exc:
        print(f"reintegratie users {args.users_command}: {exc}", file=sys.stderr)
        return 1
