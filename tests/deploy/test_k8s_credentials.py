"""NATS decentralised auth in the rendered manifests: the servers trust one operator
from one Secret, every service and agent mounts only its own ``.creds`` file and
connects with it (IOA_NATS_CREDS), the registry holds the signing key, and no NATS
password is left anywhere."""

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from protocol import permissions
from protocol.subjects import Subjects
from tests.deploy.render import (
    AGENTS,
    OVERLAYS,
    RESOLVER_DIR,
    SERVICES,
    auth_files,
    check_nats_config,
    named,
    of_kind,
    rendered,
)

CREDS_DIR = "/var/run/secrets/ioa"
SUBJECTS = Subjects("ioa.v1")


def unhashed(docs: tuple[dict[str, Any], ...], name: str) -> str:
    """A reference without the content hash kustomize appends to what it generated
    (``ioa-creds-chat-4b7d76hccb``); what prod's operators create by hand has none."""
    generated = {d["metadata"]["name"] for d in docs if d["kind"] in ("Secret", "ConfigMap")}
    return name.rsplit("-", 1)[0] if name in generated else name


def pod(docs: tuple[dict[str, Any], ...], kind: str, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = named(docs, kind, name)["spec"]["template"]["spec"]
    return spec


def secret_data(docs: tuple[dict[str, Any], ...], name: str) -> dict[str, str]:
    """A generated Secret's files, decoded."""
    (secret,) = [
        s for s in of_kind(docs, "Secret") if unhashed(docs, s["metadata"]["name"]) == name
    ]
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


def user_claims(creds: str) -> dict[str, Any]:
    jwt = creds.split("-----BEGIN NATS USER JWT-----")[1].split("------END")[0].strip()
    payload = jwt.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def expected_permissions(name: str) -> permissions.Permissions:
    if name in SERVICES:
        return permissions.service(SUBJECTS, name)
    return permissions.agent(SUBJECTS, name)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_nats_client_mounts_only_its_own_credentials_and_no_password_is_left(
    overlay: str,
) -> None:
    docs = rendered(overlay)
    clients = [
        d["metadata"]["name"]
        for d in of_kind(docs, "Deployment")
        if d["spec"]["template"]["metadata"]["labels"].get("ioa.dev/nats-client") == "true"
    ]
    assert sorted(clients) == sorted(SERVICES + AGENTS)
    for name in clients:
        spec = pod(docs, "Deployment", name)
        (c,) = spec["containers"]
        env = {e["name"]: e for e in c["env"]}
        assert env["IOA_NATS_CREDS"]["value"] == f"{CREDS_DIR}/{name}.creds", name
        assert not {"IOA_NATS_USER", "IOA_NATS_PASSWORD"} & set(env), name
        (mount,) = [m for m in c["volumeMounts"] if m["mountPath"] == CREDS_DIR]
        assert mount["readOnly"] is True
        secrets = [v for v in spec["volumes"] if "secret" in v]
        assert [v["name"] for v in secrets] == [mount["name"]], name
        secret = secrets[0]["secret"]
        assert unhashed(docs, secret["secretName"]) == f"ioa-creds-{name}", name
        # Its user (fsGroup) reads, nobody else; the sandbox's, root alone (test_k8s.py).
        assert secret["defaultMode"] == (0o400 if name == "python" else 0o440), name
    text = yaml.safe_dump_all(docs)
    assert not re.search(r"NATS_\w*PASSWORD|ioa-nats-users|users\.conf", text)


def test_each_dev_secret_holds_its_own_identity_with_the_permissions_of_its_role() -> None:
    docs = rendered("dev")
    account = named(docs, "ConfigMap", "ioa-admission")["data"]["IOA_ADMISSION_ACCOUNT"]
    assert account.startswith("A")  # an account's public key
    for name in SERVICES + AGENTS:
        files = secret_data(docs, f"ioa-creds-{name}")
        assert set(files) == {f"{name}.creds"} | ({"signing.nk"} if name == "registry" else set())
        claims = user_claims(files[f"{name}.creds"])
        assert claims["name"] == name
        assert claims["nats"]["issuer_account"] == account
        wanted = expected_permissions(name)
        assert claims["nats"]["pub"]["allow"] == wanted.publish, name
        assert claims["nats"]["sub"]["allow"] == wanted.subscribe, name
    assert secret_data(docs, "ioa-creds-registry")["signing.nk"].startswith("SA")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_registry_admits_agents_with_the_signing_key_beside_its_credentials(
    overlay: str,
) -> None:
    docs = rendered(overlay)
    (c,) = pod(docs, "Deployment", "registry")["containers"]
    env = {e["name"]: e for e in c["env"]}
    assert env["IOA_ADMISSION_SIGNING_KEY"]["value"] == f"{CREDS_DIR}/signing.nk"
    maps = [unhashed(docs, e["configMapRef"]["name"]) for e in c["envFrom"] if "configMapRef" in e]
    assert "ioa-admission" in maps  # IOA_ADMISSION_ACCOUNT
    for name in SERVICES + AGENTS:
        if name != "registry":
            (other,) = pod(docs, "Deployment", name)["containers"]
            assert "IOA_ADMISSION_SIGNING_KEY" not in {e["name"] for e in other["env"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_all_three_nats_nodes_trust_the_operator_from_one_secret(overlay: str) -> None:
    docs = rendered(overlay)
    spec = pod(docs, "StatefulSet", "nats")
    (c,) = spec["containers"]
    assert "envFrom" not in c
    mounts = {m["name"]: m for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    (auth,) = [n for n, v in volumes.items() if "secret" in v]
    assert unhashed(docs, volumes[auth]["secret"]["secretName"]) == "ioa-nats-auth"
    assert mounts[auth]["mountPath"] == "/etc/nats-auth" and mounts[auth]["readOnly"]
    conf = named(docs, "ConfigMap", "nats-config")["data"]["nats.conf"]
    assert "include ../nats-auth/nats-auth.conf" in conf  # relative to /etc/nats/nats.conf
    assert not re.search(r"^\s*(authorization|user|password)\b", conf, re.MULTILINE)
    # The full resolver keeps account JWTs on the pod's persistent volume.
    assert RESOLVER_DIR.startswith(mounts["data"]["mountPath"] + "/")
    if overlay == "dev":
        trust = secret_data(docs, "ioa-nats-auth")["nats-auth.conf"]
        assert f'resolver: {{ type: full, dir: "{RESOLVER_DIR}"' in trust


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_rendered_nats_configuration_and_its_trust_are_accepted_by_nats_server(
    overlay: str, tmp_path: Path
) -> None:
    docs = rendered(overlay)
    if overlay == "dev":
        trust = secret_data(docs, "ioa-nats-auth")["nats-auth.conf"]
    else:  # prod's Secret is made by hand from the same command's output
        trust = (auth_files(tmp_path / "auth") / "nats-auth.conf").read_text()
    conf = named(docs, "ConfigMap", "nats-config")["data"]["nats.conf"]
    result = check_nats_config(conf, trust, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stdout + result.stderr
