"""The `reintegratie` command: dev (the embedded stack), worker, web, timeline, users."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Sequence

from reintegratie.config.settings import Settings, SettingsError, load_settings


def _run_dev(args: argparse.Namespace) -> int:
    from reintegratie.app.devstack import DevPorts, DevStackError, dev_settings, run_dev

    ports = DevPorts(web=args.web_port, temporal=args.temporal_port, temporal_ui=args.ui_port or args.temporal_port + 1000, smtp=args.smtp_port)
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
    from worker import run_worker

    from reintegratie.config.observability import configure_logging

    settings = _strict_settings("worker")
    configure_logging(settings)
    print(f"worker: task queue {settings.task_queue!r} on {settings.temporal_address} (namespace {settings.temporal_namespace})", flush=True)
    try:
        asyncio.run(run_worker(settings))
    except KeyboardInterrupt:
        pass
    return 0


def _run_web(args: argparse.Namespace) -> int:
    import uvicorn

    from web.app import create_app

    from reintegratie.config.observability import configure_logging, instrument_web

    settings = _strict_settings("web", require=("secret_key",))
    configure_logging(settings)
    app = instrument_web(create_app(settings), settings)
    uvicorn.run(app, host=settings.web_host, port=settings.web_port, log_config=None)
    return 0


def _run_timeline(args: argparse.Namespace) -> int:
    from states.cli import run_timeline

    return run_timeline(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reintegratie", description="Sick-leave re-integration cases on Temporal.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    dev = commands.add_parser("dev", help="run the whole product locally: Temporal dev server, worker, web app, mail catcher")
    dev.add_argument("--data-dir", default="data", help="folder for all local state (default: data)")
    dev.add_argument("--web-port", type=int, default=8000)
    dev.add_argument("--temporal-port", type=int, default=7233)
    dev.add_argument("--ui-port", type=int, default=None, help="Temporal UI port (default: Temporal port + 1000)")
    dev.add_argument("--smtp-port", type=int, default=1025)
    dev.set_defaults(handler=_run_dev)

    commands.add_parser("worker", help="run a worker (configured by REINTEGRATIE_* variables)").set_defaults(handler=_run_worker)
    commands.add_parser("web", help="run the web app (configured by REINTEGRATIE_* variables)").set_defaults(handler=_run_web)

    from reintegratie.app.users import add_arguments as add_users_arguments

    add_users_arguments(commands.add_parser("users", help="accounts: add, token, revoke-tokens, totp"))

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
