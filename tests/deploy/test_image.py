"""The Dockerfile's promises, checked on its text (no Docker engine here): pinned
dependencies that still cover pyproject, a non-root user, a health check, the
``ioa`` entrypoint, and a build context that holds what it copies."""

import re
import tomllib
from importlib import util

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.deploy.render import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def lock_module():  # type: ignore[no-untyped-def]
    spec = util.spec_from_file_location("deploy_lock", ROOT / "deploy" / "lock.py")
    assert spec and spec.loader
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_lock_pins_every_runtime_dependency_at_a_version_pyproject_accepts() -> None:
    lock = lock_module()
    pins = lock.parse((ROOT / "requirements.lock").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    stale = []
    for raw in project["dependencies"]:
        req = Requirement(raw)
        version = pins.get(canonicalize_name(req.name))
        if version is None or not req.specifier.contains(version, prereleases=True):
            stale.append(raw)
    assert not stale, (
        f"requirements.lock does not cover {stale}: run '.venv/bin/python deploy/lock.py'"
    )
    llm = lock.parse((ROOT / "requirements-llm.lock").read_text())
    assert set(pins) <= set(llm)
    for raw in project["optional-dependencies"]["llm"]:
        assert canonicalize_name(Requirement(raw).name) in llm


def test_the_image_builds_in_stages_from_the_lock_and_runs_as_a_non_root_user() -> None:
    stages = re.findall(r"^FROM \S+ AS (\S+)$", DOCKERFILE, re.MULTILINE)
    assert stages == [
        "builder",
        "llm-builder",
        "busybox",
        "otel-collector",
        "base",
        "llm",
        "runtime",
    ]
    assert stages[-1] == "runtime"  # the default target
    assert "pip install --require-virtualenv -r requirements.lock" in DOCKERFILE
    assert "pip install --require-virtualenv --no-deps ." in DOCKERFILE
    assert "-r requirements-llm.lock" in DOCKERFILE
    assert DOCKERFILE.count("USER 10001:10001") == 2
    assert not re.search(r"^USER (root|0)\b", DOCKERFILE, re.MULTILINE)
    assert 'ENTRYPOINT ["ioa"]' in DOCKERFILE
    assert 'CMD ["ioa", "health"]' in DOCKERFILE
    assert 'CMD ["ioa", "health", "llm"]' in DOCKERFILE
    # The final stages carry no compiler: build tools stay in the builders.
    final = DOCKERFILE[DOCKERFILE.index("AS base") :]
    assert "build-essential" not in final


def test_the_build_context_holds_everything_the_dockerfile_copies() -> None:
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert "*" in ignore
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE, re.MULTILINE)
    for sources in copied:
        for source in sources.split():
            assert source in allowed, source
            assert (ROOT / source).exists(), source


def test_the_docs_agent_finds_its_documents_in_the_image() -> None:
    runtime = DOCKERFILE[DOCKERFILE.index("AS runtime") :]
    assert "COPY docs /opt/ioa/docs" in runtime
    assert "ENV IOA_DOCS_FOLDER=/opt/ioa/docs" in runtime
