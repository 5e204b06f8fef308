"""Finding the local model and llama.cpp's server, and choosing which LLM to use."""

import importlib
from pathlib import Path

import pytest

from ioa import local_llm
from ioa.up import LlmPlan, plan_llm


def test_a_missing_model_package_tells_to_run_make_install_llm() -> None:
    with pytest.raises(local_llm.LocalLlmMissing) as info:
        local_llm.find_gguf(package="no-such-model-package", module="no_such_model_module")
    message = str(info.value)
    assert "no-such-model-package" in message
    assert "make install-llm" in message
    assert "OPENAI_BASE_URL" in message


def test_a_missing_server_module_is_named_with_the_install_hint() -> None:
    with pytest.raises(local_llm.LocalLlmMissing, match="make install-llm") as info:
        local_llm.check_server_installed(("json", "no_such_server_module"))
    assert "no_such_server_module" in str(info.value)
    assert "json," not in str(info.value)


def test_the_gguf_file_a_package_ships_is_found_without_importing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "fake_model_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('must not be imported')\n")
    (package / "tiny.Q4.gguf").write_bytes(b"GGUF")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    found = local_llm.find_gguf(package="fake-model-pkg", module="fake_model_pkg")
    assert found == package / "tiny.Q4.gguf"


def test_the_server_command_serves_the_model_under_the_alias_the_services_ask_for() -> None:
    cmd = local_llm.server_command(Path("/m/model.gguf"), 8123)
    assert cmd[1:3] == ["-m", "llama_cpp.server"]
    assert cmd[cmd.index("--model_alias") + 1] == local_llm.client_env("x")["IOA_LLM_MODEL"]
    assert cmd[cmd.index("--port") + 1] == "8123"
    assert cmd[cmd.index("--n_ctx") + 1] == "2048"


def test_the_llm_is_local_unless_openai_base_url_or_the_flag_says_otherwise() -> None:
    assert plan_llm(None, {}) == LlmPlan("local")
    assert plan_llm(None, {"OPENAI_BASE_URL": "http://h/v1"}) == LlmPlan("external", "http://h/v1")
    assert plan_llm("local", {"OPENAI_BASE_URL": "http://h/v1"}) == LlmPlan("local")
    assert plan_llm("none", {}) == LlmPlan("none")
    assert plan_llm("https://api.example/v1", {}) == LlmPlan("external", "https://api.example/v1")
    with pytest.raises(ValueError, match="local"):
        plan_llm("gpt", {})
