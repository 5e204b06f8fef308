"""A persona file may bring its own model and OpenAI-compatible endpoint."""

import json
from pathlib import Path

import pytest

from protocol.llm import Llm, LlmSettings
from services.agents.assistant.persona import PERSONAS, Persona, PersonaError
from tests.support.scripted_llm import Script, scripted_llm


def persona_file(tmp_path: Path, **extra: object) -> Path:
    data = json.loads((PERSONAS / "writer.json").read_text())
    data.update(id="poet", name="Poet", **extra)
    path = tmp_path / "poet.json"
    path.write_text(json.dumps(data))
    return path


async def test_a_persona_with_its_own_endpoint_and_model_talks_to_that_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = Script(rules=[], default="Roses are red.")
    monkeypatch.setenv("POET_KEY", "secret-poet-key")
    with scripted_llm(script) as url:
        persona = Persona.load(
            persona_file(tmp_path, openai_base_url=url, model="poet-7b", api_key_env="POET_KEY")
        )
        settings = persona.llm_settings(LlmSettings(openai_base_url="http://127.0.0.1:9/v1"))
        llm = Llm(settings)
        try:
            completion = await llm.complete([{"role": "user", "content": "a poem"}])
        finally:
            await llm.close()

    assert completion.text == "Roses are red."
    assert script.requests[0]["model"] == "poet-7b"
    assert settings.openai_api_key.get_secret_value() == "secret-poet-key"
    assert persona.card().id == "poet"


def test_a_persona_without_endpoint_settings_keeps_the_defaults(tmp_path: Path) -> None:
    base = LlmSettings(openai_base_url="http://llm.example/v1", model="m")
    assert Persona.load(persona_file(tmp_path)).llm_settings(base) == base


def test_a_persona_naming_a_missing_key_variable_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_SUCH_KEY", raising=False)
    persona = Persona.load(persona_file(tmp_path, api_key_env="NO_SUCH_KEY"))
    with pytest.raises(PersonaError, match=r"\$NO_SUCH_KEY is not set"):
        persona.llm_settings(LlmSettings())
