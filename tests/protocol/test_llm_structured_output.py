"""Structured output in both dialects: a server that refuses OpenAI's ``json_schema``
form (as llama.cpp's does) gets llama.cpp's ``json_object`` + ``schema`` form instead,
and the client remembers which one works."""

import pytest
from pydantic import BaseModel

from protocol.llm import Llm, LlmSettings
from tests.support.scripted_llm import Script, scripted_llm

ASK = [{"role": "user", "content": "Pick a number."}]


class Pick(BaseModel):
    number: int


def forms(script: Script) -> list[str]:
    """The structured-output form of each request, repeats (client retries) folded."""
    seen = [r["response_format"]["type"] for r in script.requests]
    return [form for n, form in enumerate(seen) if n == 0 or seen[n - 1] != form]


# 500: llama.cpp's answer (the client retries it once first); 422: a validating server's.
@pytest.mark.parametrize("status", [500, 422])
async def test_a_refused_json_schema_falls_back_to_json_object_and_stays_there(
    status: int,
) -> None:
    script = Script(
        default='{"number": 7}', rejects=frozenset({"json_schema"}), reject_status=status
    )
    with scripted_llm(script) as url:
        llm = Llm(LlmSettings(openai_base_url=url, model="scripted"))
        try:
            first = await llm.choose(ASK, Pick)
            second = await llm.choose(ASK, Pick)
        finally:
            await llm.close()
    assert first == second == Pick(number=7)
    assert forms(script) == ["json_schema", "json_object"]
    fallback = script.requests[-1]["response_format"]
    assert fallback["schema"] == Pick.model_json_schema()
    assert [r["response_format"]["type"] for r in script.requests][-2:] == ["json_object"] * 2


async def test_a_server_that_takes_json_schema_gets_only_that_form() -> None:
    script = Script(default='{"number": 3}')
    with scripted_llm(script) as url:
        llm = Llm(LlmSettings(openai_base_url=url, model="scripted"))
        try:
            assert await llm.choose(ASK, Pick) == Pick(number=3)
        finally:
            await llm.close()
    (request,) = script.requests
    assert request["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Pick", "schema": Pick.model_json_schema()},
    }


async def test_a_server_that_refuses_both_forms_gives_no_choice() -> None:
    script = Script(
        default='{"number": 1}',
        rejects=frozenset({"json_schema", "json_object"}),
        reject_status=422,
    )
    with scripted_llm(script) as url:
        llm = Llm(LlmSettings(openai_base_url=url, model="scripted"))
        try:
            assert await llm.choose(ASK, Pick) is None
        finally:
            await llm.close()
    assert forms(script) == ["json_schema", "json_object"]
