"""The `reintegratie` command: dev (the embedded stack), worker, web, db, timeline, users."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from reintegratie.config.settings import Settings, SettingsError, load_settings


def _run_dev(args: argparse.Namespace) -> int:
    from reintegratie.app.devstack import DevPorts, DevStackError, dev_settings, run_dev

    ports = DevPorts(
        web=args.web_port,
        temporal=args.temporal_port,
        temporal_ui=args.ui_port or args.temporal_port + 1000,
        smtp=args.smtp_port,
    )
    settings = dev_settings(Path(args.data_dir), ports)
    try:
        asyncio.run(run_dev(settings, ports))
    except DevStackError as exc:
        print(f"reintegratie dev: {exc}", file=sys.stderr)
        return 1
    return 0


def _strict_settings(command: str, require: tuple[str, ...] = ()) -> Settings:
    try:
        return load_settings(require=require)
    except SettingsError as exc:
        raise SystemExit(f"reintegratie {command}: {exc}\nSee README.md, 'Configuration'.") from None


def _run_worker(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from integrations.migrate import SchemaError, display_url
    from reintegratie.config.observability import configure_logging
    from worker import run_worker

    # Outside `reintegratie dev` no worker or web app runs without the payload keys: with them
    # missing, every case's names and typed text would go to Temporal in plain text.
    settings = _strict_settings("worker", require=("payload_keys",))
    configure_logging(settings)
    print(
        f"worker: task queue {settings.task_queue!r} on {settings.temporal_address} (namespace {settings.temporal_namespace})",
        flush=True,
    )
    try:
        # The worker does not migrate a database in use (web and other workers may share it): it
        # starts on a schema at the head, makes the schema of an empty database, refuses the rest
        # (worker.running_worker, before it connects to Temporal).
        asyncio.run(run_worker(settings))
    except KeyboardInterrupt:
        pass
    except SchemaError as exc:
        print(f"reintegratie worker: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(
            f"reintegratie worker: cannot use the database at {display_url(settings.database_url)}: {exc}",
            file=sys.stderr,
        )
        return 1
    return 0


def _run_web(args: argparse.Namespace) -> int:
    import uvicorn

    from reintegratie.config.observability import configure_logging, instrument_web
    from web.app import create_app
    from web.signin_limits import SERVER_OPTIONS

    settings = _strict_settings("web", require=("secret_key", "payload_keys"))
    configure_logging(settings)
    # The app upgrades the schema on start (its lifespan); done here first too, so that a database
    # it cannot upgrade stops it with one plain line instead of a failed startup.
    if (refused := _upgrade_or_refuse("web", settings.database_url)) is not None:
        return refused
    app = instrument_web(create_app(settings), settings)
    uvicorn.run(app, host=settings.web_host, port=settings.web_port, log_config=None, **SERVER_OPTIONS)
    return 0


def _upgrade_or_refuse(command: str, database_url: str) -> int | None:
    """Bring the schema to the head; None when done, else the exit status after saying why not."""
    from sqlalchemy.exc import SQLAlchemyError

    from integrations import migrate

    try:
        asyncio.run(migrate.upgrade(database_url))
    except migrate.SchemaError as exc:
        print(f"reintegratie {command}: {exc}", file=sys.stderr)
        return 1
    except (SQLAlchemyError, OSError) as exc:
        print(
            f"reintegratie {command}: cannot upgrade the database at {migrate.display_url(database_url)}: {exc}",
            file=sys.stderr,
        )
        return 1
    return None


def _run_db(args: argparse.Namespace) -> int:
    """`reintegratie db upgrade` and `reintegratie db current`."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from integrations import migrate
    from reintegratie.app.users import database_url

    url = database_url(args)
    shown = migrate.display_url(url)
    command = f"db {args.db_command}"
    try:
        if args.db_command == "upgrade":
            before, after = asyncio.run(migrate.upgrade(url))
            if before.at_head:
                print(f"{shown}: at the head already ({after.revision}), nothing to do")
            elif before.before_migrations:
                print(
                    f"{shown}: schema from before migrations marked {migrate.BASELINE}, upgraded to {after.revision} (head)"
                )
            else:
                print(f"{shown}: upgraded from {before.revision or 'an empty database'} to {after.revision} (head)")
            return 0
        parsed = make_url(url)
        if (
            parsed.get_backend_name() == "sqlite"
            and parsed.database not in (None, "", ":memory:")
            and not Path(parsed.database).exists()
        ):
            print(f"{shown}: no database yet (`{migrate.UPGRADE_COMMAND}` makes it, at head {migrate.head()})")
            return 1
        state = asyncio.run(migrate.state(url))
        advice = f"; run `{migrate.UPGRADE_COMMAND}`" if state.known and not state.at_head else ""
        print(f"{shown}: {state.describe()}{advice}")
        return 0 if state.at_head else 1
    except migrate.SchemaError as exc:
        print(f"reintegratie {command}: {exc}", file=sys.stderr)
        return 1
    except (SQLAlchemyError, OSError) as exc:
        print(f"reintegratie {command}: cannot use the database at {shown}: {exc}", file=sys.stderr)
        return 1


