"""Run the python agent: ``python -m services.agents.python``."""

import asyncio
import contextlib

import structlog

from protocol.lifecycle import until_signalled
from protocol.llm import Llm, LlmSettings
from protocol.telemetry import setup_telemetry
from services.agents.python.agent import PythonRunner
from services.agents.python.card import VERSION, python_card
from services.agents.python.sandbox import SandboxError, pick_interpreter, probe_isolation
from services.agents.python.settings import PythonSettings


async def main() -> None:
    settings = PythonSettings()
    with setup_telemetry("python", VERSION, settings):
        stopped = asyncio.create_task(until_signalled())
        await asyncio.sleep(0)
        try:
            interpreter = pick_interpreter(settings.python_interpreter)
        except SandboxError as exc:
            raise SystemExit(f"python agent: {exc}") from None
        # Find out once, for real, whether this host lets a run lose its network.
        isolation = await probe_isolation(interpreter)
        log = structlog.get_logger("ioa.python")
        log.info("network isolation", active=isolation.network, detail=isolation.detail)
        if settings.python_require_isolation and not isolation.network:
            raise SystemExit(f"python agent: network isolation required: {isolation.detail}")
        card = python_card(settings.limits, isolation)
        async with contextlib.AsyncExitStack() as stack:
            stack.callback(stopped.cancel)
            llm = None
            if settings.python_use_llm:
                llm = Llm(LlmSettings())
                stack.push_async_callback(llm.close)
            runner = PythonRunner(card, settings, isolation, interpreter, llm=llm)
            await stack.enter_async_context(runner)
            model = llm.settings.model if llm else None
            log.info("python agent ready", interpreter=interpreter, model=model)
            await stopped


if __name__ == "__main__":
    asyncio.run(main())
