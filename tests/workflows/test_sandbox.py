"""What keeps workflow code deterministic.

Workers run the case workflow with the SDK's unsandboxed runner (reintegratie.config.temporal.
WORKFLOW_RUNNER): our modules are imported once, and nothing refuses ``datetime.now``, ``random``,
``open`` ... at run time. Two checks stand in. This module's source check reads every module the
case workflow runs. The replay test (tests/workflows/test_replay.py) replays every stored history
under the SDK's sandbox as well (``SANDBOXED_RUNNER``), which imports workflows.case anew for each
run and refuses the clock, randomness, threads and I/O there at run time; this module checks that
the sandbox passes through only our pure modules, and that it does refuse the clock.
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import sys
import uuid
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from reintegratie.config.temporal import PURE_MODULES, SANDBOXED_RUNNER

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_ATTRIBUTES = {
    "datetime.now",
    "datetime.utcnow",
    "datetime.today",
    "date.today",
    "time.time",
    "time.time_ns",
    "time.monotonic",
    "time.perf_counter",
    "time.sleep",
    "uuid.uuid1",
    "uuid.uuid4",
    "os.urandom",
    "os.environ",
    "os.getenv",
    "threading.Thread",
    "threading.Timer",
    "asyncio.get_event_loop",
}
FORBIDDEN_MODULES = {
    "random",
    "secrets",
    "socket",
    "subprocess",
    "time",
    "os",
    "urllib",
    "http",
    "sqlalchemy",
    "aiosmtplib",
}
FORBIDDEN_CALLS = {"open", "input", "print", "breakpoint", "exec", "eval"}
# The one place workflow code may read the wall clock: an update validator's check that a command
# has not expired (workflows.idempotency.wall_clock). Temporal runs no validators on replay, and a
# refused update leaves no trace in the history, so the clock never takes part in a replay.
ALLOWED = {("workflows/idempotency.py", "datetime.now")}


OURS = {"states", "workflows", "activities", "contracts"}


def _source(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path
    return None


def _imported(path: Path) -> set[str]:
    """The modules of ours that a file imports, parents included (``a.b`` runs ``a/__init__.py``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    found: set[str] = set()
    for name in names:
        parts = name.split(".")
        if parts[0] in OURS:
            found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return found


def _workflow_module_names() -> dict[str, Path]:
    """Our modules that the case workflow imports, directly or not (and so runs in its tasks)."""
    seen: dict[str, Path] = {}
    todo = ["workflows.case"]
    while todo:
        module = todo.pop()
        path = _source(module)
        if module in seen or path is None:
            continue
        seen[module] = path
        todo.extend(_imported(path))
    return seen


def _workflow_modules() -> list[Path]:
    """Our source files that the case workflow imports, directly or not."""
    return sorted(set(_workflow_module_names().values()))


def _offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and f"{node.value.id}.{node.attr}" in FORBIDDEN_ATTRIBUTES
        ):
            where = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.as_posix()
            if (where, f"{node.value.id}.{node.attr}") in ALLOWED:
                continue
            found.append(f"{path.name}:{node.lineno} {node.value.id}.{node.attr}")
        elif isinstance(node, ast.Import):
            found += [
                f"{path.name}:{node.lineno} import {a.name}"
                for a in node.names
                if a.name.split(".")[0] in FORBIDDEN_MODULES
            ]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in FORBIDDEN_MODULES:
            found.append(f"{path.name}:{node.lineno} from {node.module} import ...")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            found.append(f"{path.name}:{node.lineno} {node.func.id}()")
    return sorted(found, key=lambda offence: int(offence.split(":")[1].split(" ")[0]))


def test_the_check_sees_every_module_the_workflow_runs() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in _workflow_modules()}
    assert {"workflows/case.py", "states/rules.py", "states/agenda.py", "contracts/__init__.py"} <= names
    assert "activities/case_activities.py" not in names, "the workflow must not import the activities' I/O"


@pytest.mark.parametrize("path", _workflow_modules(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_workflow_code_has_no_clock_randomness_or_io(path: Path) -> None:
    assert _offences(path) == [], "use workflow.now() / workflow.random() / an activity instead"


def test_the_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import random\nfrom datetime import datetime\nx = datetime.now()\nopen('f')\nfrom os import path\n"
    )
    assert [offence.split(" ", 1)[1] for offence in _offences(sample)] == [
        "import random",
        "datetime.now",
        "open()",
        "from os import ...",
    ]


def _passed_through(module: str) -> bool:
    """Whether the sandbox passes ``module`` through (a listed module covers its children)."""
    return any(module == name or module.startswith(f"{name}.") for name in PURE_MODULES)


def test_the_sandbox_imports_only_the_workflows_own_module_per_run() -> None:
    """Every module of ours the workflow imports is passed through (else each run imports it
    again, and its payload types would be other classes than the converter's), except the
    workflow's own module, which the sandbox must import to refuse the clock in it."""
    modules = _workflow_module_names()
    packages = {name for name, path in modules.items() if path.name == "__init__.py" and not path.read_text().strip()}
    imported_per_run = {name for name in modules if not _passed_through(name)} - packages
    assert imported_per_run == {"workflows.case"}


_READS_THE_CLOCK = """
from datetime import datetime

from temporalio import workflow


@workflow.defn
class ReadsTheClock:
    @workflow.run
    async def run(self) -> str:
        return datetime.now().isoformat()
"""


async def test_the_sandbox_refuses_the_clock(
    dev_server: WorkflowEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the sandboxed replay catches: a workflow module imported in the sandbox that reads the
    clock fails its workflow task (and the run stays open, to be fixed). The workflow is a module of
    its own, so that the sandbox imports only it."""
    (tmp_path / "reads_the_clock.py").write_text(_READS_THE_CLOCK)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "reads_the_clock", raising=False)
    reads_the_clock = importlib.import_module("reads_the_clock")
    task_queue = f"sandbox-{uuid.uuid4().hex[:8]}"
    client = dev_server.client
    async with Worker(
        client, task_queue=task_queue, workflows=[reads_the_clock.ReadsTheClock], workflow_runner=SANDBOXED_RUNNER
    ):
        handle = await client.start_workflow("ReadsTheClock", id=f"clock-{uuid.uuid4().hex}", task_queue=task_queue)
        failure = ""
        for _ in range(200):
            async for event in handle.fetch_history_events():
                if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                    failure = event.workflow_task_failed_event_attributes.failure.message
            if failure:
                break
            await asyncio.sleep(0.05)
        await handle.terminate()
    monkeypatch.delitem(sys.modules, "reads_the_clock")
    assert "datetime.datetime.now" in failure, failure
