"""docker-compose.yml agrees with the code: services, ports, variables, search attributes, retention.

No Docker engine runs on the project's machines, so the file is parsed and checked, not started.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from reintegratie.config.settings import ENV_PREFIX, Settings, load_settings
from tests.payload_keys import TEST_PAYLOAD_KEYS
from tests.support import TEST_SECRET_KEY
from workflows import search_attributes

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("worker", "web")
_CLI_TYPES = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "BOOL": "Bool"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _container_ports(service: dict[str, Any]) -> set[int]:
    """Ports the service offers to the others (expose) or to the host (ports: "host:container")."""
    found = {int(str(p)) for p in service.get("expose", [])}
    for mapping in service.get("ports", []):
        found.add(int(str(mapping).split("/")[0].rsplit(":", 1)[-1]))
    return found


def _host_port(address: str) -> tuple[str, int]:
    host, _sep, port = address.rpartition(":")
    return host, int(port)


def _app_settings(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, require: tuple[str, ...] = ()) -> Settings:
    for name in list(__import__("os").environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    for name, value in env.items():
        if value.startswith("${"):  # the secret comes from the operator's shell
            value = TEST_PAYLOAD_KEYS if name == ENV_PREFIX + "PAYLOAD_KEYS" else TEST_SECRET_KEY
        monkeypatch.setenv(name, value)
    return load_settings(require=require)


def test_every_part_of_the_cluster_is_there(compose: dict[str, Any]) -> None:
    services = _services(compose)
    assert {
        "postgresql",
        "temporal-schema",
        "temporal",
        "temporal-setup",
        "temporal-ui",
        "mailpit",
        "worker",
        "web",
    } <= set(services)
    assert services["temporal"]["environment"]["DB"] == "postgres12"
    assert services["temporal"]["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"
    for name in APP_SERVICES:
        assert services[name]["build"] == "."
        assert services[name]["depends_on"]["temporal-setup"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["reintegratie", "db", "upgrade"]
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["worker"]["command"] == ["reintegratie", "worker"]
    assert services["web"]["command"] == ["reintegratie", "web"]
    # Mailpit: SMTP 1025, web UI and API 8025; the Temporal UI talks to the frontend.
    assert {1025, 8025} <= _container_ports(services["mailpit"])
    assert 7233 in _container_ports(services["temporal"])
    assert services["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"


def test_the_worker_scales_out(compose: dict[str, Any]) -> None:
    worker = _services(compose)["worker"]
    assert worker["deploy"]["replicas"] >= 2
    assert "container_name" not in worker, "a fixed name forbids replicas"
    assert not worker.get("ports"), "a host port forbids replicas; metrics are scraped inside the network"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_variables_are_settings_the_code_reads(
    compose: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _environment(_services(compose)[name])
    fields = set(Settings.model_fields)
    ours = {k: v for k, v in env.items() if k.startswith(ENV_PREFIX)}
    unknown = {k for k in ours if k.removeprefix(ENV_PREFIX).lower() not in fields}
    assert not unknown, f"{name} sets variables no setting reads: {sorted(unknown)}"
    required = {f for f, info in Settings.model_fields.items() if info.is_required()}
    missing = {ENV_PREFIX + f.upper() for f in required} - set(ours)
    assert not missing, f"{name} lacks required variables: {sorted(missing)}"
    required_secrets = ("secret_key", "payload_keys") if name == "web" else ("payload_keys",)
    settings = _app_settings(ours, monkeypatch, require=required_secrets)
    assert settings.log_format.value == "json"


def test_addresses_point_at_services_and_their_ports(compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    services = _services(compose)
    for name in APP_SERVICES:
        settings = _app_settings(
            {k: v for k, v in _environment(services[name]).items() if k.startswith(ENV_PREFIX)}, monkeypatch
        )
        host, port = _host_port(settings.temporal_address)
        assert host in services and port in _container_ports(services[host])
        assert settings.smtp_host in services and settings.smtp_port in _container_ports(services[settings.smtp_host])
        database = re.match(r"postgresql\+asyncpg://(\w+):\w+@([\w-]+):(\d+)/(\w+)$", settings.database_url)
        assert database, settings.database_url
        user, db_host, db_port, db_name = database.groups()
        assert db_host in services and int(db_port) == 5432
        init_sql = (ROOT / "deploy/postgres/init.sql").read_text()
        assert f"CREATE ROLE {user} " in init_sql and f"CREATE DATABASE {db_name} OWNER {user}" in init_sql
        volumes = " ".join(services[db_host]["volumes"])
        assert "./deploy/postgres/init.sql:/docker-entrypoint-initdb.d/" in volumes
        for field in ("worker_metrics_address", "web_metrics_address"):
            address = getattr(settings, field)
            if address:
                assert _host_port(address)[1] in _container_ports(services[name]), f"{name}: {field} port not exposed"
    web = _app_settings(
        {k: v for k, v in _environment(services["web"]).items() if k.startswith(ENV_PREFIX)}, monkeypatch
    )
    assert web.web_host == "0.0.0.0"
    assert f"{web.web_port}:{web.web_port}" in [str(p) for p in services["web"]["ports"]]
    assert web.public_url.endswith(f":{web.web_port}")
    worker = _app_settings(
        {k: v for k, v in _environment(services["worker"]).items() if k.startswith(ENV_PREFIX)}, monkeypatch
    )
    assert worker.worker_metrics_address and worker.worker_max_cached_workflows >= 1000


def test_temporal_is_not_reachable_from_outside_the_machine(compose: dict[str, Any]) -> None:
    """The workflow history is plain text (until the payload codec exists): Temporal's gRPC stays on
    the internal network and its UI, if published at all, on the host's loopback only."""
    services = _services(compose)
    assert not services["temporal"].get("ports"), "Temporal's gRPC port must not be published"
    for mapping in services["temporal-ui"].get("ports", []):
        assert str(mapping).startswith("127.0.0.1:"), f"the Temporal UI is published beyond this machine: {mapping}"


