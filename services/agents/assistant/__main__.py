"""Run an assistant agent: ``python -m services.agents.assistant``.

The persona file (``IOA_ASSISTANT_PERSONA``) decides which agent this process
is: the shipped ``assistant`` persona by default, or ``writer`` with
``IOA_ASSISTANT_PERSONA=services/agents/assistant/personas/writer.json``.
"""

import asyncio
import contextlib

import structlog

from protocol.lifecycle import until_signalled
from protocol.llm import Llm, LlmSettings
from protocol.telemetry import setup_telemetry
from services.agents.assistant.agent import Assistant
from services.agents.assistant.persona import Persona, PersonaError
from services.agents.assistant.settings import AssistantSettings


async def main() -> None:
    settings = AssistantSettings()
    try:
        persona = Persona.load(settings.assistant_persona)
        llm_settings = persona.llm_settings(LlmSettings())
    except PersonaError as exc:
        raise SystemExit(f"assistant: {exc}") from None
    with setup_telemetry(persona.id, persona.version, settings):
        # Listen for SIGTERM before starting: the registry may list the agent (and an
        # orchestrator stop it) before the start-up has finished.
        stopped = asyncio.create_task(until_signalled())
        await asyncio.sleep(0)
        async with contextlib.AsyncExitStack() as stack:
            stack.callback(stopped.cancel)
            llm = Llm(llm_settings)
            stack.push_async_callback(llm.close)
            await stack.enter_async_context(Assistant(persona, settings, llm))
            structlog.get_logger("ioa.assistant").info(
                "assistant ready", persona=persona.id, model=llm.settings.model
            )
            await stopped


if __name__ == "__main__":
    asyncio.run(main())