def _add_db_arguments(db: argparse.ArgumentParser) -> None:
    from reintegratie.config.settings import ENV_PREFIX

    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    for name, help in (
        (
            "upgrade",
            "bring the schema to the newest revision (a database made before migrations is marked as their first, then upgraded)",
        ),
        ("current", "show the database's revision (exit status 0 at the newest, 1 otherwise)"),
    ):
        action = actions.add_parser(name, help=help, description=help)
        action.add_argument(
            "--database-url", default=None, help=f"default: {ENV_PREFIX}DATABASE_URL, else the dev stack's"
        )
        action.add_argument("--data-dir", default=None, help="the dev stack's data folder (default: data)")
        action.set_defaults(handler=_run_db)


def _timeline_date_problem(args: argparse.Namespace) -> str | None:
    """The first date the API would refuse (web.command_models: the same range, the same words)."""
    from web.command_models import date_problem

    given = [("--first-sick-day", args.first_sick_day)]
    given += [("--on", args.on)] if args.on else []
    given += [("--period", part) for period in args.period or [] for part in period.split(":") if part.strip()]
    for flag, text in given:
        problem = date_problem(text.strip())
        if problem is not None:
            return f"{flag}: {problem}"
    return None


def _run_timeline(args: argparse.Namespace) -> int:
    from states.cli import run_timeline

    problem = _timeline_date_problem(args)
    if problem is not None:
        print(f"reintegratie timeline: {problem}", file=sys.stderr)
        return 2
    return run_timeline(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reintegratie", description="Sick-leave re-integration cases on Temporal.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    dev = commands.add_parser(
        "dev", help="run the whole product locally: Temporal dev server, worker, web app, mail catcher"
    )
    dev.add_argument("--data-dir", default="data", help="folder for all local state (default: data)")
    dev.add_argument("--web-port", type=int, default=8000)
    dev.add_argument("--temporal-port", type=int, default=7233)
    dev.add_argument("--ui-port", type=int, default=None, help="Temporal UI port (default: Temporal port + 1000)")
    dev.add_argument("--smtp-port", type=int, default=1025)
    dev.set_defaults(handler=_run_dev)

    commands.add_parser(
        "worker",
        help="run a worker (configured by REINTEGRATIE_* variables; needs the database schema at the head: db upgrade)",
    ).set_defaults(handler=_run_worker)
    commands.add_parser(
        "web", help="run the web app (configured by REINTEGRATIE_* variables; upgrades the database schema on start)"
    ).set_defaults(handler=_run_web)
    _add_db_arguments(commands.add_parser("db", help="the database schema: upgrade, current"))

    from reintegratie.app.users import add_arguments as add_users_arguments

    add_users_arguments(
        commands.add_parser("users", help="accounts: add, token, revoke-tokens, end-sessions, set-password, totp")
    )

    timeline = commands.add_parser("timeline", help="print the statutory timeline of a case")
    try:
        from states.cli import add_timeline_arguments
    except ImportError:  # pragma: no cover - the rules arrive with states/
        timeline.set_defaults(handler=lambda _args: print("timeline: not available yet", file=sys.stderr) or 2)
    else:
        add_timeline_arguments(timeline)
        timeline.set_defaults(handler=_run_timeline)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