def test_namespace_setup_has_our_search_attributes_and_years_of_retention(compose: dict[str, Any]) -> None:
    setup = _services(compose)["temporal-setup"]
    env = _environment(setup)
    declared = dict(pair.split("=") for pair in env["SEARCH_ATTRIBUTES"].split())
    expected = {key.name: _CLI_TYPES[key.indexed_value_type.name] for key in search_attributes.ALL}
    assert declared == expected
    retention = re.fullmatch(r"(\d+)d", env["RETENTION"])
    assert retention and int(retention.group(1)) >= 3650
    script = (ROOT / "deploy/temporal/setup-namespace.sh").read_text()
    assert "--retention" in script and "search-attribute create" in script
    for volume in setup["volumes"]:
        source = volume.split(":")[0]
        assert (ROOT / source).exists(), source
    schema = (ROOT / "deploy/temporal/setup-schema.sh").read_text()
    assert "temporal_visibility" in schema and "update-schema" in schema


def test_dockerfile_installs_every_package_of_the_project() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for package in {name.split(".")[0] for name in project["tool"]["setuptools"]["packages"]}:
        assert f"COPY {package}/ {package}/" in dockerfile, package
    assert "pip install ." in dockerfile
    assert "USER app" in dockerfile


PUBLIC_SERVICES = {"web"}  # the product's own door, behind its sign-in; everything else stays on the machine


def _published_beyond_loopback(service: dict[str, Any]) -> list[str]:
    """The `ports:` mappings that Docker binds on every interface of the host (no 127.0.0.1 in front)."""
    wide = []
    for mapping in service.get("ports", []):
        if isinstance(mapping, dict):  # long syntax: host_ip next to published
            if mapping.get("published") and mapping.get("host_ip") not in ("127.0.0.1", "::1"):
                wide.append(str(mapping))
        elif not (str(mapping).startswith("127.0.0.1:") or str(mapping).startswith("[::1]:")):
            wide.append(str(mapping))
    return wide


def test_only_the_web_app_is_published_beyond_this_machine(compose: dict[str, Any]) -> None:
    """PostgreSQL (every case and name) and Mailpit (every caught message, an SMTP port that takes any
    login) are reachable from the host's loopback at most, never from the network."""
    services = _services(compose)
    for name in ("postgresql", "mailpit"):
        assert not _published_beyond_loopback(services[name]), f"{name} is published beyond this machine"
    wide = {name: _published_beyond_loopback(s) for name, s in services.items() if name not in PUBLIC_SERVICES}
    assert not {name: ports for name, ports in wide.items() if ports}


def test_the_loopback_check_sees_a_wide_port() -> None:
    assert _published_beyond_loopback({"ports": ["5432:5432", "127.0.0.1:8025:8025", {"published": 1025}]}) == [
        "5432:5432",
        "{'published': 1025}",
    ]


def test_payloads_are_encrypted_with_a_key_from_the_operators_environment(compose: dict[str, Any]) -> None:
    """The web app and every worker get the payload keys from the operator's shell (never a value in
    this file), the same variable for both, and refuse to start without it (``:?``)."""
    services = _services(compose)
    for name in APP_SERVICES:
        value = _environment(services[name]).get(ENV_PREFIX + "PAYLOAD_KEYS", "")
        assert re.fullmatch(r"\$\{REINTEGRATIE_PAYLOAD_KEYS:\?[^}]+\}", value), f"{name}: {value!r}"
    assert "PAYLOAD_KEYS" not in str(compose.get("x-app-environment", {})), "migrate needs no key"
    assert TEST_PAYLOAD_KEYS.split(":")[1] not in (ROOT / "docker-compose.yml").read_text()


def test_the_temporal_ui_decodes_through_the_web_apps_codec_endpoint(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The UI asks the web app's /codec, with the sign-in cookie; the web app allows the UI's origin
    (CORS), which is where the UI is published on this machine."""
    services = _services(compose)
    ui = _environment(services["temporal-ui"])
    web = _app_settings(
        {k: v for k, v in _environment(services["web"]).items() if k.startswith(ENV_PREFIX)}, monkeypatch
    )
    assert ui["TEMPORAL_CODEC_ENDPOINT"] == web.public_url + "/codec"
    assert ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"
    assert web.temporal_ui_origin is not None
    ui_host, ui_port = _host_port(web.temporal_ui_origin.split("://", 1)[1])
    assert ui_host == web.public_url.split("://", 1)[1].rsplit(":", 1)[0], "same site, or the cookie stays home"
    published = [str(mapping) for mapping in services["temporal-ui"].get("ports", [])]
    assert any(mapping.startswith("127.0.0.1:") and mapping.split(":")[1] == str(ui_port) for mapping in published)
    worker = _app_settings(
        {k: v for k, v in _environment(services["worker"]).items() if k.startswith(ENV_PREFIX)}, monkeypatch
    )
    assert worker.payload_keys is not None and web.payload_keys is not None
