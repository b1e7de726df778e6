"""schemathesis against /openapi.json: no server error for any generated input, and every answer is
the one the document describes (its status code, its content type and its schema).

schemathesis reads the app's OpenAPI document and generates requests for every operation
(hypothesis, a few examples each); they are sent in-process to the app, which has a real worker
behind it and one real case: every other request carries that case's id, so generated commands
reach the workflow and its rules (any other id answers 404). Sent as HR, who may give every command.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from tests.web.conftest import WebApp

schemathesis = pytest.importorskip(
    "schemathesis", reason="install the test extras (pip install -e '.[test]'), which bring schemathesis"
)

EXAMPLES_PER_OPERATION = 6


def _generate(document: dict[str, Any]) -> list[Any]:
    """Generated cases for every operation (run in a thread: hypothesis drives its own loop)."""
    schema = schemathesis.openapi.from_dict(document)
    cases: list[Any] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            database=None,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        @given(operation.as_strategy())
        def collect(case: Any) -> None:
            cases.append(case)

        collect()
    return cases


def _url(case: Any, case_id: str | None) -> str:
    if case_id is None or "case_id" not in (case.path_parameters or {}):
        return str(case.formatted_path)
    parameters = {name: quote(str(value), safe="") for name, value in case.path_parameters.items()} | {
        "case_id": case_id
    }
    return str(case.operation.path).format(**parameters)


async def test_no_server_error_for_generated_input(live_web: WebApp) -> None:
    web = live_web
    hr = await web.token_client(await web.user("hr"))
    created = await hr.post(
        "/api/cases",
        json={
            "employee": {"name": "Sanne de Vries", "email": f"sanne-{uuid.uuid4().hex[:6]}@example.nl"},
            "manager": {"name": "Mark Jansen", "email": "mark@example.nl"},
            "first_sick_day": (date.today() - timedelta(days=20)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    document = (await hr.get("/openapi.json")).json()
    cases = await asyncio.to_thread(_generate, document)
    assert len({case.operation.label for case in cases}) == len(
        [1 for path in document["paths"].values() for _ in path]
    )

    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )
    from schemathesis.core import NotSet
    from schemathesis.errors import FailureGroup

    # Conformance: every answer's status code, content type and body are the ones the document gives.
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

    failures: list[str] = []
    wrong: dict[str, int] = {}  # "METHOD /path -> status": how many answers were not as documented
    statuses: dict[int, int] = {}
    for index, case in enumerate(cases):
        url = _url(case, case_id if index % 2 else None)
        kwargs: dict[str, Any] = {
            "params": case.query or None,
            "headers": {k: str(v) for k, v in (case.headers or {}).items()} or None,
        }
        if case.body is not None and not isinstance(case.body, NotSet):
            media = case.media_type or "application/json"
            if media == "application/json":
                kwargs |= {"json": case.body}
            elif isinstance(case.body, (str, bytes)):  # a raw body (text/csv)
                kwargs |= {"content": case.body, "headers": (kwargs["headers"] or {}) | {"content-type": media}}
            else:
                kwargs |= {"data": case.body}
        answer = await hr.request(case.method, url, **kwargs)
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        try:
            case.validate_response(answer, checks=checks)
        except FailureGroup as group:  # a server error, or an answer that is not what the document says
            label = f"{case.method} {case.operation.path} -> {answer.status_code}"
            wrong[label] = wrong.get(label, 0) + 1
            failures.append(f"{case.method} {url} {kwargs} -> {answer.status_code}\n{group.message}")
    assert not failures, f"not as documented: {wrong}; the first 5:\n" + "\n".join(failures[:5])
    assert {200, 404, 422} <= set(statuses), statuses  # the generated input reached the case, the rules and the edge
