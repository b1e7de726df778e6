"""Logs and metrics for the worker and the web app when they run alone (the cluster setup).

- Logs: ``REINTEGRATIE_LOG_FORMAT=json`` writes one JSON object per line (time, level, logger,
  message, and the exception if any) for a log collector; ``text`` (the default) suits a terminal.
- Worker metrics: the Temporal SDK's own Prometheus exporter (task slots, poll and schedule-to-start
  latencies, sticky cache, activity and workflow task outcomes), served by the SDK's runtime at
  ``REINTEGRATIE_WORKER_METRICS_ADDRESS``.
- Web metrics: requests by method, route template and status, and their duration, served by
  prometheus_client at ``REINTEGRATIE_WEB_METRICS_ADDRESS`` (a port of its own, not the public one).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

from reintegratie.config.settings import LogFormat, Settings

_STANDARD_ATTRIBUTES = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record; extra attributes (``logger.info(..., extra={...})``) are kept."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in record.__dict__.items():
            if name not in _STANDARD_ATTRIBUTES and not name.startswith("_"):
                entry[name] = value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    """The root logger writes to stderr in the configured format and level (uvicorn's loggers too)."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == LogFormat.json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True


def _split(address: str) -> tuple[str, int]:
    host, _sep, port = address.rpartition(":")
    return host, int(port)


# ------------------------------------------------------------------------------------------ worker


def temporal_runtime(settings: Settings) -> Any:
    """A Temporal runtime exporting the SDK's metrics for Prometheus, or None when not configured."""
    if not settings.worker_metrics_address:
        return None
    from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=settings.worker_metrics_address)))


# --------------------------------------------------------------------------------------------- web

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _WebMetrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter(
            "reintegratie_http_requests", "HTTP requests handled", ["method", "route", "status"], registry=self.registry
        )
        self.duration = Histogram(
            "reintegratie_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )


class MetricsMiddleware:
    """Counts requests by route template (never the raw path: it holds case ids) and times them."""

    def __init__(self, app: ASGIApp, metrics: _WebMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = str(scope.get("method", "GET"))
            self.metrics.requests.labels(method, route, str(status["code"])).inc()
            self.metrics.duration.labels(method, route).observe(time.perf_counter() - started)


def instrument_web(app: Any, settings: Settings) -> Any:
    """Wrap the web app with request metrics and serve them at ``web_metrics_address`` (if set).

    Returns the app to serve (the same one when metrics are off)."""
    if not settings.web_metrics_address:
        return app
    from prometheus_client import start_http_server

    metrics = _WebMetrics()
    host, port = _split(settings.web_metrics_address)
    start_http_server(port, addr=host, registry=metrics.registry)
    return MetricsMiddleware(app, metrics)


__all__ = ["JsonFormatter", "MetricsMiddleware", "configure_logging", "instrument_web", "temporal_runtime"]
