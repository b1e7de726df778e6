"""JSON logs, the web app's request metrics and the worker's SDK metrics endpoint."""

from __future__ import annotations

import json
import logging
import urllib.request

import httpx
from fastapi import FastAPI

from reintegratie.config.observability import JsonFormatter, MetricsMiddleware, _WebMetrics, temporal_runtime
from reintegratie.config.settings import Settings
from tests.support import free_port


def _settings(**overrides: object) -> Settings:
    values: dict[str, object] = dict(
        temporal_address="127.0.0.1:7233",
        database_url="sqlite+aiosqlite:///x.db",
        smtp_host="127.0.0.1",
        smtp_port=1025,
        smtp_tls="none",
        mail_from="verzuim@example.nl",
    )
    return Settings(**(values | overrides))  # type: ignore[arg-type]


def test_json_log_lines_carry_level_logger_message_extras_and_exception() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "reintegratie.worker", logging.ERROR, __file__, 1, "case %s failed", ("case-1",), sys.exc_info()
        )
    record.case_id = "case-1"
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "ERROR" and line["logger"] == "reintegratie.worker"
    assert line["message"] == "case case-1 failed" and line["case_id"] == "case-1"
    assert "ValueError: boom" in line["exception"]


async def test_web_metrics_count_by_route_template_never_by_raw_path() -> None:
    app = FastAPI()

    @app.get("/api/cases/{case_id}")
    async def show(case_id: str) -> dict[str, str]:
        return {"case_id": case_id}

    metrics = _WebMetrics()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=MetricsMiddleware(app, metrics)), base_url="http://t"
    ) as http:
        assert (await http.get("/api/cases/case-123")).status_code == 200
        assert (await http.get("/nowhere")).status_code == 404
    from prometheus_client import generate_latest

    exposition = generate_latest(metrics.registry).decode()
    assert 'route="/api/cases/{case_id}",status="200"' in exposition
    assert 'route="unmatched",status="404"' in exposition
    assert "case-123" not in exposition


def test_worker_runtime_serves_prometheus_metrics_when_configured() -> None:
    assert temporal_runtime(_settings()) is None
    port = free_port()
    runtime = temporal_runtime(_settings(worker_metrics_address=f"127.0.0.1:{port}"))
    assert runtime is not None
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.status == 200
